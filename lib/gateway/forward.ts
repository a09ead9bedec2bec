import { Observable, concatMap, map, type Subscription } from 'rxjs';
import { META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_PROTOCOL_VERSION, type ProtocolEra } from '../codec/era.js';
import { ErrorCodes, isLocalCode } from '../codec/error-codes.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { ConnectionClosedError, JsonRpcError, RequestTimeoutError, messageOf } from '../errors.js';
import type { RequestContext } from '../handler/context.js';
import type { Handler } from '../handler/run-request.js';
import type { McpClient } from '../mcp/client.js';
import { McpClientError } from '../mcp/client-errors.js';
import { fulfilInputRequests, type McpClientHandlers } from '../mcp/client-handlers.js';
import type { ServerDescription } from '../mcp/client-handshake.js';
import { withInputRounds } from '../mcp/client-input-rounds.js';
import type { Implementation } from '../mcp/client-shapes.js';
import { McpRequestContext, META_LOG_LEVEL, type ConnectionState } from '../mcp/context.js';
import { modernResult } from '../mcp/modern-result.js';
import { declaresTasks } from '../mcp/task-wire.js';
import type { RequestOptions } from '../peer/request-options.js';
import { refusalError, type Admission } from './admission.js';
import type { CallsInFlight } from './calls.js';
import type { GatewayEventInit } from './events.js';
import type { TaskOwners } from './task-owners.js';
import { upstreamTask, withTasksWhenRequired } from './tasks.js';
import type { UpstreamLink } from './upstream.js';
import { extend } from '../codec/extend.js';
import { isUnknownRecord } from '../codec/unknown-record.js';

/**
 * The methods a gateway forwards by default: what a client asks of a server's tools, prompts and resources.
 *
 * @example
 * FORWARDED_METHODS.includes('tools/call'); // true
 */
export const FORWARDED_METHODS: readonly string[] = [
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'completion/complete',
];

// the methods that may answer input_required in 2026-07-28 (basic/patterns/mrtr "Applicable Methods")
const ROUND_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);
// the _meta members of one hop that never cross to the next: the token is the upstream client's
// own (its request id), the version and client are the gateway's
const HOP_META: ReadonlySet<string> = new Set(['progressToken', META_PROTOCOL_VERSION, META_CLIENT_INFO]);
// and what a 2025-11-25 server has no use for
const MODERN_META: ReadonlySet<string> = new Set([META_CLIENT_CAPABILITIES, META_LOG_LEVEL]);
// the error data passed on from the upstream: bounded, as everything the upstream sends
const MAX_ERROR_DATA_CHARS = 4_096;
const NO_CACHE = { ttlMs: 0, scope: 'private' } as const;

type Rec = Record<string, unknown>;

/** What forwarding needs of the gateway. */
export interface ForwardInit {
  readonly link: UpstreamLink;
  readonly calls: CallsInFlight;
  readonly admission: Admission;
  /** What each 2025-11-25 front connection said in `initialize` and asked with `logging/setLevel`. */
  readonly states: WeakMap<object, ConnectionState>;
  readonly info: Implementation | undefined;
  readonly timeoutMs: number | undefined;
  readonly maxInputRounds: number | undefined;
  readonly senderOf: (ctx: RequestContext) => string;
  /** The upstream tasks each front principal got, and who a request's principal is. */
  readonly owners: TaskOwners;
  readonly taskOwnerOf: (ctx: RequestContext) => string;
  readonly emit: (e: GatewayEventInit) => void;
}

/** The software the front sees: the one given, else the upstream's, else the gateway's own name. */
export const frontInfo = (given: Implementation | undefined, d: ServerDescription): Implementation =>
  given ?? d.serverInfo ?? { name: 'mcp-rx-cancel-gateway', version: '0.1.0' };

/**
 * The params a front request goes upstream with: its own, its `_meta` without what belongs to the
 * front hop (the front's progress token, version and client name); to a 2026-07-28 upstream the
 * capabilities of the front client (a 2025 front's from its `initialize`), since the upstream asks
 * for input that the front client answers; to a 2025-11-25 upstream no 2026 members at all.
 *
 * @example
 * upstreamParams({ name: 'echo', _meta: { progressToken: 7 } }, '2025-11-25', mctx); // { name: 'echo' }
 */
