import { Observable, config, from, type ObservableInput, type Observer, type Unsubscribable } from 'rxjs';
import type { JsonRpcError } from '../errors.js';
import type { CancellationManager, CancelWatcher } from '../manager/cancellation-manager.js';
import type { CancelReason } from '../manager/request-key.js';
import { Context, type ContextInit, type RequestContext } from './context.js';
import { NotAFunction, isInput, toFailure, toResult } from './handler-value.js';
import { Later, type Follower } from './later.js';
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

/** How far a run has gone: running, its outcome decided and sent, torn down (handler stopped, cleanups ran). */
const RUNNING = 0;
const ENDED = 1;
const CLOSED = 2;

/**
 * One request's run, and all its state: the last value seen, whether it ended, and what to
 * stop. It is the chain `defer(handler).pipe(untilCancelled(manager.cancelled(key)),
 * finalize(tornDown))` written out as one object: the manager tells it of the cancel directly
 * ({@link CancellationManager.watch}), a Promise handler is followed with `then`, and only an
 * Observable handler is subscribed. Its vocabulary is the context's: `end` (the outcome, once),
 * `abort` (the signal), `cleanUp`. One object per request where the chain held a dozen
 * Observables, Subscribers and closures (it matters at 100,000 in flight, and per round trip).
 *
 * The guarantees are the chain's: the cancellations are watched first, so a cancel that came
 * before the start means the handler never starts; whichever of the result and the cancel
 * reaches `end` first is the one outcome; then, and whenever it is unsubscribed, `tearDown`
 * runs once: the handler's subscription first (the signal has aborted by then), the manager's
 * entry, then every cleanup.
 */
class Run implements CancelWatcher, RunningRequest, Follower<unknown> {
  private last: unknown = undefined;
  private state: typeof RUNNING | typeof ENDED | typeof CLOSED = RUNNING;
  // the handler's subscription, when it returned something to subscribe to
  private work: Unsubscribable | undefined = undefined;

  constructor(
    private readonly init: RunRequestInit,
    private readonly ctx: Context,
    private readonly out: RequestObserver,
  ) {}

  /** Torn down: nothing more is done or told (also what the manager's entry reads). */
  get closed(): boolean {
    return this.state === CLOSED;
  }

  start(): void {
    // the notifier first: a cancel that came before means no start
    this.init.manager.watch(this.init.key, this);
    if (this.state !== RUNNING) return;
    let r: unknown;
    try {
      const { handler } = this.init;
      if (typeof handler !== 'function') throw new NotAFunction(this.init.method, handler === null ? 'null' : typeof handler);
      r = handler(this.init.params, this.ctx);
    } catch (e) {
      return this.failed(e);
    }
    // the handler ended its own request (cancelled it) before returning: its work is not taken
    if (this.state !== RUNNING) return;
    if (r instanceof Promise) {
      // what from(promise) does, without its Observable and Subscriber
      (r as Promise<unknown>).then(
        (v) => this.resolved(v),
        (e: unknown) => this.failed(e),
      );
      return;
    }
    if (r instanceof Later) {
      // a layer of ours (the MCP layer's tools) answering later: followed with no turn and no
      // Subscriber; held as the work first, so a cancel stops what is behind it before the cleanups
      this.work = r as Later<unknown>;
      (r as Later<unknown>).follow(this);
      return;
    }
    if (!isInput(r)) return this.resolved(r);
    let work: Unsubscribable;
    try {
      work = from(r).subscribe(new Work(this));
    } catch (e) {
      return this.failed(e);
    }
    // a synchronous handler may have ended inside subscribe(): keep no subscription of a finished request
    if (this.closed) work.unsubscribe();
    else this.work = work;
  }

  /** A value of the handler: the last before completion is the result. */
  value(v: unknown): void {
    if (this.state === RUNNING) this.last = v;
  }

  /** The handler completed: its last value is the result. */
  completed(): void {
    if (this.state === RUNNING) this.finish(toResult(this.last));
  }

  /** The handler resolved (a Promise, or a plain value): that is the result. */
  resolved(v: unknown): void {
    if (this.state === RUNNING) this.finish(toResult(v));
  }

  /** The handler threw, rejected or errored. */
  failed(e: unknown): void {
    if (this.state === RUNNING) this.finish(toFailure(e));
  }

  /**
   * The manager's entry: the cancel fired. The signal aborts before the work is torn down, and
   * the request ends before the abort: an abort listener that calls ctx.progress or ctx.notify
   * must send nothing for a request that was cancelled.
   */
  next(reason: CancelReason): void {
    if (this.state !== RUNNING) return;
    // ended before anything runs: what the handler does inside the end or the abort (its tied
    // requests ending, an abort listener completing its Observable) comes too late to be a result
    this.state = ENDED;
    this.ctx.end();
    this.ctx.abort(reason);
    this.finish({ type: 'cancelled', reason });
  }

  /** The manager's entry: the request ended otherwise (it is our own end that completed it). */
  complete(): void {
    // nothing to do: the end that completed the entry decided the outcome
  }

  /** Unsubscribed (the connection closed, outgoing$ unsubscribed): no outcome; the work is stopped. */
  unsubscribe(): void {
    this.tearDown();
  }

  /** The one end of a request, whichever way the race went: its outcome, once, then the teardown. */
  private finish(o: RequestOutcome): void {
    // before ctx.end(): ending the tied requests may make the handler emit, which is too late now
    this.state = ENDED;
    this.ctx.end();
    // the entry goes before the outcome leaves: a cancel that races it now finds 'finished'
    this.init.manager.complete(this.init.key);
    try {
      this.out.next(o);
      this.out.complete();
    } catch (e) {
      reportLater(e);
    }
    this.tearDown();
  }

  /** After the outcome, or with none when unsubscribed: runs once. */
  private tearDown(): void {
    if (this.state === CLOSED) return;
    const ended = this.state === ENDED;
    this.state = CLOSED;
    const work = this.work;
    this.work = undefined;
    try {
      work?.unsubscribe();
    } catch (e) {
      // the handler's own teardown threw: out of band, as RxJS reports it; the cleanups still run
      reportLater(e);
    }
    // an outcome completed the entry already
    if (!ended) this.init.manager.complete(this.init.key);
    // unsubscribed with no outcome (transport gone, outgoing$ unsubscribed): stop the work too
    if (this.ctx.end()) this.ctx.abort({ source: 'close' });
    this.ctx.cleanUp();
  }
}

/** What an Observable handler is subscribed with: its notifications, to its run. */
class Work implements Observer<unknown> {
  constructor(private readonly run: Run) {}

  next(v: unknown): void {
    this.run.value(v);
  }

  error(e: unknown): void {
    this.run.failed(e);
  }

  complete(): void {
    this.run.completed();
  }
}

/**
 * Start one registered request, reporting its one outcome to `observer`, and return what stops
 * it: {@link runRequest} without an Observable around it, for the serving side, which starts
 * one per request.
 */
export const startRequest = (init: RunRequestInit, observer: RequestObserver): RunningRequest => {
  const run = new Run(init, new Context(init), observer);
  run.start();
  return run;
};

/**
 * Runs one registered request and emits its one outcome (the chain `RequestHandler` and the peers run).
 *
 * What `defer(handler)` joined with `takeUntil(manager.cancelled(key))` and `finalize` for the
 * cleanups would do, as one object per request (see `Run`). It watches the
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
