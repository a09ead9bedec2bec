import * as t from 'io-ts';
import type { Observable } from 'rxjs';
import { META_CLIENT_CAPABILITIES } from '../codec/era.js';
import type { ProtocolEra } from '../codec/era.js';
import type { RequestId } from '../codec/messages.js';
import { RequestMeta, type ProgressToken } from '../codec/progress.js';
import type { ConnectionRef } from '../handler/connection-ref.js';
import type { RequestContext } from '../handler/context.js';
import type { CancelReason } from '../manager/request-key.js';
import type { RequestOptions } from '../peer/request-options.js';
import { LOG_LEVELS, LoggingLevel } from './wire.js';
import { inputResponsesOf, type InputResponses } from './input-responses.js';
import type { RequestState } from './request-state.js';

/**
 * The `_meta` key of a 2026-07-28 request that asks for log messages, and from which level.
 *
 * @example
 * META_LOG_LEVEL; // 'io.modelcontextprotocol/logLevel'
 * // a 2026-07-28 request that wants the tool's log messages from `warning` up
 * peer.request('tools/call', { name: 'deploy', arguments: {}, _meta: { [META_LOG_LEVEL]: 'warning' } });
 */
export const META_LOG_LEVEL = 'io.modelcontextprotocol/logLevel';

const RequestLogLevel = t.type({ _meta: t.type({ [META_LOG_LEVEL]: LoggingLevel }) });
const RequestCapabilities = t.type({ _meta: t.type({ [META_CLIENT_CAPABILITIES]: t.UnknownRecord }) });

/**
 * What a tool, prompt or resource handler gets: the request's context (its signal, `cancelled$`,
 * `onCleanup`, `progress`, `notify`: cancelling is unsubscribing, as everywhere in this library),
 * plus the MCP it needs: log messages the client asked for, and what the client can do.
 *
 * @example
 * const read = ({ path }: { path: string }, ctx: McpContext): Promise<string> => {
 *   ctx.log('info', { reading: path }); // sent only if the client wants this level
 *   return readFile(path, { encoding: 'utf8', signal: ctx.signal });
 * };
 * tool({ name: 'read', args: t.type({ path: t.string }), run: read });
 */
export interface McpContext extends RequestContext {
  /**
   * Send a log message (`notifications/message`) tied to this request, if the client asked for
   * this level: in 2025-11-25 the level its `logging/setLevel` set on this connection (all levels
   * until it sets one), in 2026-07-28 the level this request names in `_meta` (none when it names
   * none, as the spec requires). Nothing after the request ended.
   */
  log(level: LoggingLevel, data: unknown, logger?: string): void;
  /** What the client declared it can do: its `initialize` (2025-11-25), this request's `_meta` (2026-07-28). */
  readonly clientCapabilities: Readonly<Record<string, unknown>>;
  /** The token the request asked progress under (`_meta.progressToken`), if it did: `ctx.progress` sends nothing without one. */
  readonly progressToken: ProgressToken | undefined;
  /**
   * The client's answers to what an earlier round asked for with `inputRequired` (2026-07-28,
   * `params.inputResponses`), read by key; empty on a first call and in 2025-11-25.
   */
  readonly inputResponses: InputResponses;
  /**
   * The state an earlier round returned with `inputRequired`, once the server verified it was
   * sealed by this server, for this request (method and name), and has not expired; `undefined`
   * on a first call. A state that fails the check never reaches the handler (-32602).
   */
  readonly requestState: RequestState | undefined;
}

/**
 * What a retried 2026-07-28 request brought: the client's answers, and the verified state (also
 * the round a task starts with, when input was asked on its call before it existed).
 *
 * @example
 * const first: Round = { inputResponses: { user_name: { action: 'accept', content: { name: 'Alice' } } } };
 */
export interface Round {
  readonly inputResponses?: Readonly<Record<string, unknown>>;
  readonly requestState?: RequestState;
}

const NO_RESPONSES = inputResponsesOf(undefined);

/** A round that brings nothing, shared: nothing writes to a Round. */
export const NO_ROUND: Round = Object.freeze({});

/** What the server keeps per connection (2025-11-25: set by `initialize` and `logging/setLevel`). */
export interface ConnectionState {
  level?: LoggingLevel;
  capabilities?: Readonly<Record<string, unknown>>;
}

const rank = (l: LoggingLevel): number => LOG_LEVELS.indexOf(l);

/**
 * The {@link McpContext} of one request: the core's context, each member passed through, and the
 * MCP members read from the request (2026-07-28) or its connection's state (2025-11-25).
 */
export class McpRequestContext implements McpContext {
  constructor(
    private readonly ctx: RequestContext,
    private readonly params: unknown,
    private readonly state: ConnectionState | undefined,
    /** The round this context answers: what the request brought (empty on a first call). */
    readonly round: Round = NO_ROUND,
  ) {}

  /** The context of the same request for another round (the 2025-11-25 rounds played here). */
  withRound(round: Round): McpRequestContext {
    return new McpRequestContext(this.ctx, this.params, this.state, round);
  }

  // decoded per key when read: most handlers read none
  private responses: InputResponses | undefined = undefined;
  get inputResponses(): InputResponses {
    if (this.round.inputResponses === undefined) return NO_RESPONSES;
    return (this.responses ??= inputResponsesOf(this.round.inputResponses));
  }
  get requestState(): RequestState | undefined {
    return this.round.requestState;
  }

  get requestId(): RequestId {
    return this.ctx.requestId;
  }
  get method(): string {
    return this.ctx.method;
  }
  get sessionId(): string | undefined {
    return this.ctx.sessionId;
  }
  get era(): ProtocolEra | undefined {
    return this.ctx.era;
  }
  get connection(): ConnectionRef {
    return this.ctx.connection;
  }
  get signal(): AbortSignal {
    return this.ctx.signal;
  }
  get cancelled$(): Observable<CancelReason> {
    return this.ctx.cancelled$;
  }
  onCleanup(fn: () => void | PromiseLike<void>): void {
    this.ctx.onCleanup(fn);
  }
  progress(progress: number, total?: number, message?: string): void {
    this.ctx.progress(progress, total, message);
  }
  notify(method: string, params?: object): void {
    this.ctx.notify(method, params);
  }
  request<R = unknown>(method: string, params?: object, options?: RequestOptions): Observable<R> {
    return this.ctx.request<R>(method, params, options);
  }

  get clientCapabilities(): Readonly<Record<string, unknown>> {
    if (this.ctx.era === '2026-07-28') return RequestCapabilities.is(this.params) ? this.params._meta[META_CLIENT_CAPABILITIES] : {};
    return this.state?.capabilities ?? {};
  }

  get progressToken(): ProgressToken | undefined {
    return RequestMeta.is(this.params) ? this.params._meta?.progressToken : undefined;
  }

  /** The least severe level the client wants, or `undefined` for none at all. */
  get logLevel(): LoggingLevel | undefined {
    if (this.ctx.era === '2026-07-28') return RequestLogLevel.is(this.params) ? this.params._meta[META_LOG_LEVEL] : undefined;
    return this.state?.level ?? 'debug';
  }

  log(level: LoggingLevel, data: unknown, logger?: string): void {
    const wanted = this.logLevel;
    if (wanted === undefined || rank(level) < rank(wanted)) return;
    this.ctx.notify('notifications/message', logger === undefined ? { level, data } : { level, logger, data });
  }
}
