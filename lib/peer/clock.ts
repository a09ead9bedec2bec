import type { SchedulerLike } from 'rxjs';
// Both are under rxjs's `./internal/*` export and typed there; they are the very switches RxJS
// itself reads (every real scheduler's `now`, and TestScheduler.run's virtual time), resolved
// through the same export conditions as `rxjs`, so they are the same module instances.
import { dateTimestampProvider } from 'rxjs/internal/scheduler/dateTimestampProvider';
import { performanceTimestampProvider } from 'rxjs/internal/scheduler/performanceTimestampProvider';

/**
 * A clock for measuring durations (timeouts, rate windows) on `scheduler`, immune to steps of the
 * wall clock where it can be.
 *
 * RxJS's real schedulers (`asyncScheduler`, `asapScheduler`, `queueScheduler`,
 * `animationFrameScheduler`) read time from one shared provider that is `Date.now()`: when the
 * system clock steps (an NTP correction, a VM resumed, a user changing the time), every
 * deadline computed from it moves by the step, and a 50 ms timeout may wait an hour. For those
 * schedulers this returns RxJS's monotonic provider, `performance.now()`, instead. Inside
 * `TestScheduler.run` both providers are delegated to the TestScheduler, so the returned clock
 * reads virtual time there exactly as the scheduler does: marble tests keep working with the
 * default scheduler.
 *
 * Any other scheduler (a `TestScheduler` or `VirtualTimeScheduler` passed explicitly, your own)
 * keeps its own `now()`: its clock is its owner's choice, and its timers run on that clock.
 *
 * The values are milliseconds with an arbitrary origin (not an epoch time): only differences
 * between two readings of the same clock are meaningful. Do not use them as event timestamps.
 *
 * @example
 * const now = monotonicNow(options.scheduler ?? asyncScheduler);
 * const due = now() + timeoutMs;
 * // later, in the scheduled action:
 * if (now() >= due) expire();
 */
export function monotonicNow(scheduler: SchedulerLike): () => number {
  // the identity of `now` says whether the scheduler reads the shared wall-clock provider: the
  // real schedulers inherit it as is (Scheduler.now), and a delegate set later (run mode) is
  // honoured by both providers alike
  if (scheduler.now === dateTimestampProvider.now) return performanceTimestampProvider.now;
  return () => scheduler.now();
}
