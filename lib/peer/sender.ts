import * as E from 'fp-ts/lib/Either.js';
import { Observable, type SchedulerLike, type Subscriber } from 'rxjs';
import { CANCELLED } from '../codec/cancelled.js';
import { ErrorCodes } from '../codec/error-codes.js';
import type { JsonRpcErrorResponse, JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, RequestId } from '../codec/messages.js';
import { ProgressParams } from '../codec/progress.js';
import type { WireFault } from '../codec/wire-fault.js';
import {
  CancellationError,
  CancellationErrorResult,
  ConnectionClosedError,
  InvalidResponseError,
  JsonRpcError,
  RequestCancelledError,
  RequestSendError,
  RequestTimeoutError,
  messageOf,
} from '../errors.js';
import { RequestKey, type CancelReason } from '../manager/request-key.js';
import { Deadlines } from './deadlines.js';
import type { EventSink } from './events.js';

/** Options of one `request()`. */
export interface RequestOptions {
  /**
   * Idle timeout: then the request is cancelled on the wire and errors with RequestTimeoutError.
   * Default: the peer's `timeoutMs` (60,000). A positive number of ms, or `Infinity` to disable
   * it; anything else (NaN, 0, a negative) makes `request()` error at once with a TypeError.
   */
  readonly timeoutMs?: number;
  /**
   * Progress from the peer restarts the idle timeout (a progress token is sent for it, `onProgress`
   * or not). A hard deadline then applies too: `maxTotalTimeoutMs`, by default
   * {@link DEFAULT_MAX_TOTAL_TIMEOUT_MS}.
   */
  readonly resetTimeoutOnProgress?: boolean;
  /**
   * A hard deadline from the send, whatever progress comes: a real timer, with a cancel on the
   * wire. A positive number of ms, or `Infinity` for none. Default: none, except with
   * `resetTimeoutOnProgress`, where it is {@link DEFAULT_MAX_TOTAL_TIMEOUT_MS} (or the idle
   * timeout, when that is longer); `Infinity` opts out.
   */
  readonly maxTotalTimeoutMs?: number;
  /** Aborting it sends the cancel, then errors with RequestCancelledError. Its listener is removed when the request ends. */
  readonly signal?: AbortSignal;
  /**
   * Receives `notifications/progress` for this request (a `progressToken` is added to the
   * request). The token is always the library's own, the request id, so progress for one request
   * can never reach another's: a `_meta.progressToken` given in `params` is replaced by it (the
   * other `_meta` members are kept), with `onProgress` or without.
   */
  readonly onProgress?: (p: { progress: number; total?: number; message?: string }) => void;
  /** The reason sent when the subscriber unsubscribes. */
  readonly reason?: string;
}

/** The default request timeout, as the official SDK's (docs/protocol.md P4). */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** The default cap on requests sent and not yet answered. */
export const DEFAULT_MAX_PENDING = 10_000;
/**
 * The default `maxTotalTimeoutMs` of a request with `resetTimeoutOnProgress`: 10 minutes (ten
 * times the default idle timeout), or its idle timeout when that is longer. MCP (lifecycle,
 * Timeouts): implementations "SHOULD always enforce a maximum timeout, regardless of progress
 * notifications"; without one, a peer that keeps sending progress keeps a request alive for
 * ever. Set `maxTotalTimeoutMs: Infinity` to opt out.
 *
 * @example
 * peer.request('tools/call', p, { resetTimeoutOnProgress: true }); // ends by DEFAULT_MAX_TOTAL_TIMEOUT_MS
 * peer.request('tools/call', p, { resetTimeoutOnProgress: true, maxTotalTimeoutMs: Infinity }); // no cap
 */
export const DEFAULT_MAX_TOTAL_TIMEOUT_MS = 600_000;

// a positive number of ms, or Infinity: NaN would disable a timeout silently, 0 or less fire at once
const isTimeout = (v: unknown): v is number => typeof v === 'number' && v > 0;
const badTimeout = (name: string, v: unknown): string =>
  `${name} must be a positive number of milliseconds or Infinity, got ${typeof v === 'number' ? String(v) : typeof v}`;

/** What is wrong with a request's options, if anything (before anything is sent). */
const invalidOptions = (o: RequestOptions): string | undefined => {
  if (o.timeoutMs !== undefined && !isTimeout(o.timeoutMs)) return badTimeout('timeoutMs', o.timeoutMs);
  if (o.maxTotalTimeoutMs !== undefined && !isTimeout(o.maxTotalTimeoutMs)) return badTimeout('maxTotalTimeoutMs', o.maxTotalTimeoutMs);
  return undefined;
};

