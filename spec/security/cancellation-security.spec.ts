import { expect } from 'chai';
import { NEVER, Subject, timer, map } from 'rxjs';
import { CancellationManager, CancellationSecurity, SECURITY_DEFAULTS, DEFAULT_MAX_IN_FLIGHT } from '../../lib/index.js';
import { cancel, drive, ofType, req, responsesOnWire } from '../helpers.js';

describe('CancellationSecurity', () => {
  describe('defaults', () => {
    it('should let a client cancel everything it may have in flight at once (burst covers maxInFlight)', () => {
      expect(SECURITY_DEFAULTS.burst).to.be.at.least(DEFAULT_MAX_IN_FLIGHT);
      const d = drive({ handlers: { job: () => NEVER } });
      for (let i = 0; i < DEFAULT_MAX_IN_FLIGHT; i++) d.incoming.next(req(i, 'job'));
      for (let i = 0; i < DEFAULT_MAX_IN_FLIGHT; i++) d.incoming.next(cancel(i));
      expect(d.peer.inFlight().serving).to.equal(0);
      expect(ofType(d.events, 'cancel-ignored')).to.deep.equal([]);
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
  });
});
