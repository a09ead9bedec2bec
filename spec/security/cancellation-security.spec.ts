import { expect } from 'chai';
import { NEVER, Subject, timer, map } from 'rxjs';
import { CancellationManager, CancellationSecurity, SECURITY_DEFAULTS, DEFAULT_MAX_IN_FLIGHT } from '../../lib/index.js';
import { RateLimiter, take } from '../../lib/security/rate-limit.js';
import { limitReason } from '../../lib/security/reason.js';
import { cancel, drive, ofType, req, responsesOnWire } from '../helpers.js';

describe('CancellationSecurity', () => {
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

  describe('defaults', () => {
    it('should let a client cancel everything it may have in flight at once (burst covers maxInFlight)', () => {
      expect(SECURITY_DEFAULTS.burst).to.be.at.least(DEFAULT_MAX_IN_FLIGHT);
      const d = drive({ handlers: { job: () => NEVER } });
      for (let i = 0; i < DEFAULT_MAX_IN_FLIGHT; i++) d.incoming.next(req(i, 'job'));
      for (let i = 0; i < DEFAULT_MAX_IN_FLIGHT; i++) d.incoming.next(cancel(i));
      expect(d.peer.inFlight().serving).to.equal(0);
      expect(ofType(d.events, 'cancel-ignored')).to.deep.equal([]);
    });

    it('should cut reasons at 1,024 characters by default, without splitting a surrogate pair', () => {
      expect(SECURITY_DEFAULTS.maxReasonLength).to.equal(1024);
      expect(limitReason('ab😀', 3)).to.deep.equal({ reason: 'ab', truncated: true });
      expect(limitReason('abc', 3)).to.deep.equal({ reason: 'abc', truncated: false });
    });
  });

  describe('ownership', () => {
    it('should let a sender cancel only requests of its own session', () => {
      const s = new CancellationSecurity();
      expect(s.canCancel('A', { sessionId: 'A', requestId: 1 })).to.equal(true);
      expect(s.canCancel('B', { sessionId: 'A', requestId: 1 })).to.equal(false);
    });

    it('should let the policy hook narrow the default but never widen it', () => {
      const s = new CancellationSecurity({ canCancel: (sender, key) => sender === 'B' || key.requestId !== 'protected' });
      expect(s.canCancel('A', { sessionId: 'A', requestId: 'protected' })).to.equal(false); // narrowed
      expect(s.canCancel('B', { sessionId: 'A', requestId: 1 })).to.equal(false); // not widened
      const throwing = new CancellationSecurity({ canCancel: () => { throw new Error('policy bug'); } });
      expect(throwing.canCancel('A', { sessionId: 'A', requestId: 1 })).to.equal(false);
    });

    it('should report a cancel refused by the policy as not-allowed, and the request runs on', () => {
      const d = drive({ handlers: { job: () => NEVER }, sessionId: 'A', security: { canCancel: () => false } });
      d.incoming.next(req(1, 'job'));
      d.incoming.next(cancel(1));
      expect(d.peer.inFlight().serving).to.equal(1);
      expect(ofType(d.events, 'cancel-ignored').map((e) => [e.why, e.sender, e.key?.requestId])).to.deep.equal([['not-allowed', 'A', 1]]);
    });

    it('should accept a ready CancellationSecurity instance shared by several peers', () => {
      const security = new CancellationSecurity({ burst: 1, maxCancellationsPerSecond: 0 });
      const a = drive({ handlers: { job: () => NEVER }, sessionId: 'A', security });
      const b = drive({ handlers: { job: () => NEVER }, sessionId: 'B', security });
      a.incoming.next(req(1, 'job'));
      b.incoming.next(req(1, 'job'));
      a.incoming.next(cancel(1));
      a.incoming.next(cancel(1));
      b.incoming.next(cancel(1));
      expect(ofType(a.events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['rate-limited']);
      expect(b.peer.inFlight().serving).to.equal(0); // B has its own bucket
    });
  });

  describe('flood', () => {
    it('should absorb 100,000 cancellations from one sender while another session completes all its requests', async () => {
      const manager = new CancellationManager();
      const flooder = drive({ handlers: { job: () => NEVER }, manager, sessionId: 'flooder' });
      const worker = drive({ handlers: { job: (p) => timer(1).pipe(map(() => ({ p }))) }, manager, sessionId: 'worker' });
      flooder.incoming.next(req(1, 'job'));
      for (let i = 0; i < 50; i++) worker.incoming.next(req(i, 'job'));
      for (let i = 0; i < 100_000; i++) flooder.incoming.next(cancel(i % 3 === 0 ? 1 : i + 1000, 'x'.repeat(i % 5)));
      await new Promise((r) => setTimeout(r, 30));
      expect(responsesOnWire(worker.out)).to.have.length(50);
      const why = ofType(flooder.events, 'cancel-ignored').map((e) => e.why);
      expect(why.filter((w) => w === 'rate-limited').length).to.be.greaterThan(98_000);
      expect(ofType(worker.events, 'cancel-ignored')).to.deep.equal([]);
      // the flooder's first cancel for request 1 was within its burst: its own request did end
      expect(flooder.peer.inFlight().serving).to.equal(0);
      expect(manager.size).to.equal(0);
    });

    it('should let a rate-limited sender\'s requests run on and complete', () => {
      const work = new Subject<unknown>();
      const d = drive({ handlers: { job: () => work }, security: { burst: 2, maxCancellationsPerSecond: 0 } });
      d.incoming.next(req(1, 'job'));
      d.incoming.next(cancel(99));
      d.incoming.next(cancel(98));
      d.incoming.next(cancel(1)); // over the limit: ignored
      work.next({ done: true });
      work.complete();
      expect(responsesOnWire(d.out)).to.deep.equal([{ jsonrpc: '2.0', id: 1, result: { done: true } }]);
      expect(ofType(d.events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['unknown', 'unknown', 'rate-limited']);
    });

    it('should count malformed cancels against the rate too', () => {
      const d = drive({ handlers: { job: () => NEVER }, security: { burst: 1, maxCancellationsPerSecond: 0 } });
      d.incoming.next(req(1, 'job'));
      d.incoming.next(cancel({ bad: true }));
      d.incoming.next(cancel(1));
      expect(ofType(d.events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['invalid', 'rate-limited']);
      expect(d.peer.inFlight().serving).to.equal(1);
    });
  });

  describe('audit trail', () => {
    it('should report every decision with key, sender and time', () => {
      const d = drive({ handlers: { job: () => NEVER, init: () => NEVER }, sessionId: 'S', security: { maxReasonLength: 3 } });
      d.incoming.next(req(1, 'job'));
      d.incoming.next(cancel(1, 'because'));
      d.incoming.next(cancel(1));
      d.incoming.next(cancel(2));
      d.incoming.next(cancel(true));
      d.incoming.next({ jsonrpc: '2.0', id: 3, method: 5 });
      const trail = d.events
        .filter((e) => e.type !== 'request-received')
        .map((e) => [e.type, 'why' in e ? e.why : undefined, 'key' in e ? e.key?.requestId : undefined, 'sender' in e ? e.sender : undefined, typeof e.at]);
      expect(trail).to.deep.equal([
        ['request-cancelled', undefined, 1, 'S', 'number'],
        ['cancel-ignored', 'finished', 1, 'S', 'number'],
        ['cancel-ignored', 'unknown', 2, 'S', 'number'],
        ['cancel-ignored', 'invalid', undefined, 'S', 'number'],
        ['message-rejected', undefined, undefined, 'S', 'number'],
      ]);
      const cancelled = ofType(d.events, 'request-cancelled')[0];
      expect([cancelled?.reason.reason, cancelled?.reasonTruncated]).to.deep.equal(['bec', true]);
    });
  });
});
