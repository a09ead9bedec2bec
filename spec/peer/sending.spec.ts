import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import { NEVER, Subject, firstValueFrom } from 'rxjs';
import { setMaxListeners } from 'node:events';
import {
  ConnectionClosedError,
  InvalidResponseError,
  JsonRpcError,
  RequestCancelledError,
  RequestTimeoutError,
  createPeer,
} from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { afterFlush, cancel, cancelsOnWire, drive, flush, ofType, pair, progress, req, result, testScheduler, m } from '../helpers.js';

const timedOut = (ms: number) => `Request timed out after ${ms} ms`;

describe('request() (sending side)', () => {
  describe('timing (marbles)', () => {
    it('should send the request on subscribe and deliver the response without a cancel', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const incoming = hot('---r', m({ r: result(0, { ok: true }) }));
        const peer = createPeer(incoming, { timeoutMs: 5 });
        expectObservable(peer.outgoing$).toBe('a------', m({ a: req(0, 'tools/call', { name: 'x' }) }));
        expectObservable(peer.request('tools/call', { name: 'x' })).toBe('---(r|)', { r: { ok: true } });
      });
    });

    it('should cancel on the wire and error with RequestTimeoutError when the timeout wins', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const incoming = hot('-------r', m({ r: result(0) }));
        const peer = createPeer(incoming);
        const events: string[] = [];
        peer.events$.subscribe((e) => events.push(`${e.at}:${e.type}`));
        expectObservable(peer.outgoing$).toBe('a 4ms c', m({ a: req(0, 'slow'), c: cancel(0, timedOut(5)) }));
        expectObservable(peer.request('slow', undefined, { timeoutMs: 5 })).toBe('5ms #', undefined, new RequestTimeoutError(0, 5));
        afterFlush(() =>
          expect(events).to.deep.equal(['0:request-sent', '5:request-timeout', '5:cancel-sent', '7:late-response-dropped']),
        );
      });
    });

    it('should deliver a response that arrives in the frame of the timeout, before it, and send no cancel', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        // the hot response is scheduled before the timer, so in frame 5 it comes first
        const incoming = hot('-----r', m({ r: result(0, { v: 1 }) }));
        const peer = createPeer(incoming);
        expectObservable(peer.outgoing$).toBe('a-----', m({ a: req(0, 'x') }));
        expectObservable(peer.request('x', undefined, { timeoutMs: 5 })).toBe('-----(r|)', { r: { v: 1 } });
      });
    });

    it('should restart the idle timeout on progress when resetTimeoutOnProgress is set', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const incoming = hot('---p--q', m({ p: progress(0, 1), q: progress(0, 2) }));
        const peer = createPeer(incoming);
        // progress at 3 and 6 push the 5 ms timeout to 11
        expectObservable(peer.outgoing$).toBe('a 10ms c', m({
          a: req(0, 'slow', { _meta: { progressToken: 0 } }),
          c: cancel(0, timedOut(5)),
        }));
        expectObservable(peer.request('slow', undefined, { timeoutMs: 5, resetTimeoutOnProgress: true })).toBe('11ms #', undefined, new RequestTimeoutError(0, 5));
      });
    });

    it('should not restart the timeout on progress by default', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const incoming = hot('---p', m({ p: progress(0, 1) }));
        const peer = createPeer(incoming);
        const seen: number[] = [];
        expectObservable(peer.outgoing$).toBe('a 4ms c', m({ a: req(0, 'slow', { _meta: { progressToken: 0 } }), c: cancel(0, timedOut(5)) }));
        expectObservable(peer.request('slow', undefined, { timeoutMs: 5, onProgress: (p) => seen.push(p.progress) })).toBe('5ms #', undefined, new RequestTimeoutError(0, 5));
        afterFlush(() => expect(seen).to.deep.equal([1]));
      });
    });

    it('should enforce maxTotalTimeoutMs as a real deadline that progress cannot move (D5)', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const incoming = hot('--p--q--r--s--t', m({ p: progress(0, 1), q: progress(0, 2), r: progress(0, 3), s: progress(0, 4), t: progress(0, 5) }));
        const peer = createPeer(incoming);
        const kinds: string[] = [];
        peer.events$.subscribe((e) => e.type === 'request-timeout' && kinds.push(e.kind));
        expectObservable(peer.outgoing$).toBe('a 9ms c', m({
          a: req(0, 'slow', { _meta: { progressToken: 0 } }),
          c: cancel(0, `${timedOut(10)} (maxTotalTimeoutMs)`),
        }));
        expectObservable(peer.request('slow', undefined, { timeoutMs: 5, resetTimeoutOnProgress: true, maxTotalTimeoutMs: 10 })).toBe('10ms #', undefined, new RequestTimeoutError(0, 10));
        afterFlush(() => expect(kinds).to.deep.equal(['total']));
      });
    });

    it('should send exactly one cancel when the subscriber unsubscribes while in flight', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const incoming = hot('------r', m({ r: result(0) }));
        const peer = createPeer(incoming, { timeoutMs: 100 });
        expectObservable(peer.outgoing$).toBe('a--c----', m({ a: req(0, 'slow'), c: cancel(0, 'user left') }));
        expectObservable(peer.request('slow', undefined, { reason: 'user left' }), '^--!').toBe('-------');
      });
    });

    it('should send no cancel when unsubscribed after the response', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const incoming = hot('-r', m({ r: result(0) }));
        const peer = createPeer(incoming);
        expectObservable(peer.outgoing$).toBe('a-----', m({ a: req(0, 'x') }));
        expectObservable(peer.request('x'), '^---!').toBe('-(r|)', { r: {} });
      });
    });

    it('should never cancel initialize on the wire, on unsubscribe or on timeout (C4)', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const peer = createPeer(hot('-'));
        expectObservable(peer.outgoing$).toBe('(ab)------', m({ a: req(0, 'initialize'), b: req(1, 'initialize') }));
        expectObservable(peer.request('initialize'), '^--!').toBe('---');
        expectObservable(peer.request('initialize', undefined, { timeoutMs: 5 })).toBe('5ms #', undefined, new RequestTimeoutError(1, 5));
      });
    });

    it('should stamp events with the scheduler time', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const peer = createPeer(hot('--r', m({ r: result(0) })));
        const at: number[] = [];
        peer.events$.subscribe((e) => at.push(e.at));
        expectObservable(peer.outgoing$).toBe('a--', m({ a: req(0, 'x') }));
        expectObservable(peer.request('x')).toBe('--(r|)', { r: {} });
        afterFlush(() => expect(at).to.deep.equal([0, 2]));
      });
    });
  });

  describe('ids, responses and errors', () => {
    it('should use unique ids per peer, starting at 0', async () => {
      const d = drive();
      d.peer.request('a').subscribe();
      d.peer.request('b').subscribe();
      d.peer.request('c').subscribe();
      expect(d.out.map((x) => ('id' in x ? x.id : undefined))).to.deep.equal([0, 1, 2]);
    });

    it('should surface an error response as JsonRpcError with code, message and data', async () => {
      const d = drive();
      const p = firstValueFrom(d.peer.request('x'));
      d.incoming.next({ jsonrpc: '2.0', id: 0, error: { code: -32602, message: 'bad', data: { f: 1 } } });
      const e = await p.catch((x: unknown) => x);
      expect(e).to.be.instanceOf(JsonRpcError);
      expect(e).to.include({ code: -32602, message: 'bad' });
      expect((e as JsonRpcError).data).to.deep.equal({ f: 1 });
    });

    it('should not take a response with id "0" for request 0 (ids compare exactly)', () => {
      const d = drive();
      const got: unknown[] = [];
      d.peer.request('x').subscribe((r) => got.push(r));
      d.incoming.next(result('0', { wrong: true }));
      expect(got).to.deep.equal([]);
      expect(ofType(d.events, 'late-response-dropped').map((e) => e.key.requestId)).to.deep.equal(['0']);
      d.incoming.next(result(0, { right: true }));
      expect(got).to.deep.equal([{ right: true }]);
    });

    it('should drop a response that arrives after the cancel and report it (C7, not D7)', () => {
      const d = drive();
      const got: unknown[] = [];
      const sub = d.peer.request('x').subscribe({ next: (r) => got.push(r), error: (e) => got.push(e) });
      sub.unsubscribe();
      d.incoming.next(result(0));
      expect(got).to.deep.equal([]);
      expect(ofType(d.events, 'late-response-dropped')).to.have.length(1);
      expect(ofType(d.events, 'late-response-dropped')[0]?.why).to.equal('cancelled');
      expect(d.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });

    it('should pass progress to onProgress and survive an onProgress that throws', () => {
      const d = drive();
      const seen: unknown[] = [];
      d.peer.request('x', { a: 1, _meta: { keep: true } }, { onProgress: (p) => { seen.push(p); throw new Error('ui broke'); } }).subscribe((r) => seen.push(r));
      expect(d.out[0]).to.deep.equal(req(0, 'x', { a: 1, _meta: { keep: true, progressToken: 0 } }));
      d.incoming.next({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 0, progress: 1, total: 2, message: 'half' } });
      d.incoming.next(result(0, { done: true }));
      expect(seen).to.deep.equal([{ progress: 1, total: 2, message: 'half' }, { done: true }]);
      expect(ofType(d.events, 'callback-failed')).to.have.length(1);
    });

    it('should error pending requests with ConnectionClosedError when the connection closes, then refuse new ones', async () => {
      const d = drive();
      const pending = firstValueFrom(d.peer.request('x')).catch((e: unknown) => e);
      d.incoming.complete();
      expect(await pending).to.be.instanceOf(ConnectionClosedError).and.include({ code: -32000 });
      expect(await firstValueFrom(d.peer.request('y')).catch((e: unknown) => e)).to.be.instanceOf(ConnectionClosedError);
      expect(cancelsOnWire(d.out)).to.deep.equal([]);
      expect(d.done.completed).to.equal(true);
      expect(d.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });

    it('should cap pending requests at maxPendingRequests', async () => {
      const d = drive({ maxPendingRequests: 2 });
      d.peer.request('a').subscribe();
      d.peer.request('b').subscribe();
      const e = await firstValueFrom(d.peer.request('c')).catch((x: unknown) => x);
      expect(e).to.be.instanceOf(JsonRpcError);
      expect(d.out).to.have.length(2);
    });
  });

  describe('AbortSignal', () => {
    it('should send the cancel and error with RequestCancelledError (-32800), distinct from a timeout (D3)', async () => {
      const d = drive();
      const ac = new AbortController();
      const p = firstValueFrom(d.peer.request('x', {}, { signal: ac.signal })).catch((e: unknown) => e);
      ac.abort(new Error('stop it'));
      const e = await p;
      expect(e).to.be.instanceOf(RequestCancelledError).and.include({ code: -32800 });
      expect(e).not.to.be.instanceOf(RequestTimeoutError);
      expect(cancelsOnWire(d.out)).to.deep.equal([cancel(0, 'stop it')]);
    });

    it('should send nothing for a signal aborted before subscribing', async () => {
      const d = drive();
      const e = await firstValueFrom(d.peer.request('x', {}, { signal: AbortSignal.abort() })).catch((x: unknown) => x);
      expect(e).to.be.instanceOf(RequestCancelledError);
      expect(d.out).to.deep.equal([]);
    });

    it('should send no cancel when the signal aborts after the request completed (D2)', async () => {
      const d = drive();
      const ac = new AbortController();
      const p = firstValueFrom(d.peer.request('x', {}, { signal: ac.signal }));
      d.incoming.next(result(0));
      await p;
      ac.abort();
      expect(cancelsOnWire(d.out)).to.deep.equal([]);
      expect(getEventListeners(ac.signal, 'abort')).to.have.length(0);
    });

    it('should leave no listener on a signal shared by many requests once they end (D2)', () => {
      const d = drive();
      const ac = new AbortController();
      setMaxListeners(100, ac.signal);
      const subs = Array.from({ length: 50 }, (_, i) => d.peer.request(`m${i}`, {}, { signal: ac.signal }).subscribe({ error: () => undefined }));
      expect(getEventListeners(ac.signal, 'abort')).to.have.length(50);
      for (let i = 0; i < 25; i++) d.incoming.next(result(i));
      for (const s of subs.slice(25, 40)) s.unsubscribe();
      d.incoming.next({ jsonrpc: '2.0', id: 45, error: { code: -1, message: 'x' } });
      expect(getEventListeners(ac.signal, 'abort')).to.have.length(9);
      ac.abort();
      expect(getEventListeners(ac.signal, 'abort')).to.have.length(0);
      expect(d.peer.inFlight().sending).to.equal(0);
      // 15 unsubscribed + 9 aborted: one cancel each, none for the answered ones
      expect(cancelsOnWire(d.out)).to.have.length(24);
    });
  });

  describe('against a real serving peer', () => {
    it('should stop the server handler and run its cleanup when the client unsubscribes', async () => {
      let cleaned = 0;
      const p = pair({}, { handlers: { slow: (_x, ctx) => (ctx.onCleanup(() => void cleaned++), NEVER) } });
      const sub = p.client.request('slow').subscribe();
      sub.unsubscribe();
      await flush();
      expect(cleaned).to.equal(1);
      expect(ofType(p.serverEvents, 'request-cancelled').map((e) => e.reason.source)).to.deep.equal(['peer']);
      expect(p.wire.filter((x) => 'id' in x && !('method' in x))).to.deep.equal([]);
      expect(p.client.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
      expect(p.server.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });

    it('should cancel request id 0 on the server (D1: the official SDK ignores it)', async () => {
      let aborted = false;
      const p = pair({}, { handlers: { slow: (_x, ctx) => new Promise(() => ctx.signal.addEventListener('abort', () => (aborted = true))) } });
      const sub = p.client.request('slow').subscribe();
      expect(p.wire[0]).to.deep.include({ id: 0 });
      sub.unsubscribe();
      await flush();
      expect(aborted).to.equal(true);
      expect(p.server.inFlight().serving).to.equal(0);
    });

    it('should answer many concurrent requests, each with its own result', async () => {
      const p = pair({}, { handlers: { echo: (x) => Promise.resolve({ x }) } });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => firstValueFrom(p.client.request('echo', { i }))));
      expect(results.map((r) => (r as { x: { i: number } }).x.i)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
    });
  });

  describe('an abort while the request is being sent', () => {
    it('should see an abort from a request-sent listener: nothing written, RequestCancelledError', () => {
      const d = drive();
      const ac = new AbortController();
      d.peer.events$.subscribe((e) => e.type === 'request-sent' && ac.abort('changed my mind'));
      let error: unknown;
      d.peer.request('tools/call', {}, { signal: ac.signal, timeoutMs: 60_000 }).subscribe({ error: (e: unknown) => (error = e) });
      expect(error).to.be.instanceOf(RequestCancelledError);
      expect(d.out).to.deep.equal([]);
      expect(d.peer.inFlight().sending).to.equal(0);
      expect(getEventListeners(ac.signal, 'abort')).to.have.length(0);
    });

    it('should see an abort from inside write() (an in-memory peer): the cancel follows the request, RequestCancelledError', () => {
      const incoming = new Subject<unknown>();
      const peer = createPeer(incoming);
      const ac = new AbortController();
      const out: JsonRpcMessage[] = [];
      peer.outgoing$.subscribe((x) => {
        out.push(x);
        if ('id' in x && 'method' in x) ac.abort('aborted while writing');
      });
      let error: unknown;
      peer.request('tools/call', {}, { signal: ac.signal }).subscribe({ error: (e: unknown) => (error = e) });
      expect(error).to.be.instanceOf(RequestCancelledError);
      expect(out).to.deep.equal([req(0, 'tools/call', {}), cancel(0, 'aborted while writing')]);
      expect(peer.inFlight().sending).to.equal(0);
      incoming.complete();
    });

    it('should deliver a response given inside write() and leave no listener on the signal', () => {
      const incoming = new Subject<unknown>();
      const peer = createPeer(incoming);
      const ac = new AbortController();
      peer.outgoing$.subscribe((x) => 'id' in x && 'method' in x && incoming.next(result(x.id, { fast: true })));
      const got: unknown[] = [];
      peer.request('x', {}, { signal: ac.signal }).subscribe((r) => got.push(r));
      expect(got).to.deep.equal([{ fast: true }]);
      expect(getEventListeners(ac.signal, 'abort')).to.have.length(0);
      incoming.complete();
    });
  });

  describe('nothing after the end', () => {
    it('should send one cancel and emit nothing more when a request-timeout listener aborts the signal', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const peer = createPeer(hot('-'));
        const ac = new AbortController();
        const trail: string[] = [];
        peer.events$.subscribe((e) => {
          trail.push(e.type);
          if (e.type === 'request-timeout') ac.abort('late');
        });
        expectObservable(peer.outgoing$).toBe('a 4ms c', m({ a: req(0, 'slow'), c: cancel(0, 'late') }));
        expectObservable(peer.request('slow', undefined, { timeoutMs: 5, signal: ac.signal })).toBe('5ms #', undefined, new RequestCancelledError(0, 'late'));
        afterFlush(() => expect(trail).to.deep.equal(['request-sent', 'request-timeout', 'cancel-sent']));
      });
    });

    it('should stop a real server handler once, when the caller aborts inside the server write path', async () => {
      const ac = new AbortController();
      const p = pair({}, { handlers: { slow: () => (ac.abort('now'), NEVER) } });
      let error: unknown;
      p.client.request('slow', {}, { signal: ac.signal }).subscribe({ error: (e: unknown) => (error = e) });
      expect(error).to.be.instanceOf(RequestCancelledError);
      expect(cancelsOnWire(p.wire)).to.have.length(1);
      expect(ofType(p.clientEvents, 'cancel-sent')).to.have.length(1);
      expect(p.client.inFlight().sending).to.equal(0);
    });
  });

  describe('an invalid response to a pending request', () => {
    const both = { jsonrpc: '2.0', id: 0, result: {}, error: { code: -32603, message: 'and also failed' } };

    it('should error at once with InvalidResponseError on a response with both result and error, and send no cancel', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        const peer = createPeer(hot('--r', { r: both }));
        const trail: string[] = [];
        peer.events$.subscribe((e) => trail.push(e.type));
        // the 5 ms timeout passes with nothing: the request ended at 2, answered (badly)
        expectObservable(peer.outgoing$).toBe('a-------', m({ a: req(0, 'tools/call') }));
        expectObservable(peer.request('tools/call', undefined, { timeoutMs: 5 })).toBe(
          '--#',
          undefined,
          new InvalidResponseError(0, ['Invalid response: it has both result and error (JSON-RPC 2.0 §5: exactly one)']),
        );
        afterFlush(() => expect(trail).to.deep.equal(['request-sent', 'response-rejected']));
      });
    });

    it('should error at once with InvalidResponseError on a result that is not an object, with a response-rejected event naming it', () => {
      const d = drive();
      let error: unknown;
      d.peer.request('tools/call', {}, { timeoutMs: 60_000 }).subscribe({ error: (e: unknown) => (error = e) });
      d.incoming.next({ jsonrpc: '2.0', id: 0, result: 42 });
      expect(error).to.be.instanceOf(InvalidResponseError).and.to.be.instanceOf(JsonRpcError).and.include({ code: -32801, requestId: 0 });
      expect((error as InvalidResponseError).errors.join()).to.match(/result/);
      const rejected = ofType(d.events, 'response-rejected');
      expect(rejected.map((e) => [e.key.requestId, e.method, e.error.error])).to.deep.equal([[0, 'tools/call', 'invalid_request']]);
      expect(ofType(d.events, 'message-rejected')).to.deep.equal([]);
      expect(cancelsOnWire(d.out)).to.deep.equal([]);
      expect(d.peer.inFlight().sending).to.equal(0);
    });

    it('should error at once on a malformed error response, and match the id exactly', () => {
      const d = drive();
      const errors: unknown[] = [];
      d.peer.request('a').subscribe({ error: (e: unknown) => errors.push(e) });
      d.peer.request('b').subscribe({ error: (e: unknown) => errors.push(e) });
      d.incoming.next({ jsonrpc: '2.0', id: '1', error: 'boom' });
      expect(errors).to.deep.equal([]);
      d.incoming.next({ jsonrpc: '2.0', id: 1, error: 'boom' });
      expect(errors).to.have.length(1);
      expect(errors[0]).to.be.instanceOf(InvalidResponseError).and.include({ requestId: 1 });
      expect(d.peer.inFlight().sending).to.equal(1);
    });

    it('should leave an invalid response naming no pending request to the serving half (message-rejected)', () => {
      const d = drive();
      d.peer.request('x').subscribe({ error: () => undefined });
      d.incoming.next({ jsonrpc: '2.0', id: 7, result: 'nope' });
      d.incoming.next({ jsonrpc: '2.0', id: null, result: 'nope' });
      expect(ofType(d.events, 'message-rejected')).to.have.length(2);
      expect(ofType(d.events, 'response-rejected')).to.deep.equal([]);
      expect(d.peer.inFlight().sending).to.equal(1);
    });
  });
});
