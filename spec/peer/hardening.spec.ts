import { expect } from 'chai';
import { NEVER, Subject, of, takeUntil } from 'rxjs';
import {
  CancellationManager,
  ConnectionClosedError,
  RequestCancelledError,
  RequestTimeoutError,
  createPeer,
  serve,
  type JsonRpcMessage,
  type RequestContext,
} from '../../lib/index.js';
import { cancel, drive, flush, ofType, req } from '../helpers.js';

// Each test here is a defect found by attacking the library, and fails on the code before its fix.

const nested = (depth: number): unknown => {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

const errorOf = (m: JsonRpcMessage | undefined): { code: number; message: string; data?: unknown } | undefined =>
  m !== undefined && 'error' in m ? m.error : undefined;

describe('under attack', () => {
  it('should answer a request with 5,000 levels of nesting with -32600 and its id, never overflowing the stack', () => {
    const { incoming, out, events } = drive({ handlers: { 'tools/call': () => of({}) } });
    for (const depth of [5_000, 20_000]) {
      incoming.next({ jsonrpc: '2.0', id: depth, method: 'tools/call', params: nested(depth) });
      incoming.next({ jsonrpc: '2.0', id: `m${depth}`, method: nested(depth) });
      incoming.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: nested(depth) } });
    }
    const replies = out.filter((m) => 'id' in m);
    expect(replies.map((m) => ('id' in m ? m.id : undefined))).to.deep.equal([5_000, 'm5000', 20_000, 'm20000']);
    expect(replies.map((m) => errorOf(m)?.code)).to.deep.equal([-32602, -32600, -32602, -32600]);
    expect(ofType(events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['invalid', 'invalid']);
  });

  it('should put a bounded preview of a 1 MB invalid value into the reply and the events, never the value', () => {
    const big = 'x'.repeat(1_000_000);
    const { incoming, out, events } = drive({ handlers: { 'tools/call': () => of({}) } });
    incoming.next({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: [big] });
    incoming.next({ jsonrpc: big, id: 2, method: 'tools/call' });
    incoming.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: [big], reason: big } });
    incoming.next({ jsonrpc: '2.0', id: 3, result: big });
    expect(out).to.have.length(2);
    for (const m of out) expect(JSON.stringify(m).length).to.be.below(2_048);
    expect(events.length).to.be.greaterThan(3);
    for (const e of events) expect(JSON.stringify(e).length, e.type).to.be.below(4_096);
  });

  it('should refuse non-integer ids: -32600 with id null (MCP ids are strings or integers)', () => {
    const { incoming, out } = drive({ handlers: { 'tools/call': () => of({}) } });
    for (const id of [1.5, 2 ** 53, 1e300, -0.1]) incoming.next({ jsonrpc: '2.0', id, method: 'tools/call' });
    incoming.next({ jsonrpc: '2.0', id: 'i'.repeat(1_025), method: 'tools/call' });
    expect(out.map((m) => ['id' in m ? m.id : undefined, errorOf(m)?.code])).to.deep.equal(Array(5).fill([null, -32600]));
  });

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

  it('should never send our local error codes: a timeout or a closed connection that escapes a proxying handler is -32603', async () => {
    const { incoming, out } = drive({
      handlers: {
        timeout: () => Promise.reject(new RequestTimeoutError(7, 50)),
        closed: () => Promise.reject(new ConnectionClosedError('upstream went away')),
        aborted: () => Promise.reject(new RequestCancelledError(8, 'user')),
      },
    });
    incoming.next(req(1, 'timeout'));
    incoming.next(req(2, 'closed'));
    incoming.next(req(3, 'aborted'));
    await flush();
    expect(out.map((m) => errorOf(m)?.code)).to.deep.equal([-32603, -32603, -32603]);
    expect(errorOf(out[0])?.message).to.contain('timed out after 50 ms');
    expect(errorOf(out[1])?.message).to.equal('upstream went away');
    expect(out.every((m) => errorOf(m)?.data === undefined)).to.equal(true);
  });

  it('should give ctx.cancelled$ subscribed after an await the reason at once, as ctx.signal has it', async () => {
    let late: unknown;
    let stopped = false;
    const { incoming } = drive({
      handlers: {
        work: async (_p, ctx) => {
          await new Promise((r) => setTimeout(r, 5));
          ctx.cancelled$.subscribe((r) => (late = r));
          new Subject<number>().pipe(takeUntil(ctx.cancelled$)).subscribe({ complete: () => (stopped = true) });
          return {};
        },
      },
    });
    incoming.next(req(1, 'work'));
    incoming.next(cancel(1, 'stop'));
    await new Promise((r) => setTimeout(r, 15));
    expect(late).to.deep.equal({ source: 'peer', reason: 'stop' });
    expect(stopped).to.equal(true);
  });

  it('should send no progress and no notification from an abort listener after the cancel', async () => {
    const { incoming, out } = drive({
      handlers: {
        work: (_p, ctx: RequestContext) => {
          ctx.signal.addEventListener('abort', () => {
            ctx.progress(99, 100, 'stopping');
            ctx.notify('notifications/message', { level: 'info', data: 'stopping' });
          });
          ctx.progress(1, 100);
          return NEVER;
        },
      },
    });
    incoming.next(req(1, 'work', { _meta: { progressToken: 't' } }));
    incoming.next(cancel(1));
    await flush();
    expect(out).to.have.length(1);
    expect(out[0]).to.deep.include({ method: 'notifications/progress' });
  });

  it('should refuse ctx.progress(NaN) with an event, and let later progress flow', () => {
    const { incoming, out, events } = drive({
      handlers: {
        work: (_p, ctx) => {
          ctx.progress(Number.NaN);
          ctx.progress(1, Number.POSITIVE_INFINITY);
          ctx.progress(1, 3);
          ctx.progress(2, 3);
          return NEVER;
        },
      },
    });
    incoming.next(req(1, 'work', { _meta: { progressToken: 0 } }));
    const sent = out.map((m) => ('params' in m ? m.params : undefined));
    expect(sent).to.deep.equal([{ progressToken: 0, progress: 1, total: 3 }, { progressToken: 0, progress: 2, total: 3 }]);
    expect(ofType(events, 'progress-refused')).to.have.length(2);
  });

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

  it('should keep each session its own finished memory: one session cannot push another out', () => {
    const manager = new CancellationManager({ rememberFinished: 100 });
    const quiet = drive({ manager, sessionId: 'quiet', handlers: { ok: () => of({}) } });
    const noisy = drive({ manager, sessionId: 'noisy', handlers: { ok: () => of({}) } });
    quiet.incoming.next(req(1, 'ok'));
    for (let i = 0; i < 5_000; i++) noisy.incoming.next(req(i, 'ok'));
    quiet.incoming.next(cancel(1));
    noisy.incoming.next(cancel(0));
    noisy.incoming.next(cancel(4_999));
    expect(ofType(quiet.events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['finished']);
    expect(ofType(noisy.events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['unknown', 'finished']);
  });

  it('should subscribe and unsubscribe 40,000 observers of one key in O(1) each, keeping none of them', function () {
    // a handler may take `takeUntil(ctx.cancelled$)` per item of a list the client sends: before,
    // each subscribe copied the observer array (40,000 took about 110 s)
    this.timeout(10_000);
    const manager = new CancellationManager();
    const key = { requestId: 1 };
    manager.register(key);
    const subs = Array.from({ length: 40_000 }, () => manager.cancelled(key).subscribe());
    for (const s of subs) s.unsubscribe();
    const entry = (manager as unknown as { ids: Map<unknown, { more?: Set<unknown> }> }).ids.get(1);
    expect(entry?.more?.size).to.equal(0);
    let told = 0;
    manager.cancelled(key).subscribe(() => told++);
    expect(manager.cancel(key)).to.equal('cancelled');
    expect(told).to.equal(1);
  });

  it('should refill rate limits on a monotonic clock: a wall-clock step back throttles no one', async () => {
    const { incoming, events } = drive({ handlers: { slow: () => NEVER }, security: { burst: 2, maxCancellationsPerSecond: 1_000 } });
    incoming.next(cancel(1));
    incoming.next(cancel(2));
    const realNow = Date.now;
    const stepped = realNow() - 3_600_000;
    Date.now = () => stepped;
    try {
      await new Promise((r) => setTimeout(r, 30));
      incoming.next(cancel(3));
    } finally {
      Date.now = realNow;
    }
    expect(ofType(events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['unknown', 'unknown', 'unknown']);
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
