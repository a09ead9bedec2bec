import { expect } from 'chai';
import { NEVER, Subject, catchError, concatWith, map, of, tap, type Observable } from 'rxjs';
import { ErrorCodes, TiedRequestRefusedError, createPeer, serve, type PeerEvent, type RequestContext } from '../../lib/index.js';
import { META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION, relatedRequestId, type JsonRpcMessage } from '../../lib/codecs.js';
import { tiedRefusal } from '../../lib/handler/tied-request.js';
import { afterFlush, cancel, m, ofType, req, result, testScheduler } from '../helpers.js';

const ASK = { message: 'Delete the file?', requestedSchema: { type: 'object', properties: {} } };
const ask = (id: number): JsonRpcMessage => req(id, 'elicitation/create', ASK);
const accepted = { action: 'accept', content: {} };
// what the handler makes of a refused ctx.request: its result, so the marbles can show it
const refusal = (e: unknown): Observable<Record<string, unknown>> =>
  of(e instanceof TiedRequestRefusedError ? { why: e.why, code: e.code, related: e.relatedRequestId } : { other: String(e) });

describe('tiedRefusal', () => {
  it('should let a running request of a 2025 connection with a sending half send', () => {
    expect(tiedRefusal({ running: true, era: '2025-11-25', canSend: true })).to.equal(undefined);
  });

  it('should refuse after the end first, then under 2026 rules, then without a sending half', () => {
    expect(tiedRefusal({ running: false, era: '2026-07-28', canSend: false })).to.equal('ended');
    expect(tiedRefusal({ running: true, era: '2026-07-28', canSend: false })).to.equal('era');
    expect(tiedRefusal({ running: true, era: '2026-07-28', canSend: true })).to.equal('era');
    expect(tiedRefusal({ running: true, era: undefined, canSend: false })).to.equal('no-sending-half');
  });
});

