import { expect } from 'chai';
import { NEVER, Subject, interval, map, take } from 'rxjs';
import { serve, type PeerEvent } from '../../lib/index.js';
import { drive, ofType, req } from '../helpers.js';

describe('the connection core', () => {
  describe('dispatch', () => {
    it('should route other notifications to their handlers and survive one that throws', () => {
      const seen: unknown[] = [];
      const d = drive({ notifications: { 'notifications/a': (p) => seen.push(p), 'notifications/b': () => { throw new Error('x'); } } });
      d.incoming.next({ jsonrpc: '2.0', method: 'notifications/a', params: { n: 1 } });
      d.incoming.next({ jsonrpc: '2.0', method: 'notifications/b' });
      d.incoming.next({ jsonrpc: '2.0', method: 'notifications/c' });
      expect(seen).to.deep.equal([{ n: 1 }]);
      expect(ofType(d.events, 'notification-failed')).to.have.length(1);
      expect(d.out).to.deep.equal([]);
    });
  });

  describe('connection close', () => {
    it('should cancel every request with source close, run each cleanup once and complete outgoing$', () => {
      let cleaned = 0;
      const reasons: unknown[] = [];
      const d = drive({
        handlers: {
          job: (_p, ctx) => {
            ctx.onCleanup(() => void cleaned++);
            ctx.cancelled$.subscribe((r) => reasons.push(r));
            return interval(1000).pipe(take(1), map(() => ({})));
          },
        },
      });
      for (let i = 0; i < 3; i++) d.incoming.next(req(i, 'job'));
      d.incoming.complete();
      expect(cleaned).to.equal(3);
      expect(reasons).to.deep.equal([{ source: 'close' }, { source: 'close' }, { source: 'close' }]);
      expect(d.out).to.deep.equal([]);
      expect(d.done.completed).to.equal(true);
      expect(d.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });

    it('should treat an erroring incoming$ as a close, not an error', () => {
      const incoming = new Subject<unknown>();
      let cleaned = 0;
      const out: unknown[] = [];
      let completed = false;
      incoming.pipe(serve({ job: (_p, ctx) => (ctx.onCleanup(() => void cleaned++), NEVER) })).subscribe({ next: (x) => out.push(x), complete: () => (completed = true) });
      incoming.next(req(1, 'job'));
      incoming.error(new Error('pipe broke'));
      expect([cleaned, completed, out.length]).to.deep.equal([1, true, 0]);
    });

    it('should report the close as createPeer does: one connection-closed event, with the error that ended the source', () => {
      // serve and createPeer open the same connection core; serve used to end in silence
      const incoming = new Subject<unknown>();
      const events: PeerEvent[] = [];
      incoming.pipe(serve({}, { events: (e) => events.push(e) })).subscribe();
      incoming.error(new Error('pipe broke'));
      const closed = events.filter((e) => e.type === 'connection-closed');
      expect(closed).to.have.length(1);
      expect(closed[0]?.type === 'connection-closed' && closed[0].error?.error).to.equal('transport_error');
      expect(closed[0]?.type === 'connection-closed' && closed[0].error?.message).to.equal('pipe broke');
    });

    it('should run cleanups once when outgoing$ is unsubscribed', () => {
      let cleaned = 0;
      const incoming = new Subject<unknown>();
      const sub = incoming.pipe(serve({ job: (_p, ctx) => (ctx.onCleanup(() => void cleaned++), NEVER) })).subscribe();
      incoming.next(req(1, 'job'));
      sub.unsubscribe();
      sub.unsubscribe();
      expect(cleaned).to.equal(1);
    });
  });
});
