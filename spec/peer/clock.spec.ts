import { expect } from 'chai';
import { asyncScheduler, queueScheduler, type SchedulerLike } from 'rxjs';
import { monotonicNow } from '../../lib/peer/clock.js';
import { RequestTimeoutError } from '../../lib/index.js';
import { drive, testScheduler } from '../helpers.js';

const HOUR = 3_600_000;

/** Run `body` with `Date.now` one hour behind the real clock (and still ticking), restoring it after. */
const withClockSteppedBack = async (body: () => Promise<void>): Promise<void> => {
  const realNow = Date.now;
  const stepped = realNow() - HOUR;
  const from = performance.now();
  Date.now = () => stepped + (performance.now() - from);
  try {
    await body();
  } finally {
    Date.now = realNow;
  }
};

/** Wait until `check` holds or `ms` pass, on the monotonic clock (Date.now may be stubbed). */
const within = async (ms: number, check: () => boolean): Promise<boolean> => {
  const end = performance.now() + ms;
  while (!check() && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
  return check();
};

describe('monotonicNow', () => {
  it('should not follow a wall-clock step on the real schedulers', async () => {
    const now = monotonicNow(asyncScheduler);
    const before = now();
    await withClockSteppedBack(async () => {
      expect(asyncScheduler.now()).to.be.below(Date.now() + 1);
      expect(now() - before).to.be.within(0, 1_000);
    });
    expect(monotonicNow(queueScheduler)()).to.be.within(before, before + 1_000);
  });

  it('should read virtual time in TestScheduler.run mode with the default scheduler', () => {
    const ts = testScheduler();
    const seen: number[] = [];
    ts.run(({ flush }) => {
      const now = monotonicNow(asyncScheduler);
      seen.push(now());
      asyncScheduler.schedule(() => seen.push(now()), 7);
      flush();
    });
    expect(seen).to.deep.equal([0, 7]);
  });

  it('should read the own clock of an explicit TestScheduler or any other scheduler', () => {
    const ts = testScheduler();
    const now = monotonicNow(ts);
    ts.schedule(() => undefined, 12);
    ts.flush();
    expect(now()).to.equal(12);
    const custom: SchedulerLike = { now: () => 42, schedule: asyncScheduler.schedule.bind(asyncScheduler) };
    expect(monotonicNow(custom)()).to.equal(42);
  });
});

describe('request() timeouts and the wall clock', () => {
  it('should fire a 50 ms timeout on time when the wall clock steps back an hour after the send', async () => {
    const d = drive();
    let error: unknown;
    d.peer.request('slow', undefined, { timeoutMs: 50 }).subscribe({ error: (e: unknown) => (error = e) });
    await withClockSteppedBack(async () => {
      // generous: a correctness bound, not a speed test (RxJS timeout(50) fires at ~50 ms)
      expect(await within(1_000, () => error !== undefined), 'the timeout to fire within 1 s').to.equal(true);
    });
    expect(error).to.be.instanceOf(RequestTimeoutError);
    expect(d.peer.inFlight().sending).to.equal(0);
  });

  it('should keep virtual time with an explicit scheduler option outside run mode', () => {
    const ts = testScheduler();
    const d = drive({ scheduler: ts });
    const got: unknown[] = [];
    d.peer.request('slow', undefined, { timeoutMs: 5 }).subscribe({ error: (e: unknown) => got.push(`${ts.now()}:${(e as Error).name}`) });
    ts.flush();
    expect(got).to.deep.equal(['5:RequestTimeoutError']);
  });
});
