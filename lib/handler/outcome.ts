import type { JsonRpcErrorObject } from '../codec/messages.js';
import type { CancellationErrorResult } from '../errors.js';
import type { CancelReason } from '../manager/request-key.js';

/**
 * How one served request ended. Exactly one per request.
 *
 * @example
 * const settle = (o: RequestOutcome): void => {
 *   if (o.type === 'result') reply(o.result);
 *   else if (o.type === 'error') replyError(o.error);
 *   else log.info(`cancelled by ${o.reason.source}`); // no response is sent
 * };
 * new RequestHandler(manager).handle(key, handler, params).subscribe(settle);
 */
export type RequestOutcome =
  | { readonly type: 'result'; readonly result: Record<string, unknown> }
  | { readonly type: 'error'; readonly error: JsonRpcErrorObject; readonly failure: CancellationErrorResult }
  | { readonly type: 'cancelled'; readonly reason: CancelReason };
