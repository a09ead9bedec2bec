import { expect } from 'chai';
import { NEVER, Subject, of } from 'rxjs';
import { CancellationManager, createPeer, serve, type Handler } from '../../lib/index.js';
import { streamableHttp } from '../../lib/http.js';
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

  describe('the handler maps and incoming$', () => {
    // a value of the wrong type, as plain JavaScript (or a cast) would pass it
    const notAFunction = 5 as unknown as Handler;

    it('should refuse a handler that is not a function with a TypeError naming its method, in createPeer and serve', () => {
      expect(() => createPeer(new Subject(), { handlers: { a: notAFunction } })).to.throw(TypeError, /^handlers\["a"\] must be a function \(the request handler of method "a"\), got number$/);
      // where the map is given, not when the operator is piped or subscribed
      expect(() => serve({ 'tools/call': () => of({}), a: notAFunction })).to.throw(TypeError, /handlers\["a"\] must be a function/);
      expect(() => streamableHttp({ handlers: { a: notAFunction } })).to.throw(TypeError, /handlers\["a"\] must be a function/);
    });

    it('should refuse a notification handler that is not a function with a TypeError naming its method', () => {
      const notifications = { 'notifications/initialized': 'yes' as unknown as (p: unknown) => void };
      expect(() => createPeer(new Subject(), { notifications })).to.throw(TypeError, /^notifications\["notifications\/initialized"\] must be a function \(the notification handler of method "notifications\/initialized"\), got string$/);
      expect(() => serve({}, { notifications })).to.throw(TypeError, /notifications\["notifications\/initialized"\]/);
    });

    it('should refuse a handler map that is not an object', () => {
      expect(() => createPeer(new Subject(), { handlers: [] as unknown as Record<string, Handler> })).to.throw(TypeError, /^handlers must be an object mapping each method to a function, got an array$/);
      expect(() => serve(null as unknown as Record<string, Handler>)).to.throw(TypeError, /got null/);
    });

    it('should take an undefined member as no handler: the method is not found', () => {
      const d = drive({ handlers: { a: undefined as unknown as Handler } });
      d.incoming.next(req(0, 'a'));
      expect(d.out).to.deep.equal([{ jsonrpc: '2.0', id: 0, error: { code: -32601, message: 'Method not found: a' } }]);
    });

    it('should refuse an incoming$ that is not an Observable with a TypeError at construction', () => {
      for (const bad of [[req(0, 'a')], Promise.resolve(), undefined, null])
        expect(() => createPeer(bad as never)).to.throw(TypeError, /^createPeer: incoming\$ must be an Observable, got (object|undefined|null) \(wrap other sources with rxjs from\(\)\)$/);
    });
  });
});
