import { expect } from 'chai';
import { NEVER } from 'rxjs';
import { RateLimiter, take } from '../../lib/security/rate-limit.js';
import { cancel, drive, ofType } from '../helpers.js';

describe('rate limit', () => {
  describe('token bucket (pure)', () => {
    it('should start full, spend one token per take and refill with time up to burst', () => {
      let r = take(undefined, 0, 10, 2);
      expect(r).to.deep.equal({ ok: true, bucket: { tokens: 1, at: 0 } });
      r = take(r.bucket, 0, 10, 2);
      expect(r.ok).to.equal(true);
      r = take(r.bucket, 0, 10, 2);
      expect(r.ok).to.equal(false);
      r = take(r.bucket, 100, 10, 2); // 100 ms at 10/s: one token back
      expect(r.ok).to.equal(true);
      r = take(r.bucket, 100_000, 10, 2);
      expect(r.bucket.tokens).to.equal(1); // capped at burst, minus the one taken
    });

    it('should keep the tokens it has when the clock goes backwards', () => {
      const r = take({ tokens: 1, at: 1000 }, 500, 10, 2);
      expect(r).to.deep.equal({ ok: true, bucket: { tokens: 0, at: 500 } });
    });

    it('should not refill when the clock goes backwards', () => {
      const r = take({ tokens: 0, at: 1000 }, 500, 10, 2);
      expect(r.ok).to.equal(false);
    });
  });

  describe('rate limiter memory', () => {
    it('should hold at most maxSenders buckets however many senders come and go', () => {
      const l = new RateLimiter(1, 5, 100);
      for (let i = 0; i < 10_000; i++) l.tryTake(`sender-${i}`, i);
      expect(l.size).to.be.at.most(100);
    });

    it('should forget a sender whose bucket refilled', () => {
      const l = new RateLimiter(1000, 2, 100);
      l.tryTake('a', 0);
      expect(l.size).to.equal(1);
      // 'a' refills within 2 ms; the next take by anyone forgets it
      l.tryTake('b', 10_000);
      expect(l.size).to.equal(1);
      // and 'b' is not forgotten while it has not refilled
      l.tryTake('c', 10_000);
      expect(l.size).to.equal(2);
    });

    it('should never hand a throttled sender a full bucket, however many fresh senders push it out', () => {
      const l = new RateLimiter(1, 3, 10);
      for (let i = 0; i < 3; i++) expect(l.tryTake('hostile', 0)).to.equal(true);
      expect(l.tryTake('hostile', 0)).to.equal(false);
      // a flood of fresh sender ids, far more than the table holds
      for (let i = 0; i < 1_000; i++) l.tryTake(`fresh-${i}`, 0);
      expect(l.size).to.be.at.most(10);
      // still throttled: the old code evicted its bucket and handed it a full one
      expect(l.tryTake('hostile', 0)).to.equal(false);
    });
  });

  describe('on a peer', () => {
    it('should refill rate limits on a monotonic clock: a wall-clock step back throttles no one', async () => {
      const { incoming, events } = drive({ handlers: { slow: () => NEVER }, security: { burst: 2, maxCancellationsPerSecond: 1_000 } });
      incoming.next(cancel(1));
      incoming.next(cancel(2));
      const realNow = Date.now;
      const stepped = realNow() - 3_600_000;
      Date.now = () => stepped;
      try {
        await new Promise((r) => setTimeout(r, 30));
        incoming.next(cancel(3));
      } finally {
        Date.now = realNow;
      }
      expect(ofType(events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['unknown', 'unknown', 'unknown']);
    });
  });
});
