import type { IncomingMessage, ServerResponse } from 'node:http';
import * as E from 'fp-ts/lib/Either.js';
import { asyncScheduler, Subject, type Observable } from 'rxjs';
import { classifyMessage } from '../../codec/decode.js';
import { ERA_VERSIONS, eraOfVersion, requestVersion, type ProtocolEra } from '../../codec/era.js';
import { ErrorCodes } from '../../codec/error-codes.js';
import { PREVIEW_MAX, preview } from '../../codec/preview.js';
import { CancellationManager } from '../../manager/cancellation-manager.js';
import { DEFAULT_MAX_BATCH_SIZE } from '../../peer/batch.js';
import { DEFAULT_MAX_IN_FLIGHT, callbackMap, countOption } from '../../peer/options.js';
import type { RequestId } from '../../codec/messages.js';
import type { PeerEvent } from '../../peer/events.js';
import { fits, refuseOverBudget } from './budget.js';
import type { HttpContext } from './context.js';
import type { HttpEvent } from './events.js';
import { DEFAULT_KEEP_ALIVE_MS, DEFAULT_MAX_BUFFERED_BYTES, type HttpExchange, type StreamLimits } from './exchange.js';
import { fetchExchange } from './fetch-exchange.js';
import { nodeExchange } from './node-exchange.js';
import { perRequest } from './per-request.js';
import { DEFAULT_MAX_REPLAY_BYTES, DEFAULT_MAX_REPLAY_EVENTS } from './replay-log.js';
import { DEFAULT_RETRY_MS } from './resumable-stream.js';
import { LiveSession, SESSION_HEADER } from './session.js';
import { DEFAULT_SESSION_CHECK_MS, watchSessions } from './session-check.js';
import { memorySessions } from './sessions.js';
import { answeredIds, headerRefusal, originRefusal, postRefusal, type Refusal } from './validate.js';

import { DEFAULT_MAX_BODY_BYTES, DEFAULT_SESSION_IDLE_MS, type StreamableHttpOptions } from './http-options.js';
import { isUnknownRecord } from '../../codec/unknown-record.js';

/**
 * A Streamable HTTP server transport: a node handler, a fetch handler, its events, and `close()`.
 *
 * @example
 * const mcp: StreamableHttp = streamableHttp(server);
 * http.createServer((req, res) => void mcp.handle(req, res)).listen(3000, '127.0.0.1');
 * mcp.events$.subscribe((e) => {
 *   if (e.type === 'http-rejected') log.warn(e.status, e.why);
 * });
 * process.once('SIGTERM', () => void mcp.close()); // cancels what is in flight; cleanups run
 */
export interface StreamableHttp {
  /** The node face: for `http.createServer`, Express, Fastify's raw mode. Never throws, never rejects. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** The web-standard face (Bun, Deno, Workers, Node's fetch servers). Never rejects. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** Every connection's events and this transport's own. Hot. */
  readonly events$: Observable<PeerEvent | HttpEvent>;
  /** Requests in flight in this transport's registry (its `manager`). */
  inFlight(): number;
  /** Ends every stream and session and cancels everything in flight (`source: 'close'`); later requests get 503. */
  close(): Promise<void>;
  /**
   * Close the connection carrying request `requestId` of 2025-11-25 session `sessionId`, not its
   * stream (SEP-1699 "SSE polling"; the official SDK's `closeSSEStream`): a handler that will be
   * long calls it (with its `ctx.sessionId` and `ctx.requestId`) so no connection is held meanwhile.
   * The client got the stream's priming id and `retry`, and resumes with a GET and
   * `Last-Event-ID`; the request runs on (a closed stream is no cancel in this era), and what it
   * sends, its response too, goes to the resumed stream or waits in the session's replay log.
   * False when there is no such request with an answer to close (unknown, done, a `json` answer).
   *
   * @example
   * tool({ name: 'slow', run: (_, ctx) => {
   *   if (ctx.sessionId !== undefined) mcp.closeStream(ctx.sessionId, ctx.requestId);
   *   return longWork();
   * } });
   */
  closeStream(sessionId: string, requestId: RequestId): boolean;
}

const isInitialize = (body: unknown): boolean =>
  (Array.isArray(body) ? (body as unknown[]) : [body]).some((m) => isUnknownRecord(m) && m['method'] === 'initialize' && m['id'] !== undefined);
const idOf = (body: unknown): string | number | null => {
  const id = isUnknownRecord(body) ? body['id'] : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
};
// session ids are ours (UUIDs); anything much longer names no session, and is never looked up
const MAX_SESSION_ID = 256;

