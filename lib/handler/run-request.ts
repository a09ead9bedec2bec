import { Observable, config, from, isObservable, observable, type ObservableInput, type Subscription } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { CancellationError, CancellationErrorResult, JsonRpcError, messageOf } from '../errors.js';
import type { CancellationManager } from '../manager/cancellation-manager.js';
import type { CancelReason } from '../manager/request-key.js';
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

// thrown by a consumer inside a promise reaction: out of band, as RxJS reports it (never lost)
const reportLater = (e: unknown): void => {
  setTimeout(() => {
    const hook = config.onUnhandledError;
    if (hook === null) throw e;
    hook(e);
  });
};

// an observer object, not three closures: RxJS uses it as it is (one small object per request)
class HandlerObserver {
  constructor(private readonly run: Run) {}
  next(v: unknown): void {
    this.run.value(v);
  }
  error(e: unknown): void {
    this.run.ended(true, e);
  }
  complete(): void {
    this.run.ended(false, undefined);
  }
}

/**
 * One request's run: the same steps, in the same order, as
 * `defer(handler) ▸ reduce(last) ▸ map(settle) ▸ catchError ▸ takeUntil(cancelled ▸ tap(abort)) ▸
 * concatWith(cancelled outcome) ▸ finalize(cleanup)`, written as one state machine, so that a
 * request in flight holds a handful of objects instead of a chain of operator subscribers
 * (it matters at 100,000 in flight).
 *
 * It is also the cancellation observer the manager calls (`next`: cancelled, `complete`: ended).
 */
class Run implements RunningRequest {
  private readonly ctx: Context;
  private handler: Subscription | undefined = undefined;
  private last: unknown = undefined;
  private listening = false;
  // the outcome is out (or the run was torn down): nothing from the handler counts any more
  private decided = false;
  closed = false;

  constructor(
    private readonly init: RunRequestInit,
    private readonly observer: RequestObserver,
  ) {
    this.ctx = new Context(init);
  }

  start(): void {
    // takeUntil: listen to the cancellations first, so a cancel that came before means no start
    this.listening = this.init.manager.listen(this.init.key, this);
    if (this.decided) return;
    let r: unknown;
    try {
      r = this.init.handler(this.init.params, this.ctx);
    } catch (e) {
      return this.settle(toFailure(e));
    }
    if (!isInput(r)) return this.settle(toResult(r));
    if (!isObservable(r) && !(observable in (r as object)) && typeof (r as PromiseLike<unknown>).then === 'function') {
      // a promise needs no subscription: its late settlement is ignored once decided
      (r as PromiseLike<unknown>).then(
        (v) => this.guard(() => this.settle(toResult(v))),
        (e: unknown) => this.guard(() => this.settle(toFailure(e))),
      );
      return;
    }
    const subscription = from(r as ObservableInput<unknown>).subscribe(new HandlerObserver(this));
    // cancelled (or ended) while the handler was subscribing: stop it now it can be stopped
    if (this.decided) subscription.unsubscribe();
    else this.handler = subscription;
  }

  /** The manager: this request was cancelled. */
  next(reason: CancelReason): void {
    if (this.decided) return;
    this.listening = false;
    this.ctx.abort(reason);
    this.decided = true;
    this.stopHandler();
    this.emit(reason);
  }

  /** The manager: this request ended without a cancel. Nothing to do (takeUntil ignores it). */
  complete(): void {
    this.listening = false;
  }

  unsubscribe(): void {
    if (this.closed) return;
    this.decided = true;
    this.stopHandler();
    this.finish(true);
  }

  /** The handler's Observable emitted: the last value before completion is the result. */
  value(v: unknown): void {
    if (!this.decided) this.last = v;
  }

  /** The handler's Observable ended (`e` undefined: it completed). */
  ended(failed: boolean, e: unknown): void {
    this.settle(failed ? toFailure(e) : toResult(this.last));
  }

  private guard(f: () => void): void {
    if (this.decided) return;
    try {
      f();
    } catch (e) {
      reportLater(e);
    }
  }

  private settle(o: RequestOutcome): void {
    if (this.decided) return;
    this.decided = true;
    this.handler = undefined;
    this.ctx.settle();
    // the entry goes before the outcome leaves: a cancel that races it now finds 'finished'
    this.init.manager.complete(this.init.key);
    this.deliver(o);
    this.finish(false);
  }

  private emit(reason: CancelReason): void {
    this.ctx.settle();
    this.init.manager.complete(this.init.key);
    this.deliver({ type: 'cancelled', reason });
    this.finish(false);
  }

  // as a SafeSubscriber does: a consumer that throws is reported, and the request still ends
  private deliver(o: RequestOutcome): void {
    try {
      this.observer.next(o);
    } catch (e) {
      reportLater(e);
    }
  }

  private stopHandler(): void {
    const h = this.handler;
    this.handler = undefined;
    h?.unsubscribe();
  }

  /** finalize: after the outcome, or with none when torn down. Runs once. */
  private finish(tornDown: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (this.listening) {
      this.listening = false;
      this.init.manager.unlisten(this.init.key, this);
    }
    if (!tornDown) {
      try {
        this.observer.complete();
      } catch (e) {
        reportLater(e);
      }
    }
    this.init.manager.complete(this.init.key);
    // unsubscribed with no outcome (transport gone, outgoing$ unsubscribed): stop the work too
    if (this.ctx.settle()) this.ctx.abort({ source: 'close' });
    this.ctx.close();
  }
}

/**
 * Start one registered request, reporting its one outcome to `observer`: what {@link runRequest}
 * does for each subscription, without an Observable around it (the serving side calls it per
 * request). Returns the handle that stops it.
 */
export const startRequest = (init: RunRequestInit, observer: RequestObserver): RunningRequest => {
  const run = new Run(init, observer);
  run.start();
  return run;
};

/**
 * The seed's RequestHandler: runs one registered request and emits its one outcome.
 *
 * `defer(handler)` joined with `takeUntil(manager.cancelled(key))`, and `finalize` for the
 * cleanups. The cancellations are listened to first, so a cancel that came before the
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
  new Observable<RequestOutcome>((subscriber) => {
    const run = startRequest(init, {
      next: (o) => subscriber.next(o),
      complete: () => subscriber.complete(),
    });
    return () => run.unsubscribe();
  });
