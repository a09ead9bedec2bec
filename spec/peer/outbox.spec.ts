import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import { Subject, asyncScheduler, type Subscription } from 'rxjs';
import { RequestCancelledError, RequestTimeoutError, createPeer } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { Era } from '../../lib/peer/era.js';
import { SendingHalf } from '../../lib/peer/sending.js';
import { Outbox } from '../../lib/peer/outbox.js';
import { SENT, type Pending } from '../../lib/peer/pending.js';
import { cancel, drive, m, req, result, testScheduler } from '../helpers.js';

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
        expectObservable(peer.request('slow', undefined, { timeoutMs: 5 })).toBe('5ms #', undefined, RequestTimeoutError.unsent(0, 5));
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
      expect((sender as unknown as { sent: { outbox: { backlog: unknown[] } } }).sent.outbox.backlog.length).to.be.below(300);
      const out: JsonRpcMessage[] = [];
      sender.attach((x) => out.push(x));
      expect(out).to.deep.equal(Array.from({ length: 100 }, (_, k) => req(k * 100, `m${k * 100}`)));
      sender.close();
      expect(live.every((s) => s.closed)).to.equal(true);
    });
  });
});

describe('a peer whose outgoing$ nobody subscribed', () => {
  it('should say request-queued at once, never request-sent, and time out with a RequestTimeoutError that says it was never sent', () => {
    testScheduler().run(({ hot, expectObservable, flush }) => {
      const peer = createPeer(hot('-'));
      const trail: string[] = [];
      peer.events$.subscribe((e) => trail.push(`${e.at}:${e.type}${e.type === 'request-queued' ? `:${e.why}` : ''}`));
      // the connection comes up at frame 10, after the 5 ms timeout: neither the request nor a cancel is written
      expectObservable(peer.outgoing$, '10ms ^').toBe('-');
      // subscribed when the run flushes, so after 'other' below: id 1
      expectObservable(peer.request('slow', undefined, { timeoutMs: 5 })).toBe('5ms #', undefined, RequestTimeoutError.unsent(1, 5));
      let error: unknown;
      peer.request('other', undefined, { timeoutMs: 5 }).subscribe({ error: (e: unknown) => (error = e) });
      flush();
      expect(trail).to.deep.equal(['0:request-queued:no-subscriber', '0:request-queued:no-subscriber', '5:request-timeout', '5:request-timeout']);
      // the same class as any timeout, so existing instanceof checks still catch it
      expect(error).to.be.instanceOf(RequestTimeoutError);
      expect(error).to.include({ sent: false, code: -32001 });
      expect((error as Error).message).to.match(/without being sent: nobody subscribed the peer's outgoing\$/);
    });
  });

  it('should write a queued request when outgoing$ is subscribed, and say request-sent then, before the requestMeta hook', () => {
    testScheduler().run(({ hot, expectObservable, flush }) => {
      const trail: string[] = [];
      const incoming = hot('-----r', m({ r: result(0, { ok: true }) }));
      const peer = createPeer(incoming, {
        requestMeta: () => {
          trail.push('hook');
          return undefined;
        },
      });
      peer.events$.subscribe((e) => trail.push(`${e.at}:${e.type}`));
      expectObservable(peer.request('x')).toBe('-----(r|)', { r: { ok: true } });
      expectObservable(peer.outgoing$, '---^').toBe('---a', m({ a: req(0, 'x') }));
      flush();
      expect(trail).to.deep.equal(['0:request-queued', '3:request-sent', 'hook', '5:response-received']);
    });
  });

  it('should say nothing more of a queued request that ended before outgoing$ was subscribed: no request-sent, no cancel', () => {
    const incoming = new Subject<unknown>();
    const peer = createPeer(incoming);
    const trail: string[] = [];
    peer.events$.subscribe((e) => trail.push(e.type));
    peer.request('gone').subscribe().unsubscribe();
    const out: JsonRpcMessage[] = [];
    peer.outgoing$.subscribe((x) => out.push(x));
    expect(trail).to.deep.equal(['request-queued']);
    expect(out).to.deep.equal([]);
    incoming.complete();
  });

  it('should say request-sent, and no request-queued, for a request made once outgoing$ is subscribed', () => {
    const d = drive();
    d.peer.request('x').subscribe();
    expect(d.events.map((e) => e.type)).to.deep.equal(['request-sent']);
    expect(d.out).to.deep.equal([req(0, 'x')]);
  });
});

describe('Outbox (the class)', () => {
  it('should mark a request SENT before it writes it, so an abort inside write() sends its cancel', () => {
    const p = { flags: 0 } as Pending;
    const outbox = new Outbox(() => true, () => undefined);
    const sentWhileWriting: number[] = [];
    outbox.attach(() => sentWhileWriting.push(p.flags & SENT));
    outbox.request(p, { jsonrpc: '2.0', id: 0, method: 'x' });
    expect(sentWhileWriting).to.deep.equal([SENT]);
  });

  it('should hand a live queued request to its flush when the connection comes up, and skip a dead one', () => {
    const live = { id: 0, flags: 0 } as Pending;
    const dead = { id: 1, flags: 0 } as Pending;
    const flushed: unknown[] = [];
    const outbox = new Outbox((p) => p === live, (q) => flushed.push(q.pending.id));
    outbox.queue({ pending: dead, params: undefined, message: { jsonrpc: '2.0', id: 1, method: 'x' } });
    outbox.queue({ pending: live, params: undefined, message: { jsonrpc: '2.0', id: 0, method: 'x' } });
    outbox.attach(() => undefined);
    expect(flushed).to.deep.equal([0]);
  });

  it('should hold nothing written after the close', () => {
    const outbox = new Outbox(() => false, () => undefined);
    outbox.close();
    outbox.write({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const out: JsonRpcMessage[] = [];
    outbox.attach((x) => out.push(x));
    expect(out).to.deep.equal([]);
  });
});
