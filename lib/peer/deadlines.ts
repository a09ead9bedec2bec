import type { SchedulerLike, Subscription } from 'rxjs';
import { ChurnMap } from '../manager/churn-map.js';
import { monotonicNow } from './clock.js';

// The requests that share one timeout duration, in deadline order: a Map keeps insertion order,
// and with one duration a later arm always means a later deadline, so the first entry is due first.
class Bucket<T> {
  readonly due = new ChurnMap<T, number>();
  action: Subscription | undefined = undefined;
  // firing: an arm from inside `fire` must not schedule; the run reschedules for the first due
  running = false;
}

/**
 * Timeouts for many requests on one scheduler action per distinct duration, instead of one
 * action and one timer per request: arming is a `Map.set`, disarming a `Map.delete`, and
 * nothing of a request outlives its disarm. Re-arming (progress with `resetTimeoutOnProgress`)
 * moves the request to the end of its bucket, which keeps the order.
 *
 * Timers run on the injected scheduler, so TestScheduler marbles see each timeout at its frame.
 * Deadlines are measured on {@link monotonicNow} of that scheduler, not on its `now()`: for
 * RxJS's real schedulers that is `Date.now()`, and a wall-clock step back would postpone every
 * timeout by the step (an NTP correction, a VM resume).
 *
 * @example
 * const idle = new Deadlines<Pending>(scheduler, (p, ms) => timeout(p, ms));
 * idle.arm(p, 60_000); // ... idle.disarm(p, 60_000) on the response
 */
export class Deadlines<T> {
  private readonly buckets = new Map<number, Bucket<T>>();
  private readonly now: () => number;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly fire: (item: T, ms: number) => void,
  ) {
    this.now = monotonicNow(scheduler);
  }

  /** (Re)start `item`'s timeout of `ms`. */
  arm(item: T, ms: number): void {
    let b = this.buckets.get(ms);
    if (b === undefined) {
      b = new Bucket<T>();
      this.buckets.set(ms, b);
    }
    // a re-arm goes to the end, where its later deadline belongs; a first arm (every request)
    // costs one lookup, not a delete that finds nothing and then a set
    const armed = b.due.size;
    const at = this.now() + ms;
    b.due.set(item, at);
    if (b.due.size === armed) {
      b.due.delete(item);
      b.due.set(item, at);
    }
    if (b.action === undefined && !b.running) b.action = this.scheduler.schedule(() => this.run(ms), ms);
  }

  /** Forget `item`'s timeout of `ms` (a no-op when it is not armed). */
  disarm(item: T, ms: number): void {
    const b = this.buckets.get(ms);
    if (b === undefined || !b.due.delete(item)) return;
    // the action may stay: when it runs early it finds nothing due and re-arms for the first
    if (b.due.size === 0) this.drop(ms, b);
  }

  /** How many timeouts are armed (for leak checks). */
  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.due.size;
    return n;
  }

  private run(ms: number): void {
    const b = this.buckets.get(ms);
    if (b === undefined) return;
    b.action = undefined;
    b.running = true;
    try {
      const now = this.now();
      // the items due, taken first: a fire may re-enter (an in-memory peer answers inside it)
      // and arm or disarm others, so each fires only if its deadline is still the one found due
      const due: T[] = [];
      const ats: number[] = [];
      for (const [item, at] of b.due) {
        if (at > now) break;
        due.push(item);
        ats.push(at);
      }
      for (let i = 0; i < due.length; i++) {
        const item = due[i] as T;
        if (b.due.get(item) !== ats[i]) continue;
        b.due.delete(item);
        this.fire(item, ms);
      }
    } finally {
      b.running = false;
    }
    if (b.due.size === 0) return this.drop(ms, b);
    if (b.action === undefined && this.buckets.get(ms) === b) {
      const first = b.due.values().next();
      const wait = first.done === true ? 0 : Math.max(0, first.value - this.now());
      b.action = this.scheduler.schedule(() => this.run(ms), wait);
    }
  }

  private drop(ms: number, b: Bucket<T>): void {
    b.action?.unsubscribe();
    b.action = undefined;
    if (this.buckets.get(ms) === b) this.buckets.delete(ms);
  }
}