const NOT_CANCELLABLE = 'initialize';

type LateWhy = 'cancelled' | 'timeout';

export interface SenderInit {
  readonly sessionId: string | undefined;
  readonly scheduler: SchedulerLike;
  readonly timeoutMs: number;
  readonly maxPending: number;
  readonly events: EventSink;
  /** How many ended ids to remember, to tell a late response from an unknown one. */
  readonly rememberEnded?: number;
}

// Pending.flags: a bit set rather than one field each, so a request in flight costs no more
/** Handed to the transport: it left the backlog, so ending it early needs a cancel on the wire. */
const SENT = 1;
/** Its abort listener is on the caller's signal. */
const LISTENING = 2;

// one object for every addEventListener: no options object per request
const ONCE: AddEventListenerOptions = { once: true };

const isRequest = (m: JsonRpcMessage): m is JsonRpcRequest => 'method' in m && 'id' in m;

const FAILED_SEND: unique symbol = Symbol.for('mcp-rx-cancel/failed-send');

/**
 * Tags a `transport-error` {@link WireFault} with the id of the request whose write failed, so
 * that the peer errors that request at once (RequestSendError) instead of leaving it to its
 * timeout. The tag is a symbol key, like the fault's own brand: no JSON value carries one, so
 * the remote peer cannot forge it. `connect` tags the faults of a failed `send`.
 *
 * @example
 * const fault = WireFault.of('transport-error', `send failed: ${messageOf(e)}`, e);
 * report(isRequest(m) ? FailedSend.tag(fault, m.id) : fault);
 * // in the peer
 * const id = FailedSend.requestId(fault); // the request to fail, or undefined
 */
export const FailedSend = {
  tag: (fault: WireFault, requestId: RequestId): WireFault => {
    const tagged: Tagged = { ...fault, [FAILED_SEND]: requestId };
    return tagged;
  },
  requestId: (fault: WireFault): RequestId | undefined => (fault as Tagged)[FAILED_SEND],
} as const;
type Tagged = WireFault & { readonly [FAILED_SEND]?: RequestId };

/**
 * One request sent and not yet answered. It is also the teardown of its `request()`
 * subscription and the abort listener of its signal (an object, not a closure per request).
 * Everything it holds is released by `release()`.
 */
class Pending {
  flags = 0;
  constructor(
    readonly id: RequestId,
    readonly method: string,
    readonly subscriber: Subscriber<unknown>,
    readonly options: RequestOptions,
    private readonly owner: Sender,
    /** The idle timeout in force, if any. */
    readonly idleMs: number | undefined,
  ) {}

  /** The subscriber unsubscribed: if still in flight, this is the caller's cancel. */
  unsubscribe(): void {
    this.owner.abandon(this);
  }

  /** The caller's signal aborted (EventListenerObject: the listener is this object). */
  handleEvent(): void {
    this.owner.aborted(this);
  }
}

/**
 * The sending half of a peer: pending requests by id, their timers, their cancellation.
 * Ids count up from 0 (so id 0, which the official SDK's D1 cannot cancel, is exercised by
 * every first request).
 */
export class Sender {
  private readonly pending = new Map<RequestId, Pending>();
  private readonly ended = new Map<RequestId, LateWhy>();
  private readonly rememberEnded: number;
  private nextId = 0;
  private out: ((m: JsonRpcMessage) => void) | undefined = undefined;
  private backlog: JsonRpcMessage[] = [];
  /** Requests in `backlog` that ended before they could be sent: skipped at the flush. */
  private deadInBacklog = 0;
  private state: 'idle' | 'open' | 'closed' = 'idle';
  private readonly idle: Deadlines<Pending>;
  private readonly total: Deadlines<Pending>;

  constructor(private readonly init: SenderInit) {
    // configuration, not input: a bad default would silently disable (NaN) or zero every timeout
    if (!isTimeout(init.timeoutMs)) throw new TypeError(`createPeer: ${badTimeout('timeoutMs', init.timeoutMs)}`);
    this.rememberEnded = init.rememberEnded ?? 1000;
    this.idle = new Deadlines(init.scheduler, (p, ms) => this.timeout(p, ms, 'idle'));
    this.total = new Deadlines(init.scheduler, (p, ms) => this.timeout(p, ms, 'total'));
  }

  get size(): number {
    return this.pending.size;
  }

