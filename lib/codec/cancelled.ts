import * as t from 'io-ts';
import { JsonRpcVersion, RequestId, type JsonRpcMessage } from './messages.js';

/**
 * The method name of MCP's cancellation notification.
 *
 * @example
 * CANCELLED; // 'notifications/cancelled'
 * const isCancel = (m: JsonRpcMessage): boolean => 'method' in m && m.method === CANCELLED;
 */
export const CANCELLED = 'notifications/cancelled';

/**
 * `notifications/cancelled` params (docs/protocol.md C1, C2). `reason` must be a string when present.
 *
 * @example
 * CancelledParams.is({ requestId: 0 }); // true: id 0 is a real id (the official SDK's D1 ignores it)
 */
export const CancelledParams = t.intersection(
  [t.type({ requestId: RequestId }), t.partial({ reason: t.string })],
  'CancelledParams',
);
export type CancelledParams = t.OutputOf<typeof CancelledParams>;

/**
 * The whole cancellation notification.
 *
 * @example
 * CancelledNotification.is({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'user' } }); // true
 */
export const CancelledNotification = t.type(
  { jsonrpc: JsonRpcVersion, method: t.literal(CANCELLED), params: CancelledParams },
  'CancelledNotification',
);
export type CancelledNotification = t.OutputOf<typeof CancelledNotification>;

/**
 * The request a message cancels: the `requestId` of a `notifications/cancelled`, when it is a
 * usable id; `undefined` for any other message. A transport uses it to turn the cancel into its
 * own signal (Streamable HTTP 2026-07-28 closes that request's stream instead of sending it).
 *
 * @example
 * cancelledRequestId({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3 } }); // 3
 */
export const cancelledRequestId = (m: JsonRpcMessage): RequestId | undefined => {
  if (!('method' in m) || m.method !== CANCELLED || 'id' in m) return undefined;
  const id = m.params?.['requestId'];
  return RequestId.is(id) ? id : undefined;
};
