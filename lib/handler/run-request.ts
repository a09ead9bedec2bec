import { Observable, config, defer, finalize, isObservable, observable, of, type ObservableInput, type Observer } from 'rxjs';
import { ErrorCodes, isLocalCode } from '../codec/error-codes.js';
import { CancellationError, CancellationErrorResult, JsonRpcError, messageOf } from '../errors.js';
import type { CancellationManager } from '../manager/cancellation-manager.js';
import type { CancelReason } from '../manager/request-key.js';
import { untilCancelled } from './until-cancelled.js';
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

/**
 * What {@link runRequest} needs.
 *
 * @example
 * const init: RunRequestInit = { key, method: 'tools/call', params, handler, manager, progressToken: undefined, send: (m) => transport.send(m), cleanupFailed: (e) => log.error(e) };
 * manager.register(init.key);
 * runRequest(init).subscribe(respond);
 */
export interface RunRequestInit extends ContextInit {
  readonly manager: CancellationManager;
  readonly handler: Handler;
  readonly params: unknown;
}

// what rxjs's from() accepts, tested as it tests it (a function, not just a key): a result object
// with a Symbol.iterator member that is not one would make rxjs throw its own TypeError, and that
// message would go on the wire
const isFunction = (o: object, k: PropertyKey): boolean => typeof (o as Record<PropertyKey, unknown>)[k] === 'function';
const isInput = (v: unknown): v is ObservableInput<unknown> =>
  isObservable(v) ||
  (typeof v === 'object' &&
    v !== null &&
    (isFunction(v, 'then') || isFunction(v, Symbol.iterator) || isFunction(v, Symbol.asyncIterator) || isFunction(v, observable)));

/**
 * Thrown in place of calling a handler that is not a function. The maps are checked where they
 * are given, but RequestHandler takes one handler per call, and a map is the caller's object:
 * a member can be swapped after the check.
 */
class NotAFunction {
  constructor(
    readonly method: string,
    readonly got: string,
  ) {}
}

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

const toFailure = (thrown: unknown): RequestOutcome =>
  thrown instanceof NotAFunction
    ? {
        type: 'error',
        // our fault, not the handler's: the wire gets no internal name ("init.handler is not a function")
        error: { code: ErrorCodes.InternalError, message: 'Internal error' },
        failure: CancellationErrorResult.of(CancellationError.HANDLER_FAILED, `The handler of ${JSON.stringify(thrown.method)} is not a function (got ${thrown.got})`),
      }
    : handlerFailure(thrown);

const handlerFailure = (thrown: unknown): RequestOutcome => ({
  type: 'error',
  // a JsonRpcError is the handler's own answer (-32602 for bad params, say); the rest is internal.
  // So is one of our own local errors that a proxying handler let escape (its request() timed
  // out, its upstream closed): those codes mean "your request, here" to the client, and must
  // never travel (MCP 2026-07-28 "Error Codes"); the message says what happened.
  error:
    thrown instanceof JsonRpcError && !isLocalCode(thrown.code)
      ? thrown.toJson()
      : { code: ErrorCodes.InternalError, message: messageOf(thrown) },
  failure: CancellationErrorResult.fromThrown(CancellationError.HANDLER_FAILED, thrown),
});

/** Receives the one outcome of a request, then its end. What {@link startRequest} reports to. */
export interface RequestObserver {
  next(outcome: RequestOutcome): void;
  complete(): void;
}

/** A running request: `unsubscribe()` stops it (no outcome; the work is aborted with `close`). */
export interface RunningRequest {
  readonly closed: boolean;
  unsubscribe(): void;
}

// a consumer that throws inside an outcome: out of band, as RxJS reports it (never lost, never
// thrown into the handler that happened to emit)
const reportLater = (e: unknown): void => {
  setTimeout(() => {
    const hook = config.onUnhandledError;
    if (hook === null) throw e;
    hook(e);
  });
};

