import { expect } from 'chai';
import { NEVER, Subject, of } from 'rxjs';
import { CancellationManager, serve, type BusCancellation, type PeerEvent } from '../../lib/index.js';
import { afterFlush, cancel, drive, flush, ofType, req, responsesOnWire, testScheduler, m } from '../helpers.js';


describe('serving side', () => {
  describe('timing (marbles, serve operator)', () => {
    it('should send no response when the cancel arrives while the handler runs', () => {
      testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const work = cold('   -----r|', { r: { v: 1 } });
        const incoming = hot('-a--c------', m({ a: req(1, 'job'), c: cancel(1, 'stop') }));
        expectObservable(incoming.pipe(serve({ job: () => work }))).toBe('-----------');
        expectSubscriptions(work.subscriptions).toBe('-^--!');
      });
    });

    it('should respond once and ignore a cancel that comes after completion', () => {
      testScheduler().run(({ hot, cold, expectObservable }) => {
        const events: PeerEvent[] = [];
        const incoming = hot('-a------c', m({ a: req(1, 'job'), c: cancel(1) }));
        const work = cold('--r|', { r: { v: 1 } });
        expectObservable(incoming.pipe(serve({ job: () => work }, { events: (e) => events.push(e) }))).toBe('----r----', m({
          r: { jsonrpc: '2.0', id: 1, result: { v: 1 } },
        }));
        afterFlush(() => expect(ofType(events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['finished']));
      });
    });

    it('should send no response when the cancel comes in the same frame as the completion, before it', () => {
      testScheduler().run(({ hot, expectObservable }) => {
        // the incoming hot is created first, so its cancel at frame 4 runs before the work's completion
        const incoming = hot('-a--c', m({ a: req(1, 'job'), c: cancel(1) }));
        const work = hot('    ---r|', { r: { v: 1 } });
        expectObservable(incoming.pipe(serve({ job: () => work }))).toBe('-----');
      });
    });

    it('should cancel the request of id 0 (D1)', () => {
      testScheduler().run(({ hot, cold, expectObservable }) => {
        const incoming = hot('-a-c', m({ a: req(0, 'job'), c: cancel(0) }));
        expectObservable(incoming.pipe(serve({ job: () => cold('-----r|', { r: {} }) }))).toBe('--------');
      });
    });

    it('should stamp events with the scheduler time', () => {
      testScheduler().run(({ hot, cold, expectObservable }) => {
        const at: string[] = [];
        const incoming = hot('-a', m({ a: req(1, 'job') }));
        expectObservable(incoming.pipe(serve({ job: () => cold('--r|', { r: {} }) }, { events: (e) => at.push(`${e.at}:${e.type}`) }))).toBe('----r', m({
          r: { jsonrpc: '2.0', id: 1, result: {} },
        }));
        afterFlush(() => expect(at).to.deep.equal(['1:request-received', '4:request-completed']));
      });
    });
  });

  describe('responses', () => {
    it('should answer an unknown method with -32601, also for names on Object.prototype', () => {
      const d = drive({ handlers: {} });
      d.incoming.next(req(1, 'nope'));
      d.incoming.next(req(2, 'constructor'));
      d.incoming.next(req(3, '__proto__'));
      expect(d.out.map((x) => 'error' in x && x.error.code)).to.deep.equal([-32601, -32601, -32601]);
    });

    it('should answer a throwing handler with an error response and go on serving', async () => {
      const d = drive({ handlers: { bad: () => { throw new Error('kaput'); }, good: () => of({ ok: true }) } });
      d.incoming.next(req(1, 'bad'));
      d.incoming.next(req(2, 'good'));
      expect(d.out).to.deep.equal([
        { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'kaput' } },
        { jsonrpc: '2.0', id: 2, result: { ok: true } },
      ]);
      expect(ofType(d.events, 'request-failed')[0]?.error.error).to.equal('handler_failed');
    });

    it('should never answer a request whose promise settles after the cancel (same tick)', async () => {
      let resolve: (v: unknown) => void = () => undefined;
      const d = drive({ handlers: { job: () => new Promise((r) => (resolve = r)) } });
      d.incoming.next(req(1, 'job'));
      resolve({ late: true }); // settled, but its reaction runs in a microtask
      d.incoming.next(cancel(1));
      await flush();
      expect(responsesOnWire(d.out)).to.deep.equal([]);
      expect(ofType(d.events, 'request-cancelled')).to.have.length(1);
    });

    it('should answer a request whose promise resolved before the cancel was read, once', async () => {
      const d = drive({ handlers: { job: () => Promise.resolve({ v: 1 }) } });
      d.incoming.next(req(1, 'job'));
      await flush();
      d.incoming.next(cancel(1));
      expect(responsesOnWire(d.out)).to.deep.equal([{ jsonrpc: '2.0', id: 1, result: { v: 1 } }]);
      expect(ofType(d.events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['finished']);
    });

    it('should give a duplicate id in flight no second response', async () => {
      let resolve: (v: unknown) => void = () => undefined;
      const d = drive({ handlers: { job: () => new Promise((r) => (resolve = r)) } });
      d.incoming.next(req(1, 'job'));
      d.incoming.next(req(1, 'job'));
      resolve({ v: 1 });
      await flush();
      expect(responsesOnWire(d.out)).to.deep.equal([{ jsonrpc: '2.0', id: 1, result: { v: 1 } }]);
      expect(ofType(d.events, 'message-rejected')[0]?.error.error).to.equal('state_error');
    });

    it('should keep string and number ids apart', async () => {
      const d = drive({ handlers: { job: () => NEVER } });
      d.incoming.next(req(1, 'job'));
      d.incoming.next(req('1', 'job'));
      d.incoming.next(cancel('1'));
      expect(d.peer.inFlight().serving).to.equal(1);
      expect(ofType(d.events, 'request-cancelled').map((e) => e.key.requestId)).to.deep.equal(['1']);
    });

    it('should send progress only when the request carried a progressToken, tied to that token', () => {
      const handler = (_p: unknown, ctx: { progress: (n: number, t?: number) => void }) => {
        ctx.progress(1, 2);
        return of({});
      };
      const d = drive({ handlers: { job: handler } });
      d.incoming.next(req(1, 'job'));
      d.incoming.next(req(2, 'job', { _meta: { progressToken: 'tok' } }));
      expect(d.out).to.deep.equal([
        { jsonrpc: '2.0', id: 1, result: {} },
        { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'tok', progress: 1, total: 2 } },
        { jsonrpc: '2.0', id: 2, result: {} },
      ]);
    });

    it('should accept keys present with the value undefined (the SDK in-memory transport sends params: undefined)', () => {
      const d = drive({ handlers: { ping: () => of({}) } });
      d.incoming.next({ jsonrpc: '2.0', id: 1, method: 'ping', params: undefined });
      expect(d.out).to.deep.equal([{ jsonrpc: '2.0', id: 1, result: {} }]);
    });

    it('should refuse requests over maxInFlight at once, without queueing', () => {
      const d = drive({ handlers: { job: () => NEVER }, maxInFlight: 2 });
      for (let i = 0; i < 4; i++) d.incoming.next(req(i, 'job'));
      expect(d.out.map((x) => 'id' in x && x.id)).to.deep.equal([2, 3]);
      expect(d.peer.inFlight().serving).to.equal(2);
    });
  });

  describe('cancellations', () => {
    it('should report a cancel for an unknown id and for a finished one, and change nothing', async () => {
      const d = drive({ handlers: { job: () => of({}) } });
      d.incoming.next(cancel(99));
      d.incoming.next(req(1, 'job'));
      d.incoming.next(cancel(1));
      expect(ofType(d.events, 'cancel-ignored').map((e) => [e.key?.requestId, e.why])).to.deep.equal([[99, 'unknown'], [1, 'finished']]);
      expect(d.out).to.have.length(1);
    });

    it('should never cancel initialize (C4)', async () => {
      let resolve: (v: unknown) => void = () => undefined;
      const d = drive({ handlers: { initialize: () => new Promise((r) => (resolve = r)) } });
      d.incoming.next(req(0, 'initialize'));
      d.incoming.next(cancel(0));
      resolve({ protocolVersion: '2025-06-18' });
      await flush();
      expect(ofType(d.events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['not-cancellable']);
      expect(responsesOnWire(d.out)).to.have.length(1);
    });

    it('should drop a malformed cancel without a word on the wire (C6)', () => {
      const d = drive({ handlers: { job: () => NEVER } });
      d.incoming.next(req(1, 'job'));
      d.incoming.next(cancel(null));
      d.incoming.next(cancel(1, 42));
      d.incoming.next({ jsonrpc: '2.0', method: 'notifications/cancelled' });
      expect(d.out).to.deep.equal([]);
      expect(ofType(d.events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['invalid', 'invalid', 'invalid']);
      expect(d.peer.inFlight().serving).to.equal(1);
    });

    it('should cut a long reason to maxReasonLength and still cancel', () => {
      const d = drive({ handlers: { job: () => NEVER }, security: { maxReasonLength: 5 } });
      d.incoming.next(req(1, 'job'));
      d.incoming.next(cancel(1, 'abcdefghij'));
      const e = ofType(d.events, 'request-cancelled')[0];
      expect(e?.reason).to.deep.equal({ source: 'peer', reason: 'abcde' });
      expect(e?.reasonTruncated).to.equal(true);
    });
  });

  describe('invalid input', () => {
    it('should answer -32600 with the id when it is usable, with null when it is not', () => {
      const d = drive({ handlers: { job: () => of({}) } });
      d.incoming.next({ jsonrpc: '2.0', id: 5, method: 7 });
      d.incoming.next({ jsonrpc: '1.0', id: 'x', method: 'job' });
      d.incoming.next({ jsonrpc: '2.0', id: null, method: 'job' });
      d.incoming.next({ jsonrpc: '2.0', id: { a: 1 }, method: 'job' });
      d.incoming.next(42);
      d.incoming.next({ id: 6 });
      expect(d.out.map((x) => ['id' in x ? x.id : undefined, 'error' in x && x.error.code])).to.deep.equal([
        [5, -32600], ['x', -32600], [null, -32600], [null, -32600], [null, -32600], [6, -32600],
      ]);
      expect(ofType(d.events, 'message-rejected')).to.have.length(6);
    });

    it('should answer -32602 for bad params of a known method and -32600 for an unknown one', () => {
      const d = drive({ handlers: { job: () => of({}) } });
      d.incoming.next({ jsonrpc: '2.0', id: 1, method: 'job', params: 'nope' });
      d.incoming.next({ jsonrpc: '2.0', id: 2, method: 'other', params: [1] });
      expect(d.out.map((x) => 'error' in x && x.error.code)).to.deep.equal([-32602, -32600]);
    });

    it('should never answer a malformed notification or response', () => {
      const d = drive({ handlers: {} });
      d.incoming.next({ jsonrpc: '2.0', method: 'notifications/x', params: 5 });
      d.incoming.next({ jsonrpc: '2.0', id: 1, result: 5 });
      d.incoming.next({ jsonrpc: '2.0', id: 1, error: { code: 'x' } });
      expect(d.out).to.deep.equal([]);
      expect(ofType(d.events, 'message-rejected')).to.have.length(3);
    });

    it('should go on serving a valid request right after bad input', () => {
      const d = drive({ handlers: { job: () => of({ ok: 1 }) } });
      d.incoming.next('garbage');
      d.incoming.next(req(1, 'job'));
      expect(d.out[1]).to.deep.equal({ jsonrpc: '2.0', id: 1, result: { ok: 1 } });
    });
  });

  describe('shared manager', () => {
    it('should keep two sessions with the same ids apart: only the owner cancels', () => {
      const manager = new CancellationManager();
      const a = drive({ handlers: { job: () => NEVER }, manager, sessionId: 'A' });
      const b = drive({ handlers: { job: () => NEVER }, manager, sessionId: 'B' });
      a.incoming.next(req(5, 'job'));
      b.incoming.next(req(5, 'job'));
      expect(manager.size).to.equal(2);
      a.incoming.next(cancel(5));
      expect(manager.has({ sessionId: 'A', requestId: 5 })).to.equal(false);
      expect(manager.has({ sessionId: 'B', requestId: 5 })).to.equal(true);
      b.incoming.complete();
      expect(manager.size).to.equal(0);
    });
  });

  describe('a cancel for a request of another session', () => {
    it('should audit a cancel for an id in flight only in another session as not-allowed, and the request runs on', () => {
      const manager = new CancellationManager();
      const victim = drive({ manager, sessionId: 'victim', handlers: { slow: () => NEVER } });
      const probe = drive({ manager, sessionId: 'probe', handlers: { slow: () => NEVER } });
      victim.incoming.next(req(5, 'slow'));
      probe.incoming.next(cancel(5));
      probe.incoming.next(cancel(6));
      expect(ofType(probe.events, 'cancel-ignored').map((e) => [e.key?.requestId, e.why])).to.deep.equal([[5, 'not-allowed'], [6, 'unknown']]);
      expect(probe.out).to.deep.equal([]);
      expect(manager.has({ sessionId: 'victim', requestId: 5 })).to.equal(true);
    });
  });
});

