import { expect } from 'chai';
import { RENEW_AFTER } from '../../lib/manager/churn-map.js';
import { Deadlines } from '../../lib/peer/deadlines.js';
import { testScheduler } from '../helpers.js';

describe('Deadlines', () => {
  it('should fire each armed item at its own deadline, on the scheduler', () => {
    const ts = testScheduler();
    const fired: string[] = [];
    ts.run(({ flush }) => {
      const d = new Deadlines<string>(ts, (item, ms) => fired.push(`${ts.now()}:${item}:${ms}`));
      d.arm('a', 5);
      ts.schedule(() => d.arm('b', 5), 2);
      ts.schedule(() => d.arm('c', 3), 1);
      flush();
    });
    expect(fired).to.deep.equal(['4:c:3', '5:a:5', '7:b:5']);
  });

  it('should fire nothing before its deadline, even one a frame away, and a re-armed item after those due before it', () => {
    const ts = testScheduler();
    const fired: string[] = [];
    ts.run(({ flush }) => {
      const d = new Deadlines<string>(ts, (item) => fired.push(`${ts.now()}:${item}`));
      d.arm('a', 5);
      ts.schedule(() => d.arm('b', 5), 1); // due at 6, one frame after a
      ts.schedule(() => d.arm('a', 5), 2); // re-armed: due at 7, now after b
      flush();
    });
    expect(fired).to.deep.equal(['6:b', '7:a']);
  });

  it('should move a re-armed item to its new deadline and forget a disarmed one', () => {
    const ts = testScheduler();
    const fired: string[] = [];
    ts.run(({ flush }) => {
      const d = new Deadlines<string>(ts, (item) => fired.push(`${ts.now()}:${item}`));
      d.arm('a', 5);
      d.arm('b', 5);
      ts.schedule(() => d.arm('a', 5), 3); // progress: a is due at 8 now
      ts.schedule(() => d.disarm('b', 5), 4);
      flush();
      expect(d.size).to.equal(0);
    });
    expect(fired).to.deep.equal(['8:a']);
  });

  it('should not delay other due items when fire arms a new one in the same bucket', () => {
    const ts = testScheduler();
    const fired: string[] = [];
    ts.run(({ flush }) => {
      const d = new Deadlines<string>(ts, (item) => {
        fired.push(`${ts.now()}:${item}`);
        if (item === 'a') d.arm('c', 10); // re-entrant, from inside fire
      });
      d.arm('a', 10);
      ts.schedule(() => d.arm('b', 10), 4);
      flush();
    });
    expect(fired).to.deep.equal(['10:a', '14:b', '20:c']);
  });

  it('should not fire an item that an earlier fire of the same run disarmed, however many that fire armed', () => {
    const ts = testScheduler();
    const fired: string[] = [];
    ts.run(({ flush }) => {
      const d = new Deadlines<string>(ts, (item) => {
        fired.push(`${ts.now()}:${item}`);
        if (item !== 'a') return;
        // enough arms to renew the bucket's map while the run goes over it
        for (let i = 0; i < 3 * RENEW_AFTER; i++) {
          d.arm(`later${i}`, 10);
          d.disarm(`later${i}`, 10);
        }
        d.disarm('b', 10);
      });
      d.arm('a', 10);
      d.arm('b', 10);
      flush();
      expect(d.size).to.equal(0);
    });
    expect(fired).to.deep.equal(['10:a']);
  });

  it('should hold nothing once every item is disarmed', () => {
    const ts = testScheduler();
    ts.run(() => {
      const d = new Deadlines<number>(ts, () => undefined);
      for (let i = 0; i < 1000; i++) d.arm(i, 100 + (i % 3));
      for (let i = 0; i < 1000; i++) d.disarm(i, 100 + (i % 3));
      expect(d.size).to.equal(0);
      expect((d as unknown as { buckets: Map<number, unknown> }).buckets.size).to.equal(0);
    });
  });
});
