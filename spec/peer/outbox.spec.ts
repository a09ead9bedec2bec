import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import { Subject, asyncScheduler, type Subscription } from 'rxjs';
import { RequestCancelledError, RequestTimeoutError, createPeer, type JsonRpcMessage } from '../../lib/index.js';
import { Era } from '../../lib/peer/era.js';
import { SendingHalf } from '../../lib/peer/sending.js';
import { Outbox } from '../../lib/peer/outbox.js';
import { SENT, type Pending } from '../../lib/peer/pending.js';
import { cancel, req, testScheduler } from '../helpers.js';

describe('Outbox (what is sent before the connection is up)', () => {
  it('should send the cancel of a request flushed from the backlog, once it is abandoned', () => {
    const incoming = new Subject<unknown>();
    const peer = createPeer(incoming);
    const sub = peer.request('slow').subscribe();
    const out: JsonRpcMessage[] = [];
    peer.outgoing$.subscribe((x) => out.push(x));
    sub.unsubscribe();
    expect(out).to.deep.equal([req(0, 'slow'), cancel(0)]);
    incoming.complete();
  });

  it('should send what was requested before outgoing$ was subscribed once it is', () => {
    const incoming = new Subject<unknown>();
    const peer = createPeer(incoming);
    peer.request('early').subscribe();
    peer.notify('notifications/initialized');
    const out: JsonRpcMessage[] = [];
    peer.outgoing$.subscribe((x) => out.push(x));
    expect(out).to.deep.equal([req(0, 'early'), { jsonrpc: '2.0', method: 'notifications/initialized' }]);
    incoming.complete();
  });

  describe('a request abandoned before outgoing$ is subscribed', () => {
    it('should never write a request unsubscribed before the connection, nor its cancel', () => {
      const incoming = new Subject<unknown>();
      const peer = createPeer(incoming);
      peer.request('tools/call', { name: 'rm' }).subscribe().unsubscribe();
      peer.request('kept').subscribe();
      peer.notify('notifications/initialized');
      const out: JsonRpcMessage[] = [];
      peer.outgoing$.subscribe((x) => out.push(x));
      expect(out).to.deep.equal([req(1, 'kept'), { jsonrpc: '2.0', method: 'notifications/initialized' }]);
      expect(peer.inFlight().sending).to.equal(1);
      incoming.complete();
    });

    it('should never write a request that timed out before the connection, and error it with RequestTimeoutError', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const peer = createPeer(hot('-'));
        // the connection comes up at frame 10, after the 5 ms timeout
        expectObservable(peer.outgoing$, '10ms ^').toBe('-');
        expectObservable(peer.request('slow', undefined, { timeoutMs: 5 })).toBe('5ms #', undefined, new RequestTimeoutError(0, 5));
      });
    });

    it('should never write a request whose signal aborted before the connection, and error it with RequestCancelledError', () => {
      const incoming = new Subject<unknown>();
      const peer = createPeer(incoming);
      const ac = new AbortController();
      let error: unknown;
      peer.request('tools/call', {}, { signal: ac.signal }).subscribe({ error: (e: unknown) => (error = e) });
      ac.abort('stop');
      expect(error).to.be.instanceOf(RequestCancelledError);
      const out: JsonRpcMessage[] = [];
      peer.outgoing$.subscribe((x) => out.push(x));
      expect(out).to.deep.equal([]);
      expect(getEventListeners(ac.signal, 'abort')).to.have.length(0);
      incoming.complete();
    });

    it('should drop abandoned requests from the backlog as they pile up, keeping the live ones in order', () => {
      const events = { enabled: () => false, emit: () => undefined };
      const sender = new SendingHalf({ era: new Era('auto', events), sessionId: undefined, scheduler: asyncScheduler, timeoutMs: 60_000, maxPending: 10_000, events });
      const live: Subscription[] = [];
      for (let i = 0; i < 10_000; i++) {
        const s = sender.request(`m${i}`, undefined).subscribe({ error: () => undefined });
        if (i % 100 === 0) live.push(s);
        else s.unsubscribe();
      }
      // the dead are dropped as they come: the backlog never holds much more than the live
      expect((sender as unknown as { outbox: { backlog: unknown[] } }).outbox.backlog.length).to.be.below(300);
      const out: JsonRpcMessage[] = [];
      sender.attach((x) => out.push(x));
      expect(out).to.deep.equal(Array.from({ length: 100 }, (_, k) => req(k * 100, `m${k * 100}`)));
      sender.close();
      expect(live.every((s) => s.closed)).to.equal(true);
    });
  });
});

describe('Outbox (the class)', () => {
  it('should mark a request SENT before it writes it, so an abort inside write() sends its cancel', () => {
    const p = { flags: 0 } as Pending;
    const outbox = new Outbox(() => p);
    const sentWhileWriting: number[] = [];
    outbox.attach(() => sentWhileWriting.push(p.flags & SENT));
    outbox.request(p, { jsonrpc: '2.0', id: 0, method: 'x' });
    expect(sentWhileWriting).to.deep.equal([SENT]);
  });

  it('should hold nothing written after the close', () => {
    const outbox = new Outbox(() => undefined);
    outbox.close();
    outbox.write({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const out: JsonRpcMessage[] = [];
    outbox.attach((x) => out.push(x));
    expect(out).to.deep.equal([]);
  });
});
