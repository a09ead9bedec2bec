import { ErrorCodes } from './codec/error-codes.js';
import { preview, previewValue } from './codec/preview.js';
import type { JsonRpcErrorObject, RequestId } from './codec/messages.js';

/**
 * The error taxonomy of events and outcomes, as a string union with a same-named companion (rxjs-etc style).
 * - `invalid_request`: input that is not a valid message or cancellation.
 * - `cleanup_failed`: a function given to `ctx.onCleanup` threw or rejected.
 * - `handler_failed`: a handler threw, rejected or errored.
 * - `state_error`: a message that contradicts the state (a duplicate id in flight, a second
 *   subscriber to `outgoing$`, a request over a load limit).
 * - `transport_error`: the transport failed without closing (a write, a read, the SDK's
 *   `onerror`), or closed with an error.
 *
 * @example
 * if (event.type === 'cleanup-failed') log(event.error.error === CancellationError.CLEANUP_FAILED);
 */
export const CancellationError = {
  INVALID_REQUEST: 'invalid_request',
  CLEANUP_FAILED: 'cleanup_failed',
  HANDLER_FAILED: 'handler_failed',
  STATE_ERROR: 'state_error',
  TRANSPORT_ERROR: 'transport_error',
} as const;
export type CancellationError = (typeof CancellationError)[keyof typeof CancellationError];

/**
 * An error record: what failed, in words, with the raw detail (the thrown value, say).
 *
 * @example
 * const failure: CancellationErrorResult = CancellationErrorResult.fromThrown(CancellationError.HANDLER_FAILED, new Error('disk full'));
 * log.error(`${failure.error}: ${failure.message}`, failure.details);
 * CancellationErrorResult.of(CancellationError.STATE_ERROR, 'duplicate id').error; // 'state_error'
 */
export interface CancellationErrorResult {
  readonly error: CancellationError;
  readonly message: string;
  readonly details?: unknown;
}

/** Companion of {@link CancellationErrorResult}. */
export const CancellationErrorResult = {
  of: (error: CancellationError, message: string, details?: unknown): CancellationErrorResult =>
    details === undefined ? { error, message } : { error, message, details },
  /** A thrown value as a result: its message when it is an Error, its text otherwise. */
  fromThrown: (error: CancellationError, thrown: unknown): CancellationErrorResult =>
    CancellationErrorResult.of(error, messageOf(thrown), thrown),
} as const;

// a thrown value's text goes into replies and events: bounded, like every rendered value
const MESSAGE_MAX = 1024;

/**
 * A readable message for any thrown value, at most about 1,024 characters: an Error's message,
 * a string, or a bounded preview of anything else (a deep or cyclic value cannot overflow the
 * stack or throw here).
 *
 * @example
 * messageOf(new Error('boom')); // 'boom'
 * messageOf({ code: 5 }); // '{"code":5}'
 */
export const messageOf = (thrown: unknown): string => {
  try {
    if (thrown instanceof Error) return typeof thrown.message === 'string' ? preview(thrown.message, MESSAGE_MAX) : previewValue(thrown.message, MESSAGE_MAX);
    if (typeof thrown === 'string') return preview(thrown, MESSAGE_MAX);
  } catch {
    // a Proxy or a getter that throws: rendered below, which never throws
  }
  return previewValue(thrown, MESSAGE_MAX);
};

/**
 * An error response from the peer, as seen by a `request()` subscriber.
 *
 * @example
 * peer.request('tools/call', p).subscribe({ error: (e) => e instanceof JsonRpcError && e.code === -32601 });
 */
