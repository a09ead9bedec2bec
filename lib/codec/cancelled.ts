import * as t from 'io-ts';
import { JsonRpcVersion, RequestId } from './messages.js';

/** The method name of MCP's cancellation notification. */
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

/** The whole cancellation notification. */
export const CancelledNotification = t.type(
  { jsonrpc: JsonRpcVersion, method: t.literal(CANCELLED), params: CancelledParams },
  'CancelledNotification',
);
export type CancelledNotification = t.OutputOf<typeof CancelledNotification>;
