import { expect } from 'chai';
import { of } from 'rxjs';
import type { CancelReason } from '../../lib/index.js';
import { untilCancelled } from '../../lib/handler/until-cancelled.js';
import { testScheduler } from '../helpers.js';

const stop: CancelReason = { source: 'peer', reason: 'stop' };

describe('untilCancelled', () => {
  it('should never subscribe to the source when the cancel comes first (the notifier is subscribed first)', () => {
    const reasons: CancelReason[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const work = cold('--r|');
      // a notifier that emits on subscribe, as manager.cancelled(key) does for a key cancelled already
      const cancelled = of(stop);
      expectObservable(work.pipe(untilCancelled(cancelled, (r) => reasons.push(r)))).toBe('|');
      expectSubscriptions(work.subscriptions).toBe([]);
    });
    expect(reasons).to.deep.equal([stop]);
  });

  it('should complete when the cancel fires, hand its reason down first and unsubscribe the source', () => {
    const seen: string[] = [];
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const work = cold('  -----r|');
      const cancelled = hot('--c', { c: stop });
      const listener = { cancel: (r: CancelReason) => seen.push(`cancel:${r.reason}`) };
      expectObservable(work.pipe(untilCancelled(cancelled, listener))).toBe('--|');
      expectSubscriptions(work.subscriptions).toBe('^-!');
      expectSubscriptions(cancelled.subscriptions).toBe('^-!');
    });
    expect(seen).to.deep.equal(['cancel:stop']);
  });

  it('should pass the source through and unsubscribe the notifier when the source ends first', () => {
    let told = 0;
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const work = cold('-a-r|');
      const cancelled = hot('------c', { c: stop });
      expectObservable(work.pipe(untilCancelled(cancelled, () => void told++))).toBe('-a-r|');
      expectSubscriptions(cancelled.subscriptions).toBe('^---!');
    });
    expect(told).to.equal(0);
  });
});