export class JsonRpcError extends Error {
  override readonly name: string = 'JsonRpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
  /** The wire form of this error. */
  toJson(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/**
 * The request timed out; `notifications/cancelled` was sent first (except for `initialize`).
 *
 * `sent: false` says it was never written: nobody had subscribed the peer's `outgoing$`, so it
 * waited for the connection the whole time (a `request-queued` event said so when it was made),
 * and no cancel was sent either. It is the same class, so `instanceof` checks keep working; the
 * flag and the message tell a missing subscription from a slow peer.
 *
 * @example
 * peer.request('tools/call', params, { timeoutMs: 5_000 }).subscribe({
 *   error: (e) => {
 *     if (e instanceof RequestTimeoutError && !e.sent) throw new Error('subscribe peer.outgoing$ first');
 *     if (e instanceof RequestTimeoutError) retryLater(e.requestId);
 *   },
 * });
 */
export class RequestTimeoutError extends JsonRpcError {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly requestId: RequestId,
    readonly timeoutMs: number,
    message = `Request ${JSON.stringify(requestId)} timed out after ${timeoutMs} ms`,
    /** Whether the request was written to the connection; `false`: it timed out waiting for `outgoing$` to be subscribed. */
    readonly sent: boolean = true,
  ) {
    super(ErrorCodes.RequestTimeout, message, { timeout: timeoutMs });
  }

  /**
   * A request that timed out before it was ever written, because nobody subscribed `outgoing$`.
   *
   * @example
   * RequestTimeoutError.unsent(0, 5_000).sent; // false
   */
  static unsent(requestId: RequestId, timeoutMs: number): RequestTimeoutError {
    return new RequestTimeoutError(
      requestId,
      timeoutMs,
      `Request ${JSON.stringify(requestId)} timed out after ${timeoutMs} ms without being sent: nobody subscribed the peer's outgoing$`,
      false,
    );
  }
}

/**
 * The caller's `signal` aborted the request; `notifications/cancelled` was sent first.
 *
 * @example
 * const abort = new AbortController();
 * peer.request('tools/call', params, { signal: abort.signal }).subscribe({
 *   error: (e) => { if (e instanceof RequestCancelledError) console.log('cancelled:', e.reason); },
 * });
 * abort.abort('user pressed stop');
 */
export class RequestCancelledError extends JsonRpcError {
  override readonly name = 'RequestCancelledError';
  constructor(
    readonly requestId: RequestId | undefined,
    readonly reason?: unknown,
  ) {
    super(ErrorCodes.RequestCancelled, `Request ${JSON.stringify(requestId ?? null)} was cancelled${reason === undefined ? '' : `: ${messageOf(reason)}`}`);
  }
}

/**
 * The connection closed before the response came.
 *
 * @example
 * peer.request('tools/list').subscribe({
 *   error: (e) => { if (e instanceof ConnectionClosedError) reconnect(); },
 * });
 */
export class ConnectionClosedError extends JsonRpcError {
  override readonly name = 'ConnectionClosedError';
  constructor(message = 'Connection closed') {
    super(ErrorCodes.ConnectionClosed, message);
  }
}

/**
 * The peer answered a pending request with a response that is not valid: both `result` and
 * `error` (JSON-RPC 2.0 §5: exactly one), a `result` that is not an object (MCP), an `error`
 * without an integer `code` and a string `message`. The request ends at once rather than at its
 * timeout, and no cancel is sent: the peer did answer. `errors` says what was wrong, one line
 * per path.
 *
 * Its code, {@link InvalidResponseError.CODE} (-32801), is local like -32800: it is raised on the
 * sending side and never goes on the wire. It is not -32603: that is a code a peer may send, and
 * an invalid answer must not read as the peer's own internal error.
 *
 * @example
 * peer.request('tools/call', p).subscribe({ error: (e) => e instanceof InvalidResponseError && log.warn(e.errors) });
 */
export class InvalidResponseError extends JsonRpcError {
  /** The local code of an invalid response (never on the wire). */
  static readonly CODE = ErrorCodes.InvalidResponse;
  override readonly name = 'InvalidResponseError';
  constructor(
    readonly requestId: RequestId,
    readonly errors: ReadonlyArray<string>,
    message = `Invalid response to request ${JSON.stringify(requestId)}: ${errors.join('; ')}`,
  ) {
    super(InvalidResponseError.CODE, message, { errors });
  }
}

/**
 * The transport failed to write the request (its `send` threw or rejected): the request ends at
 * once, with the transport's error as `cause`, rather than waiting for a timeout that can only
 * come. No cancel is sent: the request never went out. The transport error is also reported on
 * `events$` (`transport-error`).
 *
 * Its code, {@link RequestSendError.CODE} (-32802), is local like -32800: it is raised on the
 * sending side and never goes on the wire.
 *
 * @example
 * peer.request('tools/call', p).subscribe({ error: (e) => e instanceof RequestSendError && reconnect(e.cause) });
 */
export class RequestSendError extends JsonRpcError {
  /** The local code of a request the transport failed to write (never on the wire). */
  static readonly CODE = ErrorCodes.RequestSendFailed;
  override readonly name = 'RequestSendError';
  constructor(
    readonly requestId: RequestId,
    override readonly cause: unknown,
    message = `Request ${JSON.stringify(requestId)} could not be sent: ${messageOf(cause)}`,
  ) {
    super(RequestSendError.CODE, message);
  }
}

/**
 * Why `ctx.request` could not send: `no-sending-half` (the request came through `serve()`, or
 * `runRequest`, which only answer), `era` (a 2026-07-28 server sends no requests: that era asks
 * the client for input with the multi-round-trip pattern instead), `ended` (the request being
 * served already ended, so nothing is sent for it any more).
 *
 * @example
 * const why: TiedRequestRefusal = 'era';
 */
export type TiedRequestRefusal = 'no-sending-half' | 'era' | 'ended';

const TIED_REFUSAL_TEXT: Readonly<Record<TiedRequestRefusal, string>> = {
  'no-sending-half': 'this connection only answers (serve() or runRequest has no sending half; use createPeer or connect)',
  era: 'a 2026-07-28 server sends no requests (ask the client for input with the multi-round-trip pattern)',
  ended: 'the request it would be tied to has ended',
};

/**
 * A request tied to the one being served (`ctx.request`) that was not sent, and errored at once:
 * nothing went on the wire, so there is nothing to cancel. `why` says which rule refused it.
 *
 * Its code, {@link TiedRequestRefusedError.CODE} (-32803), is local like -32800: it is raised on
 * the serving side and never goes on the wire (a handler that lets it escape answers -32603).
 *
 * @example
 * ctx.request('elicitation/create', params).subscribe({
 *   error: (e) => { if (e instanceof TiedRequestRefusedError && e.why === 'era') askWithInputRound(); },
 * });
 */
export class TiedRequestRefusedError extends JsonRpcError {
  /** The local code of a tied request that was not sent (never on the wire). */
  static readonly CODE = ErrorCodes.TiedRequestRefused;
  override readonly name = 'TiedRequestRefusedError';
  constructor(
    readonly method: string,
    readonly why: TiedRequestRefusal,
    /** The request being served that it would have been tied to. */
    readonly relatedRequestId: RequestId,
    message = `ctx.request(${JSON.stringify(preview(method, 64))}) not sent: ${TIED_REFUSAL_TEXT[why]}`,
  ) {
    super(TiedRequestRefusedError.CODE, message, { why });
  }
}
