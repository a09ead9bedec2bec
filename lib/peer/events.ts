import type { ProtocolEra } from '../codec/era.js';
import type { JsonRpcErrorObject, RequestId } from '../codec/messages.js';
import type { CancellationErrorResult } from '../errors.js';
import type { CancelReason, RequestKey } from '../manager/request-key.js';
import type { RequestTarget } from '../codec/target.js';
import type { TraceContext } from '../codec/trace-context.js';

/**
 * Why a cancellation changed nothing.
 *
 * @example
 * const suspicious = (why: CancelIgnoredWhy): boolean => why === 'not-allowed' || why === 'rate-limited' || why === 'invalid';
 * peer.events$.subscribe((e) => {
 *   if (e.type === 'cancel-ignored' && suspicious(e.why)) audit.warn(e.sender, e.why, e.key);
 * });
 */
export type CancelIgnoredWhy = 'unknown' | 'finished' | 'not-cancellable' | 'not-allowed' | 'rate-limited' | 'invalid';

interface At {
  /** When, in ms, from the peer's scheduler (virtual time under TestScheduler). */
  readonly at: number;
}

/**
 * Every lifecycle step of a peer, as a discriminated union on `type`: the audit trail (who
 * cancelled what, what was ignored and why) and the raw material for logs and metrics.
 *
 * @example
 * peer.events$.pipe(filter((e) => e.type === 'cancel-ignored')).subscribe((e) => log.warn(e.why, e.key));
 */