  /** The connection is up: flush what was sent before it. */
  attach(out: (m: JsonRpcMessage) => void): void {
    this.out = out;
    this.state = 'open';
    const backlog = this.backlog;
    this.backlog = [];
    this.deadInBacklog = 0;
    for (const m of backlog) {
      if (isRequest(m)) {
        // ended while queued (unsubscribed, timed out, aborted): it never reaches the wire, nor
        // does a cancel for it; ids are never reused, so the id alone says which request it was
        const p = this.pending.get(m.id);
        if (p === undefined) continue;
        p.flags |= SENT;
      }
      out(m);
    }
  }

  /** The connection is gone: every pending request errors with ConnectionClosedError. */
  close(): void {
    this.out = undefined;
    this.state = 'closed';
    this.backlog = [];
    this.deadInBacklog = 0;
    for (const p of [...this.pending.values()]) {
      this.pending.delete(p.id);
      this.release(p);
      p.subscriber.error(new ConnectionClosedError(`Connection closed before the response to ${JSON.stringify(p.id)} (${p.method})`));
    }
  }

  notify(method: string, params?: object): void {
    this.write(
      params === undefined
        ? { jsonrpc: '2.0', method }
        : { jsonrpc: '2.0', method, params: params as Record<string, unknown> },
    );
  }

  request<R>(method: string, params: object | undefined, options: RequestOptions = {}): Observable<R> {
    return new Observable<R>((subscriber) => {
      const invalid = invalidOptions(options);
      if (invalid !== undefined) {
        // the caller's mistake, down the stream like every other error; nothing was sent
        subscriber.error(new TypeError(`request(${JSON.stringify(method)}): ${invalid}`));
        return undefined;
      }
      if (this.state === 'closed') {
        subscriber.error(new ConnectionClosedError());
        return undefined;
      }
      const { signal } = options;
      if (signal?.aborted === true) {
        // nothing was sent, so nothing to cancel
        subscriber.error(new RequestCancelledError(undefined, signal.reason));
        return undefined;
      }
      if (this.pending.size >= this.init.maxPending) {
        subscriber.error(
          new JsonRpcError(ErrorCodes.InternalError, `Too many pending requests (maxPendingRequests ${this.init.maxPending})`, {
            error: CancellationError.STATE_ERROR,
          }),
        );
        return undefined;
      }
      const id = this.nextId++;
      const idleMs = options.timeoutMs ?? this.init.timeoutMs;
      const p = new Pending(id, method, subscriber as Subscriber<unknown>, options, this, idleMs === Infinity ? undefined : idleMs);
      // docs/protocol.md D6: resetTimeoutOnProgress needs a token even without onProgress. The token on
      // the wire is always ours, the request id: unique among the requests in flight (as MCP
      // requires), so progress routes by one lookup and never reaches another request. A token
      // the caller put in params could equal another request's id: it is replaced.
      const token = options.onProgress !== undefined || options.resetTimeoutOnProgress === true || hasToken(params);
      const message: JsonRpcRequest =
        params === undefined && !token
          ? { jsonrpc: '2.0', id, method }
          : { jsonrpc: '2.0', id, method, params: token ? withToken(params, id) : (params as Record<string, unknown>) };
      // pending before the send: an in-memory peer may answer inside write()
      this.pending.set(id, p);
      if (signal !== undefined) {
        // before the event and the write: a request-sent listener, or an in-memory peer inside
        // write(), may abort, and that abort must be seen
        signal.addEventListener('abort', p, ONCE);
        p.flags |= LISTENING;
      }
      const { events } = this.init;
      if (events.enabled()) events.emit({ type: 'request-sent', key: this.key(id), method });
      // a request-sent listener may have ended it already: then it never goes out
      if (this.pending.get(id) === p) this.send(p, message);
      if (this.pending.get(id) === p) this.arm(p);
      return p;
    });
  }

  /** A response or error response with an id. */
  response(m: JsonRpcResponse | JsonRpcErrorResponse): void {
    const id = m.id;
    const { events } = this.init;
    if (id === undefined || id === null) {
      // the peer could not read something we sent (J5): nothing to match it to
      if ('error' in m && events.enabled()) events.emit({ type: 'peer-error', error: m.error });
      return;
    }
    const p = this.pending.get(id);
    if (p === undefined) {
      // docs/protocol.md C7: a response after we cancelled is dropped silently (D7: the SDK calls onerror)
      if (events.enabled()) events.emit({ type: 'late-response-dropped', key: this.key(id), why: this.ended.get(id) ?? 'unknown' });
      return;
    }
    this.pending.delete(id);
    this.release(p);
    if (events.enabled()) events.emit({ type: 'response-received', key: this.key(id), method: p.method, ok: 'result' in m });
    if ('result' in m) {
      p.subscriber.next(m.result);
      p.subscriber.complete();
    } else {
      p.subscriber.error(new JsonRpcError(m.error.code, m.error.message, m.error.data));
    }
  }

