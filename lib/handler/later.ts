import { Observable, type Unsubscribable } from 'rxjs';

// One value to come, and the work behind it to stop: what a layer between the core and a Promise
// handler (the MCP layer's tools) gives instead of an Observable. A Promise's `then` would cost a
// microtask per layer; an Observable a Subscriber chain per layer. A Later settles its follower
// synchronously, so a tool whose run returns a Promise answers in as many turns as a raw handler.

/** Who follows a {@link Later}: told once, of its value or its failure. */
export interface Follower<T> {
  resolved(value: T): void;
  failed(error: unknown): void;
}

// the rare second follower and second stop, built apart: a closure in `follow` would make every
// call allocate the scope it captures, second reader or not
const both = <T>(first: Follower<T>, second: Follower<T>): Follower<T> => ({
  resolved: (v) => (first.resolved(v), second.resolved(v)),
  failed: (e) => (first.failed(e), second.failed(e)),
});
const bothStops = (first: Unsubscribable, second: Unsubscribable): Unsubscribable => ({
  unsubscribe: () => (first.unsubscribe(), second.unsubscribe()),
});

const PENDING = 0;
const RESOLVED = 1;
const FAILED = 2;
const STOPPED = 3;

/**
 * One value to come, settled once by whoever holds it (`resolve`, `reject`), and followed by one
 * reader at a time (`follow`; `then` for any other reader). `unsubscribe()` before it settles
 * stops the work behind it (`onUnsubscribe`) and drops its follower: the request's run treats it
 * as it treats a subscription, torn down before the cleanups.
 *
 * @example
 * const later = new Later<object>();
 * fetchResult().then((r) => later.resolve(r), (e: unknown) => later.reject(e));
 * return later; // from a handler: the core follows it without a Promise turn of its own
 */
export class Later<T> implements PromiseLike<T>, Unsubscribable {
  private state: typeof PENDING | typeof RESOLVED | typeof FAILED | typeof STOPPED = PENDING;
  private outcome: unknown = undefined;
  private follower: Follower<T> | undefined = undefined;
  private stop: Unsubscribable | undefined = undefined;

  /** A Later settled already: a validation failure, say, answered at once. */
  static of<T>(value: T): Later<T> {
    const l = new Later<T>();
    l.resolve(value);
    return l;
  }

  /** Still to settle: neither settled nor stopped. */
  get pending(): boolean {
    return this.state === PENDING;
  }

  resolve(value: T): void {
    if (this.state !== PENDING) return;
    this.state = RESOLVED;
    this.outcome = value;
    this.stop = undefined;
    const f = this.follower;
    this.follower = undefined;
    f?.resolved(value);
  }

  reject(error: unknown): void {
    if (this.state !== PENDING) return;
    this.state = FAILED;
    this.outcome = error;
    this.stop = undefined;
    const f = this.follower;
    this.follower = undefined;
    f?.failed(error);
  }

  /** Be told of its end: at once when it has settled, never when it was stopped. */
  follow(f: Follower<T>): void {
    if (this.state === RESOLVED) return f.resolved(this.outcome as T);
    if (this.state === FAILED) return f.failed(this.outcome);
    if (this.state === STOPPED) return;
    const before = this.follower;
    // a second reader (rare: `then` besides the core) is told after the first
    this.follower = before === undefined ? f : both(before, f);
  }

  /** What stops the work behind it; stopped at once when this was, dropped once it settled. */
  onUnsubscribe(work: Unsubscribable): void {
    if (this.state === STOPPED) return work.unsubscribe();
    if (this.state !== PENDING) return;
    const before = this.stop;
    this.stop = before === undefined ? work : bothStops(before, work);
  }

  /** Stop it: nothing is told after, and the work behind it is stopped (once). */
  unsubscribe(): void {
    if (this.state !== PENDING) return;
    this.state = STOPPED;
    this.follower = undefined;
    const stop = this.stop;
    this.stop = undefined;
    stop?.unsubscribe();
  }

  /**
   * Settle it with `f(x)`, or with what `f` threw: the one door through which a computed value
   * reaches a Later.
   */
  resolveWith<X>(f: (x: X) => T, x: X): void {
    let v: T;
    try {
      v = f(x);
    } catch (e) {
      return this.reject(e);
    }
    this.resolve(v);
  }

  /**
   * A Later of `f` of its value: `f`'s throw is its failure, and stopping it stops this one. One
   * object that is both the new Later and this one's follower, not a Promise: no turn is added.
   */
  map<R>(f: (value: T) => R): Later<R> {
    const next = new Mapped(f);
    next.onUnsubscribe(this);
    this.follow(next);
    return next;
  }

  /** For readers other than the core (`await`, rxjs `from`): a Promise of its value. */
  then<R1 = T, R2 = never>(onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null, onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null): Promise<R1 | R2> {
    return new Promise<T>((resolve, reject) => this.follow({ resolved: resolve, failed: reject })).then(onfulfilled, onrejected);
  }
}

/** What {@link Later.map} gives: a Later of `f` of what it follows. */
class Mapped<T, R> extends Later<R> implements Follower<T> {
  constructor(private readonly f: (value: T) => R) {
    super();
  }

  resolved(value: T): void {
    this.resolveWith(this.f, value);
  }

  failed(error: unknown): void {
    this.reject(error);
  }
}

/**
 * An answer as an Observable: a {@link Later}'s value then completion (its failure, an error;
 * unsubscribing stops it), or the Observable itself. For the rare paths that compose operators.
 *
 * @example
 * asObservable(answer).pipe(map(shape));
 */
export const asObservable = <T>(a: Observable<T> | Later<T>): Observable<T> =>
  a instanceof Later
    ? new Observable<T>((subscriber) => {
        a.follow({
          resolved: (v) => {
            subscriber.next(v);
            subscriber.complete();
          },
          failed: (e) => subscriber.error(e),
        });
        return a;
      })
    : a;
