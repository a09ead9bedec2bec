import { expect } from 'chai';
import { NEVER } from 'rxjs';
import { decideCancel, type CancelFacts } from '../../lib/security/cancel-decision.js';
import { cancel, drive, ofType, req } from '../helpers.js';

const facts = (over: Partial<CancelFacts> = {}): CancelFacts => ({
  sessionId: 'S',
  sender: 'S',
  admitted: true,
  mayCancel: () => true,
  cancellable: () => true,
  maxReasonLength: 4,
  ...over,
});

describe('decideCancel', () => {
  describe('the pure decision', () => {
    it('should allow a well-formed cancel, keyed in the session, with its reason cut', () => {
      expect(decideCancel({ kind: 'params', params: { requestId: 1, reason: 'because' } }, facts())).to.deep.equal({
        allowed: true, key: { sessionId: 'S', requestId: 1 }, reason: 'beca', truncated: true,
      });
    });

    it('should decide rate first: a rate-limited cancel names the key it could read, valid or not', () => {
      const limited = facts({ admitted: false, mayCancel: () => false });
      expect(decideCancel({ kind: 'params', params: { requestId: 1, reason: 42 } }, limited)).to.deep.equal({ allowed: false, why: 'rate-limited', key: { sessionId: 'S', requestId: 1 } });
      expect(decideCancel({ kind: 'params', params: { requestId: null } }, limited)).to.deep.equal({ allowed: false, why: 'rate-limited' });
      expect(decideCancel({ kind: 'malformed', errors: ['bad'] }, limited)).to.deep.equal({ allowed: false, why: 'rate-limited' });
    });

    it('should then refuse a bad shape, then ownership, then a request that is not cancellable', () => {
      expect(decideCancel({ kind: 'params', params: { requestId: 1, reason: 42 } }, facts({ mayCancel: () => false }))).to.include({ allowed: false, why: 'invalid' });
      expect(decideCancel({ kind: 'malformed', errors: ['bad'] }, facts())).to.include({ allowed: false, why: 'invalid' });
      expect(decideCancel({ kind: 'params', params: { requestId: 1, reason: 'because' } }, facts({ mayCancel: () => false, cancellable: () => false }))).to.deep.equal({
        allowed: false, why: 'not-allowed', key: { sessionId: 'S', requestId: 1 }, reason: 'beca',
      });
      expect(decideCancel({ kind: 'params', params: { requestId: 1 } }, facts({ cancellable: () => false }))).to.deep.equal({
        allowed: false, why: 'not-cancellable', key: { sessionId: 'S', requestId: 1 },
      });
    });
  });

  describe('on a peer', () => {
    it('should cut a long reason in every cancel-ignored event, not only in request-cancelled', () => {
      const long = 'r'.repeat(100_000);
      const { incoming, events } = drive({
        handlers: { initialize: () => NEVER, slow: () => NEVER },
        security: { canCancel: (_s, k) => k.requestId !== 2 },
      });
      incoming.next(req(1, 'initialize'));
      incoming.next(req(2, 'slow'));
      incoming.next(cancel(1, long));
      incoming.next(cancel(2, long));
      incoming.next(cancel(3, long));
      const ignored = ofType(events, 'cancel-ignored');
      expect(ignored.map((e) => e.why)).to.deep.equal(['not-cancellable', 'not-allowed', 'unknown']);
      for (const e of ignored) expect(e.reason).to.have.length(1_024);
    });

    it('should count malformed cancels against the rate too', () => {
      const d = drive({ handlers: { job: () => NEVER }, security: { burst: 1, maxCancellationsPerSecond: 0 } });
      d.incoming.next(req(1, 'job'));
      d.incoming.next(cancel({ bad: true }));
      d.incoming.next(cancel(1));
      expect(ofType(d.events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['invalid', 'rate-limited']);
      expect(d.peer.inFlight().serving).to.equal(1);
    });

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
