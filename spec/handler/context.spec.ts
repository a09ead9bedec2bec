import { expect } from 'chai';
import fc from 'fast-check';
import { NEVER, Subject, of, takeUntil } from 'rxjs';
import { CancellationManager, serve, type ConnectionRef, type RequestContext } from '../../lib/index.js';
import { Context } from '../../lib/handler/context.js';
import { cancel, drive, flush, ofType, req } from '../helpers.js';

// Any values a handler passes to ctx.progress: what goes out is finite and rising (MCP progress
// MUST increase; JSON has no NaN or Infinity), each refused value is one event, and a refused
// value never stops later progress (nothing is greater than NaN).
const arbValue = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -10, max: 100 }) },
  { weight: 2, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
);
const arbCall = fc.record({ progress: arbValue, total: fc.option(arbValue, { nil: undefined }) });

describe('ctx.progress (properties)', () => {
  it('should send only finite, rising progress, refuse each non-finite call with one event, and never stall', () => {
    fc.assert(
      fc.property(fc.array(arbCall, { maxLength: 40 }), (calls) => {
        const d = drive({
          handlers: {
            work: (_p, ctx) => {
              for (const c of calls) ctx.progress(c.progress, c.total);
              return NEVER;
            },
          },
        });
        d.incoming.next(req(1, 'work', { _meta: { progressToken: 'p' } }));
        // the oracle: refuse non-finite, then keep what rises above the last sent
        const expected: Array<{ progress: number; total?: number }> = [];
        let refused = 0;
        let last: number | undefined;
        for (const c of calls) {
          if (!Number.isFinite(c.progress) || (c.total !== undefined && !Number.isFinite(c.total))) refused++;
          else if (last === undefined || c.progress > last) {
            last = c.progress;
            expected.push(c.total === undefined ? { progress: c.progress } : { progress: c.progress, total: c.total });
          }
        }
        const sent = d.out.map((m) => ('params' in m ? m.params : undefined) as { progress: number; total?: number });
        expect(sent.map(({ progress, total }) => (total === undefined ? { progress } : { progress, total }))).to.deep.equal(expected);
        // nothing a peer would read as null (NaN and Infinity serialize to null)
        expect(JSON.stringify(sent)).to.not.contain('null');
        expect(ofType(d.events, 'progress-refused')).to.have.length(refused);
        d.incoming.complete();
      }),
      { numRuns: 300 },
    );
  });
});

describe('RequestContext', () => {
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
});

describe('Context', () => {
  const context = (failed: unknown[] = []): Context =>
    new Context({ key: { requestId: 1 }, method: 'm', manager: new CancellationManager(), progressToken: undefined, send: () => undefined, cleanupFailed: (e) => failed.push(e) });

  it('should hand a signal first read after the abort already aborted, with the reason', () => {
    const ctx = context();
    ctx.abort({ source: 'peer', reason: 'stop' });
    expect(ctx.signal.aborted).to.equal(true);
    expect(ctx.signal.reason).to.deep.equal({ source: 'peer', reason: 'stop' });
  });

  it('should run each cleanup once, in order, however often cleanUp is called, and one added after it at once', () => {
    const ctx = context();
    const ran: string[] = [];
    ctx.onCleanup(() => void ran.push('a'));
    ctx.onCleanup(() => void ran.push('b'));
    ctx.cleanUp();
    ctx.cleanUp();
    expect(ran).to.deep.equal(['a', 'b']);
    ctx.onCleanup(() => void ran.push('late'));
    expect(ran).to.deep.equal(['a', 'b', 'late']);
  });

  it('should report a throwing cleanup and still run the next one', () => {
    const failed: unknown[] = [];
    const ctx = context(failed);
    const boom = new Error('boom');
    let after = false;
    ctx.onCleanup(() => {
      throw boom;
    });
    ctx.onCleanup(() => void (after = true));
    expect(() => ctx.cleanUp()).to.not.throw();
    expect([failed, after]).to.deep.equal([[boom], true]);
  });
});

describe('ctx.connection', () => {
  it('should be one object for every request of a connection, and another for another connection', () => {
    const seen: object[] = [];
    const handlers = { see: (_p: unknown, ctx: RequestContext) => (seen.push(ctx.connection), of({})) };
    const a = drive({ handlers });
    const b = drive({ handlers });
    a.incoming.next(req(1, 'see'));
    a.incoming.next(req(2, 'see'));
    b.incoming.next(req(1, 'see'));
    expect(seen).to.have.length(3);
    expect(seen[0]).to.equal(seen[1]);
    expect(seen[2]).to.not.equal(seen[0]);
  });

  it('should notify the peer after the request ended, hear the close once, and send nothing after it', () => {
    const refs: ConnectionRef[] = [];
    const closes: string[] = [];
    const d = drive({ handlers: { watch: (_p: unknown, ctx: RequestContext) => (refs.push(ctx.connection), ctx.connection.onClose(() => void closes.push('closed')), of({})) } });
    d.incoming.next(req(1, 'watch'));
    const ref = refs[0]!;
    ref.notify('notifications/resources/updated', { uri: 'r://a' });
    expect(d.out.filter((m) => 'method' in m)).to.deep.equal([{ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'r://a' } }]);
    expect(ref.closed).to.equal(false);
    d.incoming.complete();
    expect(closes).to.deep.equal(['closed']);
    expect(ref.closed).to.equal(true);
    ref.notify('notifications/resources/updated', { uri: 'r://b' });
    ref.onClose(() => void closes.push('late'));
    expect(d.out.filter((m) => 'method' in m)).to.have.length(1);
    expect(closes).to.deep.equal(['closed', 'late']);
  });

  it('should key per-connection state in a WeakMap across serve() subscriptions', () => {
    const levels = new WeakMap<object, string>();
    const incoming = new Subject<unknown>();
    const out: unknown[] = [];
    const served = incoming.pipe(
      serve({
        set: (p, ctx) => (levels.set(ctx.connection, (p as { level: string }).level), of({})),
        get: (_p, ctx) => of({ level: levels.get(ctx.connection) ?? 'none' }),
      }),
    );
    const first = served.subscribe((m) => out.push(m));
    incoming.next(req(1, 'set', { level: 'debug' }));
    incoming.next(req(2, 'get'));
    first.unsubscribe();
    // a new subscription is a new connection: it starts with no state
    served.subscribe((m) => out.push(m));
    incoming.next(req(3, 'get'));
    expect(out).to.deep.equal([
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', id: 2, result: { level: 'debug' } },
      { jsonrpc: '2.0', id: 3, result: { level: 'none' } },
    ]);
    incoming.complete();
  });
});
