import * as t from 'io-ts';
import { JsonRpcVersion, RequestId } from './messages.js';

/**
 * The method name of MCP's progress notification.
 *
 * @example
 * PROGRESS; // 'notifications/progress'
 * const isProgress = (m: JsonRpcMessage): boolean => 'method' in m && m.method === PROGRESS;
 */
export const PROGRESS = 'notifications/progress';

/**
 * A progress token: a string or a number, like an id (docs/protocol.md P1).
 *
 * @example
 * ProgressToken.is('upload-1'); // true
 * ProgressToken.is(null); // false
 */
export const ProgressToken = RequestId;
export type ProgressToken = t.TypeOf<typeof ProgressToken>;

/**
 * `notifications/progress` params (P2).
 *
 * @example
 * ProgressParams.is({ progressToken: 3, progress: 0.5, total: 1 }); // true
 */
export const ProgressParams = t.intersection(
  [
    t.type({ progressToken: ProgressToken, progress: t.number }),
    t.partial({ total: t.number, message: t.string }),
  ],
  'ProgressParams',
);
export type ProgressParams = t.OutputOf<typeof ProgressParams>;

/**
 * The whole progress notification.
 *
 * @example
 * ProgressNotification.is({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 3, total: 10 } }); // true
 */
export const ProgressNotification = t.type(
  { jsonrpc: JsonRpcVersion, method: t.literal(PROGRESS), params: ProgressParams },
  'ProgressNotification',
);
export type ProgressNotification = t.OutputOf<typeof ProgressNotification>;

/** `params._meta.progressToken` of a request, when the sender asked for progress. */
export const RequestMeta = t.partial({ _meta: t.partial({ progressToken: ProgressToken }) }, 'RequestMeta');