/**
 * Our Streamable HTTP server transport, both eras on one endpoint (docs/protocol.md "Eras"):
 *
 * - **2026-07-28** (a POST whose `MCP-Protocol-Version` is 2026-07-28): one POST is one request
 *   on a connection of its own; its answer is JSON, or SSE once progress flows. Closing the
 *   response stream is the cancel: the request stops with `source: 'close'`, its cleanups run
 *   once, nothing more is written. Headers are checked against the body (-32020).
 * - **2025-11-25** (an `initialize` without a session, or an `Mcp-Session-Id`): sessions, each one
 *   connection; POSTed `notifications/cancelled` cancels; GET opens the session's stream for
 *   messages not tied to a request; DELETE ends the session and cancels what it has in flight.
 *   A POST's stream closing is not a cancel in this era: the request runs on.
 *
 * Hostile input gets an HTTP error with a bounded JSON-RPC error body (413, -32700, 415, 406,
 * 404 for an unknown session, 403 for a foreign Origin), and nothing else changes.
 *
 * @example
 * const mcp = streamableHttp({ handlers });
 * http.createServer((req, res) => void mcp.handle(req, res)).listen(3000, '127.0.0.1');
 * // Bun, Deno, Workers: export default { fetch: mcp.fetch };
 */
export const streamableHttp = (options: StreamableHttpOptions = {}): StreamableHttp => {
  const { eras: erasOption, sessions: sessionsOption, maxBodyBytes: maxBody, maxBufferedBytes: maxBuffered, keepAliveMs: keepAlive, maxInFlightPerSession: perSession, allowedOrigins, response, onSession, sessionIdleMs, maxSessions: maxLive, sessionCheckMs, mirroredHeaders, retryMs, maxReplayBytes, maxReplayEvents, ...peerOptions } = options;
  const manager = peerOptions.manager ?? new CancellationManager();
  const scheduler = peerOptions.scheduler ?? asyncScheduler;
  const maxInFlight = countOption('maxInFlight', peerOptions.maxInFlight, DEFAULT_MAX_IN_FLIGHT);
  // here, where they are given: each session or 2026 POST checks them again, too late to say so to the caller
  callbackMap('handlers', peerOptions.handlers);
  callbackMap('notifications', peerOptions.notifications);
  const events$ = new Subject<PeerEvent | HttpEvent>();
  const ctx: HttpContext = {
    peer: { ...peerOptions, manager, maxInFlight: countOption('maxInFlightPerSession', perSession, maxInFlight) },
    mode: response ?? 'auto',
    // built only while someone listens, as a connection's own events are (serve's `events`)
    emit: (e) => {
      if (events$.observed) events$.next({ ...e, at: scheduler.now() } as HttpEvent);
    },
    peerEvent: (e) => events$.next(e),
    peerEvents: events$,
    budget: { count: 0, max: maxInFlight },
    replay: {
      retryMs: countOption('retryMs', retryMs, DEFAULT_RETRY_MS),
      maxBytes: countOption('maxReplayBytes', maxReplayBytes, DEFAULT_MAX_REPLAY_BYTES),
      maxEvents: countOption('maxReplayEvents', maxReplayEvents, DEFAULT_MAX_REPLAY_EVENTS),
    },
    live: new Set(),
  };
  const serveOne = perRequest(ctx);
  const eras: ReadonlySet<ProtocolEra> = new Set(erasOption ?? ['2025-11-25', '2026-07-28']);
  // the versions a request may name in `_meta` (as server/discover lists them); a 2025 client
  // negotiates with initialize instead, so 2025's are listed only when 2026 is not served
  const supported = [...ERA_VERSIONS[eras.has('2026-07-28') ? '2026-07-28' : '2025-11-25']];
  const store = sessionsOption ?? memorySessions();
  const maxBodyBytes = maxBody ?? DEFAULT_MAX_BODY_BYTES;
  const limits: StreamLimits = {
    maxBufferedBytes: countOption('maxBufferedBytes', maxBuffered, DEFAULT_MAX_BUFFERED_BYTES),
    keepAliveMs: countOption('keepAliveMs', keepAlive, DEFAULT_KEEP_ALIVE_MS),
  };
  const maxBatch = peerOptions.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  const live = new Map<string, LiveSession>();
  let closed = false;
  // a shared store may lose a session this instance holds (ended elsewhere): end it here too
  const unwatch = sessionsOption === undefined
    ? () => undefined
    : watchSessions(
        store,
        countOption('sessionCheckMs', sessionCheckMs, DEFAULT_SESSION_CHECK_MS),
        () => [...live.keys()],
        (id) => live.get(id)?.end('record-gone'),
        (e) => ctx.emit({ type: 'http-failed', what: 'session-check', why: preview(e instanceof Error ? e.message : String(e), PREVIEW_MAX) }),
      );

  const refuse = (ex: HttpExchange, r: Refusal): void => {
    ctx.emit(r.code === undefined ? { type: 'http-rejected', status: r.status, why: r.message } : { type: 'http-rejected', status: r.status, code: r.code, why: r.message });
    const error = { code: r.code ?? ErrorCodes.InvalidRequest, message: r.message, ...(r.data === undefined ? {} : { data: r.data }) };
    ex.reply(r.status, r.headers ?? {}, JSON.stringify({ jsonrpc: '2.0', id: r.id ?? null, error }));
  };
  const unsupported = (requested: string, id: string | number | null): Refusal => {
    const shown = preview(requested, PREVIEW_MAX);
    return { status: 400, code: ErrorCodes.UnsupportedProtocolVersion, message: `Unsupported protocol version: ${shown}`, id, data: { supported, requested: shown } };
  };

  const open = (id: string): LiveSession => {
    const session = new LiveSession(id, ctx, sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS, (why) => {
      live.delete(id);
      ctx.live.delete(closeIt);
      ctx.emit({ type: 'session-closed', sessionId: id, why });
      // only the client's DELETE ends the session everywhere: one this process lets go (idle,
      // close) stays in a shared store for the instances still serving it, until its TTL
      if (why === 'delete') void Promise.resolve(store.delete(id)).catch(() => undefined);
    });
    const closeIt = (): void => session.end('close');
    live.set(id, session);
    ctx.live.add(closeIt);
    ctx.emit({ type: 'session-opened', sessionId: id });
    try {
      onSession?.(session.peer, id);
    } catch (e) {
      // the user's callback failing is theirs to hear about, not the client's request to lose
      ctx.emit({ type: 'http-failed', what: 'on-session', why: preview(e instanceof Error ? e.message : String(e), PREVIEW_MAX) });
    }
    return session;
  };
  const find = async (id: string): Promise<LiveSession | undefined> => {
    if (id.length > MAX_SESSION_ID) return undefined;
    const here = live.get(id);
    if (here !== undefined) return here;
    // opened by another instance sharing the store: this one takes it over
    const record = await store.get(id);
    return record === undefined || closed ? undefined : (live.get(id) ?? open(id));
  };
  const noSession: Refusal = { status: 404, message: 'Not Found: no such session (open a new one with initialize)' };
  // close() may run while a request is read or a store is asked: every path checks again after
  // each await, before it admits anything (a request admitted after close would run on, uncancelled)
  const closing: Refusal = { status: 503, message: 'Service Unavailable: closing' };

  const post = async (ex: HttpExchange, sessionId: string | undefined): Promise<void> => {
    const bad = postRefusal(ex);
    if (bad !== undefined) return refuse(ex, bad);
    const text = await ex.body(maxBodyBytes);
    if (text === undefined) return refuse(ex, { status: 413, message: `Payload Too Large: the body is over ${maxBodyBytes} bytes` });
    if (ex.gone.aborted) return;
    if (closed) return refuse(ex, closing);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      return refuse(ex, { status: 400, code: ErrorCodes.ParseError, message: `Parse error: ${preview(e instanceof Error ? e.message : String(e), PREVIEW_MAX)}` });
    }
    const version = ex.header('mcp-protocol-version');
    const versionEra = version === undefined ? undefined : eraOfVersion(version);
    const named = isUnknownRecord(body) ? requestVersion(body['params']) : undefined;
    // a header and a body that disagree are -32020 (below); a version both name that we do not speak is -32022
    if (version !== undefined && versionEra === undefined && (named === undefined || named === version)) return refuse(ex, unsupported(version, idOf(body)));
    // a body naming its version is a 2026 request whatever the header says
    const modern = versionEra === '2026-07-28' || (sessionId === undefined && named !== undefined && (eraOfVersion(named) === '2026-07-28' || named !== version));
    if (modern) {
      if (!eras.has('2026-07-28')) return refuse(ex, unsupported(version ?? named ?? '2026-07-28', idOf(body)));
      const d = classifyMessage(body);
      if (E.isLeft(d)) return refuse(ex, { status: 400, code: ErrorCodes.InvalidRequest, message: `Invalid request: ${d.left.errors.join('; ')}`, id: d.left.id });
      if (d.right.kind === 'response' || d.right.kind === 'error-response')
        return refuse(ex, { status: 400, code: ErrorCodes.InvalidRequest, message: 'Invalid request: a 2026-07-28 client sends no responses over HTTP', id: null });
      const h = headerRefusal(ex, d.right.message, mirroredHeaders);
      if (h !== undefined) return refuse(ex, h);
      return serveOne(ex, d.right.message);
    }
    if (!eras.has('2025-11-25')) return refuse(ex, unsupported(version ?? 'none (an initialize handshake)', idOf(body)));
    const ids = answeredIds(body, maxBatch);
    if (!Array.isArray(ids)) return refuse(ex, ids);
    if (sessionId === undefined) {
      if (!isInitialize(body)) return refuse(ex, { status: 400, message: 'Bad Request: the Mcp-Session-Id header is required (or start with initialize)' });
      if (live.size >= (maxLive ?? 10_000)) return refuse(ex, { status: 503, message: 'Service Unavailable: too many sessions' });
      // an initialize the budget has no room for opens no session (and writes no record)
      if (!fits(ctx.budget, ids.length)) return refuseOverBudget(ex, ctx.budget, ctx.emit, idOf(body));
      const id = globalThis.crypto.randomUUID();
      await store.create({ id, createdAt: Date.now() });
      if (closed) {
        void Promise.resolve(store.delete(id)).catch(() => undefined);
        return refuse(ex, closing);
      }
      // other POSTs ran while the store wrote: asked again, and from here to post() nothing else runs
      if (!fits(ctx.budget, ids.length)) {
        void Promise.resolve(store.delete(id)).catch(() => undefined);
        return refuseOverBudget(ex, ctx.budget, ctx.emit, idOf(body));
      }
      return open(id).post(ex, body, ids, { [SESSION_HEADER]: id });
    }
    const session = await find(sessionId);
    if (closed) return refuse(ex, closing);
    if (session === undefined) return refuse(ex, noSession);
    if (isInitialize(body)) return refuse(ex, { status: 400, code: ErrorCodes.InvalidRequest, message: 'Invalid request: this session is initialized already', id: idOf(body) });
    session.post(ex, body, ids, {});
  };

  const exchange = async (ex: HttpExchange): Promise<void> => {
    if (closed) return refuse(ex, closing);
    const origin = originRefusal(ex, allowedOrigins);
    if (origin !== undefined) return refuse(ex, origin);
    const sessionId = ex.header(SESSION_HEADER);
    if (ex.method === 'POST') return post(ex, sessionId);
    if ((ex.method !== 'GET' && ex.method !== 'DELETE') || sessionId === undefined)
      // no session: a 2026 endpoint has only POST (MCP 2026-07-28, "Backward Compatibility")
      return refuse(ex, { status: 405, message: `Method Not Allowed: ${preview(ex.method, 16)}`, headers: { allow: eras.has('2025-11-25') ? 'GET, POST, DELETE' : 'POST' } });
    const session = await find(sessionId);
    if (closed) return refuse(ex, closing);
    if (session === undefined) return refuse(ex, noSession);
    if (ex.method === 'DELETE') {
      session.end('delete');
      return ex.reply(200, {});
    }
    if (!(ex.header('accept') ?? '').includes('text/event-stream')) return refuse(ex, { status: 406, message: 'Not Acceptable: a GET stream is text/event-stream' });
    if (!session.openListen(ex, {}, ex.header('last-event-id'))) return refuse(ex, { status: 409, message: 'Conflict: this session has a GET stream open already (or the stream Last-Event-ID names is connected)' });
  };

  const guarded = async (ex: HttpExchange): Promise<void> => {
    try {
      await exchange(ex);
    } catch (e) {
      // a bug or a failing store: one 500, never a crash of the server
      ctx.emit({ type: 'http-failed', what: 'internal', why: preview(e instanceof Error ? e.message : String(e), PREVIEW_MAX) });
      refuse(ex, { status: 500, code: ErrorCodes.InternalError, message: `Internal error: ${preview(e instanceof Error ? e.message : String(e), PREVIEW_MAX)}` });
    }
  };

  return {
    handle: (req, res) => guarded(nodeExchange(req, res, limits)),
    fetch: (request) => {
      const { exchange: ex, response: answer } = fetchExchange(request, limits);
      void guarded(ex);
      return answer;
    },
    events$: events$.asObservable(),
    inFlight: () => manager.size,
    closeStream: (sessionId, requestId) => live.get(sessionId)?.closeStream(requestId) ?? false,
    close: () => {
      closed = true;
      unwatch();
      for (const end of [...ctx.live]) end();
      return Promise.resolve();
    },
  };
};
