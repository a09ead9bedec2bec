import * as t from 'io-ts';
import { RequestId } from '../codec/messages.js';
import { extend } from '../codec/extend.js';

const RequestKeyCodec = t.intersection([t.type({ requestId: RequestId }), t.partial({ sessionId: t.string })], 'RequestKey');

/**
 * What identifies a request being served: the session that sent it and its id, exactly as
 * received. Two sessions may both have a request 5; `1` and `'1'` are different requests.
 * The type is the codec's: a key that comes from outside (a bus) is decoded with `RequestKey.codec`.
 *
 * @example
 * const key: RequestKey = RequestKey.of(7, 'session-a');
 * manager.register(key);
 * RequestKey.toString(RequestKey.of(7, 'session-a')); // '["session-a",7]'
 * RequestKey.equals(RequestKey.of(1), RequestKey.of('1')); // false
 */
export type RequestKey = t.TypeOf<typeof RequestKeyCodec>;

/** Companion of {@link RequestKey} (vscode-jsonrpc style). */
export const RequestKey = {
  /** The io-ts codec of a key, for keys that come from outside. */
  codec: RequestKeyCodec,
  /** A key; a missing session is left out rather than stored as `undefined`. */
  of: (requestId: RequestId, sessionId?: string): RequestKey =>
    sessionId === undefined ? { requestId } : { sessionId, requestId },
  // ids 1 and '1' are different requests; JSON keeps them apart, and no separator can collide
  toString: (k: RequestKey): string => JSON.stringify([k.sessionId ?? null, k.requestId]),
  equals: (a: RequestKey, b: RequestKey): boolean => a.sessionId === b.sessionId && a.requestId === b.requestId,
} as const;

const CancelReasonCodec = t.intersection(
  [
    t.type({ source: t.keyof({ peer: null, timeout: null, caller: null, close: null }) }),
    t.partial({ reason: t.string, via: t.literal('bus'), method: t.literal('tasks/cancel') }),
  ],
  'CancelReason',
);

/**
 * Why a request was cancelled: by the peer on the wire, by a timeout, by the local caller, or by
 * the connection closing. It is what `ctx.cancelled$` emits and what `ctx.signal.reason` holds.
 * `via: 'bus'` says it was received by another instance and reached this one over the bus.
 * `method: 'tasks/cancel'` says the peer's cancel was a `tasks/cancel` request for a task (MCP tasks
 * extension), not a `notifications/cancelled`; the member is optional, so a reason without it
 * (from an instance of an earlier version) still decodes, and one with it is signed on the bus.
 * The type is the codec's: a reason that comes from outside is decoded with `CancelReason.codec`.
 *
 * @example
 * ctx.cancelled$.subscribe((r: CancelReason) => log.info(`cancelled by ${r.source}`, r.reason));
 * manager.cancel(key, CancelReason.of('caller', 'user pressed stop'));
 * CancelReason.codec.is({ source: 'peer', via: 'bus' }); // true
 */
export type CancelReason = t.TypeOf<typeof CancelReasonCodec>;

/** Companion of {@link CancelReason}. */
export const CancelReason = {
  /** The io-ts codec of a reason, for reasons that come from outside. */
  codec: CancelReasonCodec,
  of: (source: CancelReason['source'], reason?: string): CancelReason =>
    reason === undefined ? { source } : { source, reason },
  /**
   * The same reason as it travels between instances: source, text and method, nothing else
   * (`via` is added by the instance that receives it).
   *
   * @example
   * CancelReason.wire({ source: 'peer', method: 'tasks/cancel', via: 'bus' }); // { source: 'peer', method: 'tasks/cancel' }
   */
  wire: (r: CancelReason): CancelReason => {
    const base = CancelReason.of(r.source, r.reason);
    return r.method === undefined ? base : extend(base, { method: r.method });
  },
} as const;