  /**
   * A response-shaped message naming `id` that did not decode (both `result` and `error`, a
   * `result` that is not an object, a malformed `error`). When `id` is a pending request, it
   * errors now with InvalidResponseError, and no cancel is sent: the peer did answer, and
   * waiting would only end in a timeout and a cancel for a request it no longer runs.
   * Returns whether it was one of ours: if not, the caller reports the message as before.
   */
  invalidResponse(id: RequestId, errors: ReadonlyArray<string>): boolean {
    const p = this.pending.get(id);
    if (p === undefined) return false;
    this.pending.delete(id);
    this.release(p);
    const { events } = this.init;
    if (events.enabled())
      events.emit({ type: 'response-rejected', key: this.key(id), method: p.method, error: CancellationErrorResult.of(CancellationError.INVALID_REQUEST, errors.join('; ')) });
    p.subscriber.error(new InvalidResponseError(id, errors));
    return true;
  }

  /**
   * The transport failed to write request `id` (its `send` threw or rejected). When it is
   * pending, it errors now with RequestSendError and no cancel is sent: it never went out, and
   * no response can come. Returns whether it was pending.
   */
  writeFailed(id: RequestId, cause: unknown): boolean {
    const p = this.pending.get(id);
    if (p === undefined) return false;
    this.pending.delete(id);
    this.release(p);
    const { events } = this.init;
    if (events.enabled())
      events.emit({ type: 'request-send-failed', key: this.key(id), method: p.method, error: CancellationErrorResult.fromThrown(CancellationError.TRANSPORT_ERROR, cause) });
    p.subscriber.error(new RequestSendError(id, cause));
    return true;
  }

  /** `notifications/progress`: to its request's `onProgress`, and a fresh idle timeout if asked. */
  progress(m: JsonRpcNotification): boolean {
    const decoded = ProgressParams.decode(m.params);
    if (E.isLeft(decoded)) return false;
    const { progressToken, progress, total, message } = decoded.right;
    const p = this.pending.get(progressToken);
    const { events } = this.init;
    if (p === undefined || (p.options.onProgress === undefined && p.options.resetTimeoutOnProgress !== true)) {
      if (events.enabled()) events.emit({ type: 'progress-dropped', progressToken });
      return true;
    }
    if (p.options.resetTimeoutOnProgress === true && p.idleMs !== undefined) this.idle.arm(p, p.idleMs);
    const onProgress = p.options.onProgress;
    if (onProgress !== undefined) {
      try {
        onProgress(total === undefined ? (message === undefined ? { progress } : { progress, message }) : message === undefined ? { progress, total } : { progress, total, message });
      } catch (e) {
        if (events.enabled()) events.emit({ type: 'callback-failed', key: this.key(p.id), error: CancellationErrorResult.fromThrown(CancellationError.HANDLER_FAILED, e) });
      }
    }
    return true;
  }

  private key(id: RequestId): RequestKey {
    return RequestKey.of(id, this.init.sessionId);
  }

  private write(m: JsonRpcMessage): void {
    if (this.out !== undefined) this.out(m);
    else if (this.state === 'idle') this.backlog.push(m);
  }

  /** Write a request: SENT before the write, as an abort inside write() must send the cancel. */
  private send(p: Pending, m: JsonRpcRequest): void {
    if (this.out !== undefined) {
      p.flags |= SENT;
      this.out(m);
    } else if (this.state === 'idle') this.backlog.push(m);
  }

  /** A request ended in the backlog: drop the dead once they are most of it (amortised O(1)). */
  private unsent(): void {
    if (++this.deadInBacklog < 64 || this.deadInBacklog * 2 < this.backlog.length) return;
    this.backlog = this.backlog.filter((m) => !isRequest(m) || this.pending.has(m.id));
    this.deadInBacklog = 0;
  }

  private arm(p: Pending): void {
    if (p.idleMs !== undefined) this.idle.arm(p, p.idleMs);
    const total = totalOf(p);
    // docs/protocol.md D5: a real timer, not a check on progress; no reset moves it
    if (total !== undefined) this.total.arm(p, total);
  }