export const upstreamParams = (params: unknown, upstreamEra: ProtocolEra, mctx: McpRequestContext): Rec => {
  if (params !== undefined && !isUnknownRecord(params)) throw new JsonRpcError(ErrorCodes.InvalidParams, 'Invalid params: an object is expected');
  const p: Rec = params ?? {};
  // nothing to drop or add (a 2025 hop, no _meta): the params as they are; the peer copies them to stamp its token
  if (p['_meta'] === undefined && upstreamEra !== '2026-07-28') return p;
  const given = isUnknownRecord(p['_meta']) ? p['_meta'] : undefined;
  const meta: Rec = {};
  if (given !== undefined)
    for (const k of Object.keys(given)) if (!HOP_META.has(k) && (upstreamEra === '2026-07-28' || !MODERN_META.has(k))) meta[k] = given[k];
  if (upstreamEra === '2026-07-28') meta[META_CLIENT_CAPABILITIES] = mctx.clientCapabilities;
  const { _meta: _dropped, ...rest } = p;
  return Object.keys(meta).length === 0 ? rest : extend(rest, { _meta: meta });
};

/**
 * What a front client's answer to the upstream's input requests is made of: its own answers, asked
 * of it as requests tied to its call (a 2025-11-25 front), for the capabilities it declared.
 */
const askTheFront = (mctx: McpRequestContext): McpClientHandlers => {
  const caps = mctx.clientCapabilities;
  return {
    ...(caps['elicitation'] === undefined ? {} : { elicitation: (p) => mctx.request('elicitation/create', p) }),
    ...(caps['sampling'] === undefined ? {} : { sampling: (p) => mctx.request('sampling/createMessage', p) }),
    ...(caps['roots'] === undefined ? {} : { roots: (p) => mctx.request('roots/list', p) }),
  };
};

/**
 * An upstream result as the front's era has it: 2026-07-28 results name their kind and the
 * server, and carry a cache hint (the upstream's when it gave one); a 2025-11-25 result goes as
 * it came (members it does not know are ignored by its client).
 */
const toFront = (frontEra: ProtocolEra, method: string, info: Implementation, r: unknown): unknown => {
  if (!isUnknownRecord(r)) return r; // not an object: the core answers -32603, the upstream's fault
  if (frontEra === '2026-07-28') {
    const shaped = modernResult(method, info, NO_CACHE)(r);
    return r['ttlMs'] === undefined ? shaped : extend(shaped, { ttlMs: r['ttlMs'], cacheScope: r['cacheScope'] });
  }
  // a 2025 front: a 2026 upstream's rounds were run here (ROUND_METHODS), and its tasks followed
  // (upstreamTask), so this is an answer; another method's task is the upstream's fault
  if (r['resultType'] === 'input_required' || r['resultType'] === 'task')
    throw new JsonRpcError(ErrorCodes.InternalError, `The upstream answered ${method} with a ${String(r['resultType'])} result, which a 2025-11-25 client cannot read`);
  return r;
};

const boundedData = (data: unknown): unknown => {
  if (data === undefined) return undefined;
  try {
    const text = JSON.stringify(data);
    return text !== undefined && text.length <= MAX_ERROR_DATA_CHARS ? data : undefined;
  } catch {
    return undefined;
  }
};

/**
 * What the front gets when the upstream call failed: the upstream's own JSON-RPC error, bounded;
 * for what went wrong on the gateway's side of the hop (the upstream connection closed, the
 * upstream timed out, a result that does not decode), -32603 saying so: codes that mean "here"
 * (-32000 connection closed, -32001 timeout) must not travel (MCP 2026-07-28 "Error Codes").
 *
 * @example
 * frontError(new ConnectionClosedError()); // JsonRpcError -32603 'Upstream connection closed', data { upstream: 'closed' }
 */
export const frontError = (e: unknown): JsonRpcError => {
  if (e instanceof ConnectionClosedError) return new JsonRpcError(ErrorCodes.InternalError, 'Upstream connection closed', { upstream: 'closed' });
  if (e instanceof RequestTimeoutError) return new JsonRpcError(ErrorCodes.InternalError, 'Upstream request timed out', { upstream: 'timeout' });
  if (e instanceof McpClientError) return new JsonRpcError(ErrorCodes.InternalError, `Upstream: ${preview(e.message, PREVIEW_MAX)}`, { upstream: e.code });
  if (e instanceof JsonRpcError)
    return isLocalCode(e.code)
      ? new JsonRpcError(ErrorCodes.InternalError, `Upstream: ${preview(e.message, PREVIEW_MAX)}`)
      : new JsonRpcError(e.code, preview(e.message, PREVIEW_MAX * 4), boundedData(e.data));
  return new JsonRpcError(ErrorCodes.InternalError, `Upstream: ${preview(messageOf(e), PREVIEW_MAX)}`);
};