export type PeerEvent =
  // serving side
  | (At & { readonly type: 'request-received';
      /** The session (or peer) the input came from: the audit trail's who. */
      readonly sender: string; readonly key: RequestKey; readonly method: string;
      /** The tool or prompt it names (`params.name` of `tools/call`, `prompts/get`), cut to 256 characters. */
      readonly target?: RequestTarget;
      /** The protocol version it names (2026-07-28 `_meta`, or an `initialize`'s), when one this library speaks. */
      readonly protocolVersion?: string;
      /** A valid W3C trace context from `params._meta` (`traceparent`, `tracestate`); an invalid one is left out. */
      readonly trace?: TraceContext })
  | (At & { readonly type: 'request-completed';
      /** The session (or peer) the input came from: the audit trail's who. */
      readonly sender: string; readonly key: RequestKey; readonly method: string;
      /** A `tools/call` answered with `isError: true`: the call succeeded, the tool failed. */
      readonly toolError?: true;
      /** An `initialize` answered with a `protocolVersion` this library speaks: the version the session runs. */
      readonly protocolVersion?: string })
  | (At & {
      readonly type: 'request-failed';
      /** The session (or peer) the input came from: the audit trail's who. */
      readonly sender: string;
      readonly key: RequestKey;
      readonly method: string;
      readonly code: number;
      readonly error: CancellationErrorResult;
    })
  | (At & {
      readonly type: 'request-cancelled';
      /** The session (or peer) the input came from: the audit trail's who. */
      readonly sender: string;
      readonly key: RequestKey;
      readonly method: string;
      readonly reason: CancelReason;
      /** The peer's reason was longer than `maxReasonLength` and was cut. */
      readonly reasonTruncated?: boolean;
    })
  | (At & {
      readonly type: 'cancel-ignored';
      /** Absent when the cancellation was too malformed to name a request. */
      readonly key?: RequestKey;
      readonly sender: string;
      readonly why: CancelIgnoredWhy;
      readonly reason?: string;
      /** For `invalid`: what was wrong. */
      readonly error?: CancellationErrorResult;
    })
  | (At & {
      /** A cancel for a key not in flight here, sent to the other instances over the manager's bus. */
      readonly type: 'cancel-forwarded';
      readonly sender: string;
      readonly key: RequestKey;
      readonly reason?: string;
    })
  | (At & { readonly type: 'cleanup-failed';
      /** The session (or peer) the input came from: the audit trail's who. */
      readonly sender: string; readonly key: RequestKey; readonly method: string; readonly error: CancellationErrorResult })
  | (At & {
      readonly type: 'message-rejected';
      /** The session (or peer) the input came from: the audit trail's who. */
      readonly sender: string;
      /** INVALID_REQUEST for input that does not decode, STATE_ERROR for one that contradicts the state (duplicate id). */
      readonly error: CancellationErrorResult;
      /** The id the reply was sent with (null: unreadable), or absent when no reply was sent. */
      readonly repliedWith?: RequestId | null;
      readonly code?: number;
    })
  | (At & { readonly type: 'progress-refused';
      /** The session (or peer) the input came from: the audit trail's who. */
      readonly sender: string; readonly key: RequestKey; readonly method: string;
      /** HANDLER_FAILED: the handler called `ctx.progress` with NaN or an infinite value; nothing was sent. */
      readonly error: CancellationErrorResult })
  | (At & { readonly type: 'notification-failed';
      /** The session (or peer) the input came from: the audit trail's who. */
      readonly sender: string; readonly method: string; readonly error: CancellationErrorResult })
  // sending side
  | (At & {
      /** The request was handed to the `outgoing$` subscriber (never said of one still waiting for it: see `request-queued`). */
      readonly type: 'request-sent'; readonly key: RequestKey; readonly method: string;
      /** The tool or prompt it names (`params.name` of `tools/call`, `prompts/get`), cut to 256 characters. */
      readonly target?: RequestTarget;
      /** The protocol version it names (2026-07-28 `_meta`, or an `initialize`'s), when one this library speaks. */
      readonly protocolVersion?: string;
      /** Sent by a handler with `ctx.request`: the id of the request it served, which this one is tied to. */
      readonly relatedRequestId?: RequestId })
  | (At & {
      /**
       * The request cannot be written yet: nobody subscribed `outgoing$` (`why: 'no-subscriber'`).
       * It waits, its timeout running; `request-sent` follows when `outgoing$` is subscribed, and
       * if it ends first (timeout, unsubscribe, abort) it never reaches the wire, nor its cancel.
       */
      readonly type: 'request-queued';
      readonly key: RequestKey;
      readonly method: string;
      readonly why: 'no-subscriber';
    })
  | (At & { readonly type: 'response-received'; readonly key: RequestKey; readonly method: string; readonly ok: boolean;
      /** For an error response (`ok: false`): the peer's error object, as received (quote it bounded). */
      readonly error?: JsonRpcErrorObject;
      /** A `tools/call` answered with `isError: true`: the call succeeded, the tool failed. */
      readonly toolError?: true;
      /** An `initialize` answered with a `protocolVersion` this library speaks: the version the session runs. */
      readonly protocolVersion?: string })
  | (At & {
      readonly type: 'cancel-sent';
      readonly key: RequestKey;
      readonly method: string;
      readonly source: CancelReason['source'];
      readonly reason?: string;
    })
  | (At & {
      readonly type: 'request-timeout';
      readonly key: RequestKey;
      readonly method: string;
      readonly timeoutMs: number;
      /** `idle`: no response (or progress, with `resetTimeoutOnProgress`) for `timeoutMs`; `total`: `maxTotalTimeoutMs` passed. */
      readonly kind: 'idle' | 'total';
    })
  | (At & {
      readonly type: 'late-response-dropped';
      readonly key: RequestKey;
      readonly why: 'cancelled' | 'timeout' | 'unknown';
    })
  | (At & {
      /** A response for this pending request did not decode: the request errored at once with InvalidResponseError, and no cancel was sent. */
      readonly type: 'response-rejected';
      readonly key: RequestKey;
      readonly method: string;
      /** INVALID_REQUEST, with what was wrong. */
      readonly error: CancellationErrorResult;
    })
  | (At & {
      /** The transport failed to write this request: it errored at once with RequestSendError, and no cancel was sent. */
      readonly type: 'request-send-failed';
      readonly key: RequestKey;
      readonly method: string;
      /** TRANSPORT_ERROR, with the transport's error as details. */
      readonly error: CancellationErrorResult;
    })
  | (At & { readonly type: 'progress-dropped'; readonly progressToken: RequestId })
  | (At & { readonly type: 'peer-error'; readonly error: JsonRpcErrorObject })
  | (At & { readonly type: 'callback-failed'; readonly key: RequestKey; readonly error: CancellationErrorResult })
  // connection
  | (At & { readonly type: 'transport-error';
      /** The session (or peer) the input came from: the audit trail's who. */
      readonly sender: string; readonly error: CancellationErrorResult;
      /**
       * How many transport errors of this kind the event stands for, when more than one: the
       * first of a kind is reported at once, the ones like it in the next second as one event
       * with their count (the last one's error), never one event per failed write.
       */
      readonly count?: number })
  | (At & { readonly type: 'connection-closed'; readonly error?: CancellationErrorResult })
  | (At & {
      /** The protocol rules this connection keeps from now on (docs/protocol.md "Eras"). */
      readonly type: 'era-decided';
      readonly era: ProtocolEra;
      /** `option`: given; `initialize`: an initialize request, either way; `request`: a request naming its version in `_meta`. */
      readonly by: 'option' | 'initialize' | 'request';
    });

/**
 * The `type`s of {@link PeerEvent}.
 *
 * @example
 * const counts = new Map<PeerEventType, number>();
 * peer.events$.subscribe((e) => counts.set(e.type, (counts.get(e.type) ?? 0) + 1));
 */
export type PeerEventType = PeerEvent['type'];

/** Distributive Omit, so each member of the union keeps its own fields. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before it is stamped with `at`. */
export type PeerEventInit = DistributiveOmit<PeerEvent, 'at'>;

/** Where the serving and sending halves report; `enabled` lets the hot path skip building events nobody reads. */
export interface EventSink {
  readonly enabled: () => boolean;
  readonly emit: (e: PeerEventInit) => void;
}
