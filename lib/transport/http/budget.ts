import { ErrorCodes } from '../../codec/error-codes.js';
import type { RequestId } from '../../codec/messages.js';
import type { HttpEventInit } from './events.js';
import type { HttpExchange } from './exchange.js';

/**
 * The requests in flight across one `streamableHttp`, both eras together, and their bound
 * (`maxInFlight`). A 2026-07-28 request holds one unit from its POST's admission until its
 * connection ends; a request a 2025-11-25 session serves holds one from its POST's admission
 * until it is answered, cancelled, or its session ends (DELETE, idle, `close()`). Each unit is
 * taken and given back at one place per era (`perRequest`, `LiveSession`): O(1) per message.
 */
export interface InFlightBudget {
  count: number;
  readonly max: number;
}

/** Whether `n` more requests fit in the budget (`max` may be `Infinity`). */
export const fits = (budget: InFlightBudget, n: number): boolean => budget.count + n <= budget.max;

/**
 * Refuse a POST whose requests do not fit: 503 with `Retry-After` and a JSON-RPC error -32603
 * naming the bound, and an `http-rejected` event. Nothing of the POST was taken (no handler
 * ran, no id was registered), so the client may send it again as it was, same ids. In 2025 the
 * session is untouched: its other requests run on.
 */
export const refuseOverBudget = (ex: HttpExchange, budget: InFlightBudget, emit: (e: HttpEventInit) => void, id: RequestId | null): void => {
  const error = { code: ErrorCodes.InternalError, message: `Too many requests in flight (maxInFlight ${budget.max})`, data: { maxInFlight: budget.max } };
  emit({ type: 'http-rejected', status: 503, code: error.code, why: error.message });
  ex.reply(503, { 'retry-after': '1' }, JSON.stringify({ jsonrpc: '2.0', id, error }));
};
