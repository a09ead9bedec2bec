import type { RequestId } from '../codec/messages.js';

/**
 * What identifies a request being served: the session that sent it and its id, exactly as
 * received. Two sessions may both have a request 5; `1` and `'1'` are different requests.
 */
export interface RequestKey {
  readonly sessionId?: string;
  readonly requestId: RequestId;
}

/** Companion of {@link RequestKey} (vscode-jsonrpc style). */
export const RequestKey = {
  /** A key; a missing session is left out rather than stored as `undefined`. */
  of: (requestId: RequestId, sessionId?: string): RequestKey =>
    sessionId === undefined ? { requestId } : { sessionId, requestId },
  // ids 1 and '1' are different requests; JSON keeps them apart, and no separator can collide
  toString: (k: RequestKey): string => JSON.stringify([k.sessionId ?? null, k.requestId]),
  equals: (a: RequestKey, b: RequestKey): boolean => a.sessionId === b.sessionId && a.requestId === b.requestId,
} as const;

/**
 * Why a request was cancelled: by the peer on the wire, by a timeout, by the local caller, or by
 * the connection closing. It is what `ctx.cancelled$` emits and what `ctx.signal.reason` holds.
 */
export interface CancelReason {
  readonly source: 'peer' | 'timeout' | 'caller' | 'close';
  readonly reason?: string;
}

/** Companion of {@link CancelReason}. */
export const CancelReason = {
  of: (source: CancelReason['source'], reason?: string): CancelReason =>
    reason === undefined ? { source } : { source, reason },
} as const;