/**
 * The observer at the end of a request's chain, and all its state: the last value seen, why it
 * was cancelled (told by {@link untilCancelled} as the cancel fires), and whether it ended. Its
 * vocabulary is the context's: `end` (the outcome, once), `abort` (the signal), `cleanUp`. A plain Observer: one object per request where `reduce`, `map`, `catchError` and
 * `concatWith` would hold four subscribers and their closures (it matters at 100,000 in flight).
 */
class Run implements Observer<unknown> {
  private last: unknown = undefined;
  private reason: CancelReason | undefined = undefined;
  private ended = false;

  constructor(
    private readonly init: RunRequestInit,
    private readonly ctx: Context,
    private readonly out: RequestObserver,
  ) {}

  /** The last value before completion is the result. */
  next(v: unknown): void {
    this.last = v;
  }

  error(e: unknown): void {
    this.end(toFailure(e));
  }

  /**
   * The chain completed: the handler did, or the cancel came first (then `cancel` ran before).
   * This runs before the handler is unsubscribed, so the signal aborts before the work is torn down.
   */
  complete(): void {
    const reason = this.reason;
    if (reason === undefined) return this.end(toResult(this.last));
    // ended before the abort: an abort listener that calls ctx.progress or ctx.notify must
    // send nothing for a request that was cancelled
    this.ctx.end();
    this.ctx.abort(reason);
    this.end({ type: 'cancelled', reason });
  }

  /** The cancel fired (its reason comes down the chain, not from the registry afterwards). */
  cancel(reason: CancelReason): void {
    this.reason = reason;
  }

  /** The one end of a request, whichever way the race went: its outcome, once. */
  private end(o: RequestOutcome): void {
    if (this.ended) return;
    this.ended = true;
    this.ctx.end();
    // the entry goes before the outcome leaves: a cancel that races it now finds 'finished'
    this.init.manager.complete(this.init.key);
    try {
      this.out.next(o);
      this.out.complete();
    } catch (e) {
      reportLater(e);
    }
  }

  /** finalize: after the outcome, or with none when torn down. The Subscription runs it once. */
  tornDown(): void {
    // an outcome completed the entry already
    if (!this.ended) this.init.manager.complete(this.init.key);
    // unsubscribed with no outcome (transport gone, outgoing$ unsubscribed): stop the work too
    if (this.ctx.end()) this.ctx.abort({ source: 'close' });
    this.ctx.cleanUp();
  }
}

/**
 * Start one registered request, reporting its one outcome to `observer`, and return its
 * Subscription: the chain of {@link runRequest} without an Observable around it, for the
 * serving side, which starts one per request.
 */
export const startRequest = (init: RunRequestInit, observer: RequestObserver): RunningRequest => {
  const ctx = new Context(init);
  const run = new Run(init, ctx, observer);
  return defer(() => {
    const { handler } = init;
    if (typeof handler !== 'function') throw new NotAFunction(init.method, handler === null ? 'null' : typeof handler);
    const r = handler(init.params, ctx);
    return isInput(r) ? r : of(r);
  })
    .pipe(
      // subscribes to the cancellations first: a cancel that came before means no start
      untilCancelled(init.manager.cancelled(init.key), run),
      // registered teardown, not called: runs once whatever the end, unsubscription included
      finalize(() => run.tornDown()),
    )
    .subscribe(run);
};

/**
 * Runs one registered request and emits its one outcome (the chain `RequestHandler` and the peers run).
 *
 * `defer(handler)` joined with `takeUntil(manager.cancelled(key))` (as {@link untilCancelled},
 * which also carries the reason down), and `finalize` for the cleanups. It subscribes to the
 * cancellations first, so a cancel that came before the handler started means it never starts. The race of completion and cancellation is settled by
 * whichever reaches the end of the chain first: a result completes the manager's entry before
 * it is emitted, so a cancel after it finds the id finished; a cancel before it unsubscribes the
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
  new Observable<RequestOutcome>((subscriber) => startRequest(init, subscriber));