  /** Disarm the timers and remove the abort listener of a request that ended. */
  private release(p: Pending): void {
    if (p.idleMs !== undefined) this.idle.disarm(p, p.idleMs);
    const total = totalOf(p);
    if (total !== undefined) this.total.disarm(p, total);
    if ((p.flags & LISTENING) !== 0) {
      // docs/protocol.md D2: the official SDK never removes it; a later abort must send nothing
      p.options.signal?.removeEventListener('abort', p);
      p.flags &= ~LISTENING;
    }
  }

  private timeout(p: Pending, ms: number, kind: 'idle' | 'total'): void {
    if (this.pending.get(p.id) !== p) return;
    const { events } = this.init;
    if (events.enabled()) events.emit({ type: 'request-timeout', key: this.key(p.id), method: p.method, timeoutMs: ms, kind });
    // a request-timeout listener may have ended it (aborted its signal): nothing more for it
    if (this.pending.get(p.id) !== p) return;
    // P4: on expiry, cancel on the wire, then stop waiting (never for initialize: C4)
    this.end(p, 'timeout', `Request timed out after ${ms} ms${kind === 'total' ? ' (maxTotalTimeoutMs)' : ''}`);
    p.subscriber.error(new RequestTimeoutError(p.id, ms));
  }

  /** The signal of `p` aborted (its listener is `p` itself). */
  aborted(p: Pending): void {
    if (this.pending.get(p.id) !== p) return;
    const reason: unknown = p.options.signal?.reason;
    this.end(p, 'caller', p.options.reason ?? (reason === undefined ? undefined : messageOf(reason)));
    // docs/protocol.md D3: a distinct error, never a timeout
    p.subscriber.error(new RequestCancelledError(p.id, reason));
  }

  /** The subscriber of `p` unsubscribed: while in flight, the one place a caller's cancel is sent. */
  abandon(p: Pending): void {
    if (this.pending.get(p.id) === p) this.end(p, 'caller', p.options.reason);
  }

  /** Forget a pending request and send its cancel (once: it is no longer pending after this). */
  private end(p: Pending, source: CancelReason['source'], reason: string | undefined): void {
    this.pending.delete(p.id);
    this.release(p);
    // still in the backlog: the peer never saw it, so there is nothing to cancel (attach skips it)
    if ((p.flags & SENT) === 0) return this.unsent();
    this.rememberEnd(p.id, source === 'timeout' ? 'timeout' : 'cancelled');
    if (p.method === NOT_CANCELLABLE) return;
    const { events } = this.init;
    // the event first: an in-memory peer reacts inside write(), and the trail should read in causal order
    if (events.enabled())
      events.emit(reason === undefined ? { type: 'cancel-sent', key: this.key(p.id), method: p.method, source }
        : { type: 'cancel-sent', key: this.key(p.id), method: p.method, source, reason });
    this.write({ jsonrpc: '2.0', method: CANCELLED, params: reason === undefined ? { requestId: p.id } : { requestId: p.id, reason } });
  }

  private rememberEnd(id: RequestId, why: LateWhy): void {
    if (this.rememberEnded <= 0) return;
    if (this.ended.size >= this.rememberEnded) {
      const oldest = this.ended.keys().next();
      if (oldest.done !== true) this.ended.delete(oldest.value);
    }
    this.ended.set(id, why);
  }
}

/**
 * The hard deadline of `p`, if any: computed, not stored (one field less per request in flight).
 * Options are validated, so a number here is positive.
 */
const totalOf = (p: Pending): number | undefined => {
  const total = p.options.maxTotalTimeoutMs;
  if (total !== undefined) return total === Infinity ? undefined : total;
  // MCP lifecycle: "SHOULD always enforce a maximum timeout, regardless of progress
  // notifications": with resets, progress alone could keep the request alive for ever; never
  // shorter than the idle timeout it caps
  return p.options.resetTimeoutOnProgress === true && p.idleMs !== undefined ? Math.max(DEFAULT_MAX_TOTAL_TIMEOUT_MS, p.idleMs) : undefined;
};

const metaOf = (p: Record<string, unknown>): Record<string, unknown> | undefined => {
  const meta = p['_meta'];
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
};

/** The caller put a `_meta.progressToken` in params (reads only: no allocation when not). */
const hasToken = (params: object | undefined): boolean =>
  params !== undefined && metaOf(params as Record<string, unknown>)?.['progressToken'] !== undefined;

/** `params` with `_meta.progressToken` set to ours, the caller's other `_meta` members kept. */
const withToken = (params: object | undefined, token: RequestId): Record<string, unknown> => {
  const p = (params ?? {}) as Record<string, unknown>;
  return { ...p, _meta: { ...metaOf(p), progressToken: token } };
};
