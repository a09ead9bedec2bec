import type { JsonRpcErrorObject } from '../codec/messages.js';
import type { CancellationErrorResult } from '../errors.js';
import type { CancelReason } from '../manager/request-key.js';

/** How one served request ended. Exactly one per request. */
export type RequestOutcome =
  | { readonly type: 'result'; readonly result: Record<string, unknown> }
  | { readonly type: 'error'; readonly error: JsonRpcErrorObject; readonly failure: CancellationErrorResult }
  | { readonly type: 'cancelled'; readonly reason: CancelReason };