describe('serving side, with a bus', () => {
  it('should report a cancel for a key it does not hold as forwarded over the bus, not as ignored', async () => {
    const published: BusCancellation[] = [];
    const manager = new CancellationManager({ bus: { publish: (key, reason) => void published.push({ key, reason }), cancellations$: new Subject<BusCancellation>() } });
    const d = drive({ manager, sessionId: 'S' });
    d.incoming.next(cancel(41, 'stop'));
    await flush();
    expect(ofType(d.events, 'cancel-forwarded').map((e) => [e.key, e.reason])).to.deep.equal([[{ sessionId: 'S', requestId: 41 }, 'stop']]);
    expect(ofType(d.events, 'cancel-ignored')).to.deep.equal([]);
    expect(published.map((p) => p.key)).to.deep.equal([{ sessionId: 'S', requestId: 41 }]);
    manager.dispose();
  });

  it('should never forward a cancel from a connection whose scope is its own (no sessionId given): no other instance can hold it', async () => {
    const published: BusCancellation[] = [];
    const manager = new CancellationManager({ bus: { publish: (key, reason) => void published.push({ key, reason }), cancellations$: new Subject<BusCancellation>() } });
    const d = drive({ manager, handlers: { slow: () => NEVER } });
    d.incoming.next(cancel(41, 'stop'));
    d.incoming.next(req(42, 'slow'));
    d.incoming.complete();
    await flush();
    expect(ofType(d.events, 'cancel-forwarded')).to.deep.equal([]);
    expect(ofType(d.events, 'cancel-ignored').map((e) => [e.key?.requestId, e.why])).to.deep.equal([[41, 'unknown']]);
    expect(published, 'neither the cancel nor the close of request 42').to.deep.equal([]);
    manager.dispose();
  });
});
