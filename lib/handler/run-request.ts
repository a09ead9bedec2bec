import {
  EMPTY,
  catchError,
  concatWith,
  defer,
  finalize,
  from,
  isObservable,
  map,
  observable,
  of,
  reduce,
  takeUntil,
  tap,
  type Observable,
  type ObservableInput,
} from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { CancellationError, CancellationErrorResult, JsonRpcError, messageOf } from '../errors.js';
import type { CancellationManager } from '../manager/cancellation-manager.js';
import { Context, type ContextInit, type RequestContext } from './context.js';
import type { RequestOutcome } from './outcome.js';

/**
 * A request handler. Observable handlers: the LAST value before completion is the result, and
 * a cancel unsubscribes them. Promise handlers: the resolved value is the result, and
 * `ctx.signal` aborts on cancellation. A plain object is taken as the result. Throwing or
 * erroring with a {@link JsonRpcError} sends that error; anything else sends -32603.
 *
 * @example
 * const handlers: Record<string, Handler> = {
 *   'tools/call': (params, ctx) => interval(100).pipe(take(10), tap((i) => ctx.progress(i + 1, 10)), last(), map(() => ({ content: [] }))),
 * };
 */
export type Handler = (params: unknown, ctx: RequestContext) => ObservableInput<unknown>;

/** What {@link runRequest} needs. */
export interface RunRequestInit extends ContextInit {
  readonly manager: CancellationManager;
  readonly handler: Handler;
  readonly params: unknown;
}

const isInput = (v: unknown): v is ObservableInput<unknown> =>
  isObservable(v) ||
  (typeof v === 'object' &&
    v !== null &&
    (typeof (v as PromiseLike<unknown>).then === 'function' ||
      Symbol.iterator in v ||
      Symbol.asyncIterator in v ||
      observable in v));

const toResult = (v: unknown): RequestOutcome => {
  if (v === undefined || v === null) return { type: 'result', result: {} };
  if (typeof v === 'object' && !Array.isArray(v)) return { type: 'result', result: v as Record<string, unknown> };
  const message = `Handler result must be an object (MCP results are objects), got ${Array.isArray(v) ? 'an array' : typeof v}`;
  return {
    type: 'error',
    error: { code: ErrorCodes.InternalError, message },
    failure: CancellationErrorResult.of(CancellationError.HANDLER_FAILED, message, v),
  };
};

const toFailure = (thrown: unknown): RequestOutcome => ({
  type: 'error',
  // a JsonRpcError is the handler's own answer (-32602 for bad params, say); the rest is internal
  error: thrown instanceof JsonRpcError ? thrown.toJson() : { code: ErrorCodes.InternalError, message: messageOf(thrown) },
  failure: CancellationErrorResult.fromThrown(CancellationError.HANDLER_FAILED, thrown),
});

/**
 * The seed's RequestHandler: runs one registered request and emits its one outcome.
 *
 * `defer(handler)` joined with `takeUntil(manager.cancelled(key))`, and `finalize` for the
 * cleanups. `takeUntil` subscribes to the cancellations first, so a cancel that came before the
 * handler started means it never starts. The race of completion and cancellation is settled by
 * whichever reaches `ctx.settle()` first: a result completes the manager's entry before it is
 * emitted, so a cancel after it finds the id finished; a cancel before it unsubscribes the
 * handler, so its late value is never seen. Either way, exactly one outcome.
 *
 * The key must be registered with the manager before subscribing; the request's end (whatever
 * it is, unsubscription included) completes it.
 *
 * @example
 * manager.register(key);
 * runRequest({ key, method, params, handler, manager, progressToken, send, cleanupFailed }).subscribe(respond);
 */
export const runRequest = (init: RunRequestInit): Observable<RequestOutcome> =>
  defer(() => {
    const ctx = new Context(init);
    const settle = (o: RequestOutcome): RequestOutcome => {
      ctx.settle();
      // the entry goes before the outcome leaves: a cancel that races it now finds 'finished'
      init.manager.complete(init.key);
      return o;
    };
    return defer(() => {
      const r = init.handler(init.params, ctx);
      return isInput(r) ? from(r) : of(r);
    }).pipe(
      reduce((_, v) => v, undefined as unknown),
      map((v) => settle(toResult(v))),
      catchError((e: unknown) => of(settle(toFailure(e)))),
      takeUntil(init.manager.cancelled(init.key).pipe(tap((reason) => ctx.abort(reason)))),
      concatWith(
        defer(() => {
          const reason = ctx.cancelReason;
          return reason === undefined ? EMPTY : of(settle({ type: 'cancelled', reason }));
        }),
      ),
      finalize(() => {
        init.manager.complete(init.key);
        // unsubscribed with no outcome (transport gone, outgoing$ unsubscribed): stop the work too
        if (ctx.settle()) ctx.abort({ source: 'close' });
        ctx.close();
      }),
    );
  });