/**
 * The front handler of one forwarded method. Its answer is the upstream's cold Observable: the
 * core unsubscribes it however the front request ends (the front's `notifications/cancelled`, a
 * 2026 stream closed, a 2025 DELETE, the front connection closing, a timeout), and that
 * unsubscribe is the upstream cancel, made by the upstream client the upstream's way, once; a
 * response after it is dropped by the upstream client, and the front gets none. The ids upstream
 * are the upstream client's own: a front id never leaves its hop.
 *
 * Before anything is forwarded: the front session's place in the budget ({@link Admission}).
 * While it runs: the upstream's progress goes to the front's own token, its log messages and
 * questions to this call (see `CallsInFlight`), and a 2026 upstream's input rounds are run with
 * the front client when the front is a 2025 one (a 2026 front gets them as they are, and retries).
 *
 * @example
 * const handlers = { 'tools/call': forwarder(init, 'tools/call') };
 */
export const forwarder = (init: ForwardInit, method: string): Handler => (params, ctx) => {
  const sender = init.senderOf(ctx);
  const refused = init.admission.admit(sender, performance.now());
  if (refused !== undefined) {
    init.emit({ type: 'request-refused', sender, method, refusal: refused });
    throw refusalError(refused);
  }
  const mctx = new McpRequestContext(ctx, params, init.states.get(ctx.connection));
  const call = init.calls.open(mctx);
  let client: McpClient | undefined;
  const forwardTo = (c: McpClient, d: ServerDescription): Observable<unknown> => {
    const options = forwardOptions(init, mctx);
    const answer$ = forwardOne(init, c, d, method, params, mctx, options);
    const shape = (r: unknown): unknown => toFront(mctx.era ?? '2025-11-25', method, frontInfo(init.info, d), r);
    // only tools/call may answer with a task (EXT L85-91)
    return method === 'tools/call'
      ? answer$.pipe(upstreamTask({ client: c, owners: init.owners, owner: init.taskOwnerOf(ctx), frontTakesTasks: mctx.era === '2026-07-28' && declaresTasks(params), options }, shape))
      : answer$.pipe(map(shape));
  };
  // defer + catchError + finalize written out as one layer: it is on every forwarded request's path
  return new Observable<unknown>((subscriber) => {
    const failed = (e: unknown): void => {
      // the close event may come after the requests it failed: the next request must not wait for it
      if (e instanceof ConnectionClosedError && client !== undefined) init.link.closed(client);
      subscriber.error(frontError(e));
    };
    let inner: Subscription | undefined;
    try {
      const c = (client = init.link.client());
      // the handshake ran already (most calls): no subscription to it, no concatMap
      const d = init.link.description(c);
      const answer$ = d !== undefined ? forwardTo(c, d) : c.connect().pipe(concatMap((described) => (init.link.described(c, described), forwardTo(c, described))));
      inner = answer$.subscribe({ next: (v) => subscriber.next(v), error: failed, complete: () => subscriber.complete() });
    } catch (e) {
      failed(e);
    }
    // one end for the call, whatever ended it: its place back, its relays told (run at once
    // when it ended inside subscribe)
    return () => {
      inner?.unsubscribe();
      call.end();
      init.admission.release(sender);
    };
  });
};

// the options of the forwarded request, and of the task the gateway follows for the front
const forwardOptions = (init: ForwardInit, mctx: McpRequestContext): RequestOptions => ({
  // an upstream that reports progress is alive: its long work does not time out at the gateway
  resetTimeoutOnProgress: true,
  reason: 'the request was cancelled at the gateway',
  ...(init.timeoutMs === undefined ? {} : { timeoutMs: init.timeoutMs }),
  // under the front's own token (ctx.progress), and only when the front asked for progress
  ...(mctx.progressToken === undefined ? {} : { onProgress: (x) => mctx.progress(x.progress, x.total, x.message) }),
});

const forwardOne = (init: ForwardInit, client: McpClient, d: ServerDescription, method: string, params: unknown, mctx: McpRequestContext, options: RequestOptions): Observable<unknown> => {
  const p = upstreamParams(params, d.era, mctx);
  // a tool that requires a task serves a front that cannot take one: the gateway follows it (upstreamTask)
  const send = (q: Record<string, unknown>): Observable<unknown> =>
    method === 'tools/call' && d.era === '2026-07-28' && !declaresTasks(q) ? withTasksWhenRequired((r) => client.request(method, r, options), q) : client.request(method, q, options);
  if (d.era === '2026-07-28' && mctx.era !== '2026-07-28' && ROUND_METHODS.has(method))
    // a 2025 front cannot read input_required: the gateway runs the rounds, asking the front client
    return withInputRounds(
      (round) => send(round === undefined ? p : extend(p, round)),
      (requests) => fulfilInputRequests(askTheFront(mctx), requests),
      method,
      init.maxInputRounds,
    );
  return send(p);
};