describe('ctx.request (marbles)', () => {
  it('should send the tied request on subscribe, and deliver its answer to the handler', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const incoming = hot('c-e', m({ c: req('call', 'tools/call', { name: 'x' }), e: result(0, accepted) }));
      const peer = createPeer(incoming, {
        handlers: { 'tools/call': (_p, ctx) => ctx.request<{ action: string }>('elicitation/create', ASK).pipe(map((a) => ({ got: a.action }))) },
      });
      // answered: no cancel for it, ever
      expectObservable(peer.outgoing$).toBe('a-r', m({ a: ask(0), r: result('call', { got: 'accept' }) }));
    });
  });

  it('should cancel the tied request once when the served request completes before its answer', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const incoming = hot('c------', m({ c: req('call', 'tools/call') }));
      const work = cold('---w|', { w: { content: [] } });
      const peer = createPeer(incoming, {
        handlers: {
          'tools/call': (_p, ctx) => {
            // fire and forget: the end of the call is what ends it
            ctx.request('elicitation/create', ASK).subscribe();
            return work;
          },
        },
      });
      const out: JsonRpcMessage[] = [];
      // the cancel goes before the response: the end unsubscribes the tied request first
      expectObservable(peer.outgoing$.pipe(tap((x) => out.push(x)))).toBe('a---(xr)', m({ a: ask(0), x: cancel(0), r: result('call', { content: [] }) }));
      afterFlush(() => {
        // both tied to the call: a transport routes them with it
        expect(out.slice(0, 2).map(relatedRequestId)).to.deep.equal(['call', 'call']);
        expect(peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
      });
    });
  });

  it('should cancel the tied request once when the peer cancels the served request, and answer nothing', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const incoming = hot('c--k', m({ c: req('call', 'tools/call'), k: cancel('call') }));
      let cleanups = 0;
      const peer = createPeer(incoming, {
        handlers: {
          'tools/call': (_p, ctx) => {
            ctx.onCleanup(() => void cleanups++);
            return ctx.request('elicitation/create', ASK);
          },
        },
      });
      const events: PeerEvent[] = [];
      peer.events$.subscribe((e) => events.push(e));
      expectObservable(peer.outgoing$).toBe('a--x', m({ a: ask(0), x: cancel(0) }));
      afterFlush(() => {
        expect(cleanups).to.equal(1);
        expect(ofType(events, 'cancel-sent').map((e) => [e.key.requestId, e.source])).to.deep.equal([[0, 'caller']]);
        expect(ofType(events, 'request-sent').map((e) => e.relatedRequestId)).to.deep.equal(['call']);
        expect(ofType(events, 'request-cancelled').map((e) => e.key.requestId)).to.deep.equal(['call']);
      });
    });
  });

  it('should send no cancel for a tied request already answered when the served request is cancelled', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const incoming = hot('c-e---k', m({ c: req('call', 'tools/call'), e: result(0, accepted), k: cancel('call') }));
      const peer = createPeer(incoming, {
        // answered at 2, then the handler works on until the cancel at 6
        handlers: { 'tools/call': (_p, ctx) => ctx.request('elicitation/create', ASK).pipe(concatWith(NEVER)) },
      });
      expectObservable(peer.outgoing$).toBe('a------', m({ a: ask(0) }));
    });
  });

  it('should cancel the tied request when the served request fails', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const incoming = hot('c----', m({ c: req('call', 'tools/call') }));
      const peer = createPeer(incoming, {
        handlers: {
          'tools/call': (_p, ctx) => {
            ctx.request('elicitation/create', ASK).subscribe({ error: () => undefined });
            return cold('--#', undefined, new Error('boom'));
          },
        },
      });
      expectObservable(peer.outgoing$).toBe('a-(xr)', m({ a: ask(0), x: cancel(0), r: { jsonrpc: '2.0', id: 'call', error: { code: ErrorCodes.InternalError, message: 'boom' } } }));
    });
  });

  it('should end the tied request with the connection, and write nothing more', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const incoming = hot('c--|', m({ c: req('call', 'tools/call') }));
      let cleanups = 0;
      const seen: string[] = [];
      const peer = createPeer(incoming, {
        handlers: {
          'tools/call': (_p, ctx) => {
            ctx.onCleanup(() => void cleanups++);
            // unsubscribed with its request: it hears nothing, as a plain unsubscribe delivers nothing
            ctx.request('elicitation/create', ASK).subscribe({ next: () => seen.push('next'), error: () => seen.push('error'), complete: () => seen.push('complete') });
            return NEVER;
          },
        },
      });
      const events: PeerEvent[] = [];
      peer.events$.subscribe((e) => events.push(e));
      expectObservable(peer.outgoing$).toBe('a--|', m({ a: ask(0) }));
      afterFlush(() => {
        expect([cleanups, seen, ofType(events, 'cancel-sent')]).to.deep.equal([1, [], []]);
        expect(peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
      });
    });
  });

  it('should time the tied request out as the options say, with its cancel', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const incoming = hot('c', m({ c: req('call', 'tools/call') }));
      const peer = createPeer(incoming, {
        handlers: {
          'tools/call': (_p, ctx) =>
            ctx.request('elicitation/create', ASK, { timeoutMs: 5 }).pipe(catchError((e: { code: number }) => of({ timedOut: e.code }))),
        },
      });
      expectObservable(peer.outgoing$).toBe('a 4ms (xr)', m({
        a: ask(0),
        x: cancel(0, 'Request timed out after 5 ms'),
        r: result('call', { timedOut: ErrorCodes.RequestTimeout }),
      }));
    });
  });

  it('should error at once, sending nothing, on a connection that only answers (serve)', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const incoming = hot('c', m({ c: req('call', 'tools/call') }));
      const served = incoming.pipe(serve({ 'tools/call': (_p, ctx) => ctx.request('elicitation/create', ASK).pipe(catchError(refusal)) }));
      expectObservable(served).toBe('r', m({ r: result('call', { why: 'no-sending-half', code: -32803, related: 'call' }) }));
    });
  });

  it('should error at once, sending nothing, under 2026-07-28 rules', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const meta = { [META_PROTOCOL_VERSION]: '2026-07-28', [META_CLIENT_CAPABILITIES]: { elicitation: {} } };
      const incoming = hot('c', m({ c: req(7, 'tools/call', { name: 'x', _meta: meta }) }));
      const peer = createPeer(incoming, { era: '2026-07-28', handlers: { 'tools/call': (_p, ctx) => ctx.request('elicitation/create', ASK).pipe(catchError(refusal)) } });
      expectObservable(peer.outgoing$).toBe('r', m({ r: result(7, { why: 'era', code: -32803, related: 7 }) }));
    });
  });

  it('should error at once, sending nothing, after the served request ended', () => {
    let kept: RequestContext | undefined;
    const incoming = new Subject<unknown>();
    const peer = createPeer(incoming, { handlers: { 'tools/call': (_p, ctx) => ((kept = ctx), of({})) } });
    const out: JsonRpcMessage[] = [];
    peer.outgoing$.subscribe((x) => out.push(x));
    incoming.next(req(1, 'tools/call'));
    let error: unknown;
    kept?.request('elicitation/create', ASK).subscribe({ error: (e: unknown) => (error = e) });
    expect(error).to.be.instanceOf(TiedRequestRefusedError);
    expect((error as TiedRequestRefusedError).why).to.equal('ended');
    expect(out).to.deep.equal([result(1, {})]);
    incoming.complete();
  });
});
