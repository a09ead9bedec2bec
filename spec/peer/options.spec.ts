import { expect } from 'chai';
import { NEVER, Subject } from 'rxjs';
import { CancellationManager, createPeer, serve } from '../../lib/index.js';
import { drive, ofType, req } from '../helpers.js';

describe('connection options', () => {
  it('should scope a peer without a sessionId by a random UUID, so two instances sharing a bus never collide', () => {
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 2; i++) {
      const { incoming, events } = drive({ manager: new CancellationManager(), handlers: { slow: () => NEVER } });
      incoming.next(req(0, 'slow'));
      seen.add(ofType(events, 'request-received')[0]?.key.sessionId);
    }
    expect(seen.size).to.equal(2);
    for (const s of seen) expect(s).to.match(/^peer-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('should refuse a count option that is not a non-negative integer with a TypeError at construction', () => {
    // NaN used to disable the bound in silence: nothing is greater than NaN
    for (const bad of [Number.NaN, -1, 1.5]) {
      expect(() => createPeer(new Subject(), { maxInFlight: bad })).to.throw(TypeError, /maxInFlight/);
      expect(() => createPeer(new Subject(), { maxPendingRequests: bad })).to.throw(TypeError, /maxPendingRequests/);
      expect(() => new Subject().pipe(serve({}, { maxBatchSize: bad }))).to.throw(TypeError, /maxBatchSize/);
    }
    expect(() => createPeer(new Subject(), { maxInFlight: Number.POSITIVE_INFINITY, maxBatchSize: 0 })).to.not.throw();
  });
});
