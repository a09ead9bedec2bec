import { expect } from 'chai';
import { NEVER, Observable, Subject, firstValueFrom, type ObservableInput } from 'rxjs';
import {
  CancellationManager,
  ConnectionClosedError,
  JsonRpcError,
  RequestCancelledError,
  RequestTimeoutError,
  runRequest,
  type CancelReason,
  type Handler,
  type RequestContext,
  type RequestKey,
} from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import type { RequestOutcome } from '../../lib/handler/outcome.js';
import { Later } from '../../lib/handler/later.js';
import { drive, flush, req, testScheduler } from '../helpers.js';

const key: RequestKey = { sessionId: 's', requestId: 1 };

interface Harness {
  manager: CancellationManager;
  cleanups: number;
  failed: unknown[];
  sent: unknown[];
  ctx: RequestContext | undefined;
  run: (handler: (p: unknown, ctx: RequestContext) => ObservableInput<unknown>) => Observable<RequestOutcome>;
}

const harness = (): Harness => {
  const h: Harness = {
    manager: new CancellationManager(),
    cleanups: 0,
    failed: [],
    sent: [],
    ctx: undefined,
    run: (handler) =>
      runRequest({
        key,
        method: 'tools/call',
        params: {},
        manager: h.manager,
        progressToken: 7,
        send: (m) => h.sent.push(m),
        cleanupFailed: (e) => h.failed.push(e),
        handler: (p, ctx) => {
          h.ctx = ctx;
          ctx.onCleanup(() => void h.cleanups++);
          return handler(p, ctx);
        },
      }),
  };
  h.manager.register(key);
  return h;
};

const cancelled = (reason?: string): RequestOutcome => ({ type: 'cancelled', reason: reason === undefined ? { source: 'peer' } : { source: 'peer', reason } });
const ok = (result: Record<string, unknown>): RequestOutcome => ({ type: 'result', result });

describe('runRequest', () => {
  describe('completion versus cancellation (marbles)', () => {
    it('should never start the handler when the cancel came first', () => {
      const h = harness();
      let started = false;
      h.manager.cancel(key, 'early');
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const work = cold('--r|', { r: { v: 1 } });
        expectObservable(h.run(() => ((started = true), work))).toBe('(x|)', { x: cancelled('early') });
        expectSubscriptions(work.subscriptions).toBe([]);
      });
      expect(started).to.equal(false);
      expect(h.manager.size).to.equal(0);
    });

    it('should complete with no result when the cancel wins while the handler runs', () => {
      const h = harness();
      testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const work = cold(' ----r|', { r: { v: 1 } });
        const workSubs = '   ^-!   ';
        const cancel = hot(' --c   ');
        cancel.subscribe(() => h.manager.cancel(key, 'stop'));
        expectObservable(h.run(() => work)).toBe('--(x|)', { x: cancelled('stop') });
        expectSubscriptions(work.subscriptions).toBe(workSubs);
      });
      expect(h.cleanups).to.equal(1);
      expect(h.manager.size).to.equal(0);
    });

    it('should deliver the result and find the id finished when the cancel comes after completion', () => {
      const h = harness();
      const results: string[] = [];
      testScheduler().run(({ cold, hot, expectObservable }) => {
        // prettier-ignore
        const work = cold(' --r|  ', { r: { v: 1 } });
        const cancel = hot(' -----c');
        cancel.subscribe(() => results.push(h.manager.cancel(key, 'late')));
        expectObservable(h.run(() => work)).toBe('---(x|)', { x: ok({ v: 1 }) });
      });
      expect(results).to.deep.equal(['finished']);
      expect(h.cleanups).to.equal(1);
      expect(h.ctx?.signal.aborted).to.equal(false);
    });

    it('should let the cancel win when it is first in the frame where the handler completes', () => {
      const h = harness();
      testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
        // created first: at frame 3 the cancel runs before the completion
        const cancel = hot('---c   ');
        const work = hot('  --r|   ', { r: { v: 1 } });
        const workSubs = '  ^--!   ';
        cancel.subscribe(() => h.manager.cancel(key, 'same frame'));
        expectObservable(h.run(() => work)).toBe('---(x|)', { x: cancelled('same frame') });
        expectSubscriptions(work.subscriptions).toBe(workSubs);
      });
      expect(h.cleanups).to.equal(1);
      expect(h.manager.size).to.equal(0);
    });

    it('should let the result win when the completion is first in the frame of the cancel', () => {
      const h = harness();
      const results: string[] = [];
      testScheduler().run(({ hot, expectObservable }) => {
        // created first: at frame 3 the completion runs before the cancel
        const work = hot('  --r|   ', { r: { v: 1 } });
        const cancel = hot('---c   ');
        cancel.subscribe(() => results.push(h.manager.cancel(key, 'same frame')));
        expectObservable(h.run(() => work)).toBe('---(x|)', { x: ok({ v: 1 }) });
      });
      expect(results).to.deep.equal(['finished']);
      expect(h.cleanups).to.equal(1);
    });

    it('should take the last value before completion as the result', () => {
      const h = harness();
      testScheduler().run(({ cold, expectObservable }) => {
        const work = cold('-a-b-c|', { a: { n: 1 }, b: { n: 2 }, c: { n: 3 } });
        expectObservable(h.run(() => work)).toBe('------(x|)', { x: ok({ n: 3 }) });
      });
    });

    it('should answer an empty result for a handler that completes without a value', () => {
      const h = harness();
      testScheduler().run(({ cold, expectObservable }) => {
        expectObservable(h.run(() => cold('--|'))).toBe('--(x|)', { x: ok({}) });
      });
    });

    it('should turn an erroring handler into one error outcome and run cleanup once', () => {
      const h = harness();
      testScheduler().run(({ cold, expectObservable }) => {
        const work = cold('--#', undefined, new Error('boom'));
        expectObservable(h.run(() => work)).toBe('--(x|)', {
          x: {
            type: 'error',
            error: { code: -32603, message: 'boom' },
            failure: { error: 'handler_failed', message: 'boom', details: new Error('boom') },
          },
        });
      });
      expect(h.cleanups).to.equal(1);
      expect(h.manager.size).to.equal(0);
    });
  });

  describe('handlers', () => {
    it('should turn a synchronous throw into an error outcome', async () => {
      const h = harness();
      const o = await firstValueFrom(h.run(() => { throw new Error('sync'); }));
      expect(o).to.include({ type: 'error' });
      expect(o.type === 'error' && o.error).to.deep.equal({ code: -32603, message: 'sync' });
      expect(h.cleanups).to.equal(1);
    });

    it('should keep the code and data of a thrown JsonRpcError', async () => {
      const h = harness();
      const o = await firstValueFrom(h.run(() => Promise.reject(new JsonRpcError(-32602, 'bad name', { field: 'name' }))));
      expect(o.type === 'error' && o.error).to.deep.equal({ code: -32602, message: 'bad name', data: { field: 'name' } });
    });

    it('should reject an array as a result (MCP results are objects)', async () => {
      const h = harness();
      const o = await firstValueFrom(h.run(() => Promise.resolve([1, 2])));
      expect(o.type).to.equal('error');
    });

    it('should reject a result that is not an object', async () => {
      const h = harness();
      const o = await firstValueFrom(h.run(() => Promise.resolve(42)));
      expect(o.type).to.equal('error');
      expect(o.type === 'error' && o.failure.error).to.equal('handler_failed');
    });

    it('should answer a handler that is not a function with -32603 "Internal error", its words in the event only', async () => {
      const manager = new CancellationManager();
      manager.register(key);
      const o = await firstValueFrom(runRequest({ key, method: 'a', params: {}, manager, progressToken: undefined, send: () => undefined, cleanupFailed: () => undefined, handler: 5 as unknown as Handler }));
      expect(o.type === 'error' && o.error).to.deep.equal({ code: -32603, message: 'Internal error' });
      expect(o.type === 'error' && o.failure).to.deep.equal({ error: 'handler_failed', message: 'The handler of "a" is not a function (got number)' });
      expect(manager.size).to.equal(0);
    });

    it('should take a result whose Symbol.iterator is not a function as a result, not as a stream rxjs refuses', async () => {
      const h = harness();
      const o = await firstValueFrom(h.run(() => ({ [Symbol.iterator]: true, content: [] }) as unknown as ObservableInput<unknown>));
      expect(o.type).to.equal('result');
    });

    it('should abort ctx.signal with the reason when a promise handler is cancelled, and drop its late result', async () => {
      const h = harness();
      let seen: unknown;
      const outcomes: RequestOutcome[] = [];
      h.run((_p, ctx) => new Promise((resolve) => {
        ctx.signal.addEventListener('abort', () => { seen = ctx.signal.reason; setTimeout(() => resolve({ late: true }), 1); });
      })).subscribe((o) => outcomes.push(o));
      h.manager.cancel(key, 'user');
      await new Promise((r) => setTimeout(r, 5));
      expect(seen).to.deep.equal({ source: 'peer', reason: 'user' } satisfies CancelReason);
      expect(outcomes).to.deep.equal([cancelled('user')]);
      expect(h.cleanups).to.equal(1);
    });

    it('should follow a Later with no turn of its own, and stop its work before the cleanups when cancelled', () => {
      const h = harness();
      const order: string[] = [];
      const outcomes: RequestOutcome[] = [];
      const answer = new Later<object>();
      answer.onUnsubscribe({ unsubscribe: () => void order.push('work stopped') });
      h.run((_p, ctx) => (ctx.onCleanup(() => void order.push('cleanup')), answer)).subscribe((o) => outcomes.push(o));
      h.manager.cancel(key, 'user');
      answer.resolve({ late: true });
      expect(outcomes).to.deep.equal([cancelled('user')]);
      expect(order).to.deep.equal(['work stopped', 'cleanup']);
      const h2 = harness();
      const later = new Later<object>();
      const got: RequestOutcome[] = [];
      h2.run(() => later).subscribe((o) => got.push(o));
      later.resolve({ content: [] });
      // synchronously: no microtask between the Later and the outcome
      expect(got).to.deep.equal([ok({ content: [] })]);
      expect(h2.cleanups).to.equal(1);
    });

    it('should hand a signal already aborted to a handler that reads it after the cancel', () => {
      const h = harness();
      let ctx: RequestContext | undefined;
      h.run((_p, c) => ((ctx = c), NEVER)).subscribe();
      h.manager.cancel(key, 'x');
      expect(ctx?.signal.aborted).to.equal(true);
      expect(ctx?.signal.reason).to.deep.equal({ source: 'peer', reason: 'x' });
    });

    it('should emit cancelled$ once on cancellation', () => {
      const h = harness();
      const seen: CancelReason[] = [];
      let completed = false;
      h.run((_p, ctx) => {
        ctx.cancelled$.subscribe({ next: (r) => seen.push(r), complete: () => (completed = true) });
        return NEVER;
      }).subscribe();
      h.manager.cancel(key, 'once');
      h.manager.cancel(key, 'twice');
      expect(seen).to.deep.equal([{ source: 'peer', reason: 'once' }]);
      expect(completed).to.equal(true);
    });
  });

  describe('cleanup', () => {
    const endings: Array<[string, (h: Harness, work: Subject<unknown>, unsubscribe: () => void) => void]> = [
      ['a result', (_h, work) => { work.next({ ok: 1 }); work.complete(); }],
      ['an error', (_h, work) => work.error(new Error('x'))],
      ['a cancel', (h) => void h.manager.cancel(key, 'c')],
      ['an unsubscribe (transport gone)', (_h, _w, unsubscribe) => unsubscribe()],
      ['a cancel then a result', (h, work) => { h.manager.cancel(key); work.next({}); work.complete(); }],
      ['a result then a cancel then an unsubscribe', (h, work, unsubscribe) => { work.next({}); work.complete(); h.manager.cancel(key); unsubscribe(); }],
    ];
    for (const [name, end] of endings) {
      it(`should run every cleanup exactly once after ${name}, and forget the key`, () => {
        const h = harness();
        const work = new Subject<unknown>();
        const sub = h.run(() => work).subscribe();
        end(h, work, () => sub.unsubscribe());
        sub.unsubscribe();
        end(h, work, () => sub.unsubscribe());
        expect(h.cleanups).to.equal(1);
        expect(h.manager.size).to.equal(0);
        expect(h.manager.has(key)).to.equal(false);
      });
    }

    // the run watches its key with no teardown of its own: what frees the watcher is the run
    // completing its key on every ending, so the entry (and the watcher in it) goes with it
    it('should free the entry it watches however it ends, even behind another watcher of the key', () => {
      const h = harness();
      const other: string[] = [];
      // a second watcher, subscribed by the handler: the run's own is the entry's first
      const sub = h.run((_p, ctx) => (ctx.cancelled$.subscribe({ complete: () => other.push('complete') }), NEVER)).subscribe();
      sub.unsubscribe();
      expect(h.manager.size).to.equal(0);
      expect(other).to.deep.equal(['complete']);
      // the key is over: a late cancel finds it finished and tells nobody
      expect(h.manager.cancel(key, 'late')).to.equal('finished');
      expect(h.cleanups).to.equal(1);
    });

    it('should take nothing of a handler that cancelled its own request before returning: no subscription, one cancelled outcome', () => {
      const h = harness();
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const work = cold('--r|', { r: { v: 1 } });
        expectObservable(h.run(() => (h.manager.cancel(key, 'self'), work))).toBe('(x|)', { x: cancelled('self') });
        expectSubscriptions(work.subscriptions).toBe([]);
      });
      expect(h.cleanups).to.equal(1);
      expect(h.manager.size).to.equal(0);
    });

    it('should give a cancelled request one outcome even when its handler completes inside the abort', () => {
      const h = harness();
      const outcomes: RequestOutcome[] = [];
      // the work ends as the signal aborts: in the same call as the cancel, and too late
      const work = (_p: unknown, ctx: RequestContext) =>
        new Observable<unknown>((s) => ctx.signal.addEventListener('abort', () => (s.next({ late: 1 }), s.complete())));
      h.run(work).subscribe((o) => outcomes.push(o));
      h.manager.cancel(key, 'stop');
      expect(outcomes).to.deep.equal([cancelled('stop')]);
      expect(h.cleanups).to.equal(1);
    });

    it('should keep no subscription of a handler that completed inside subscribe()', () => {
      const h = harness();
      let unsubscribed = 0;
      const sync = new Observable<unknown>((s) => {
        s.next({ v: 1 });
        s.complete();
        return () => void unsubscribed++;
      });
      const outcomes: RequestOutcome[] = [];
      h.run(() => sync).subscribe((o) => outcomes.push(o));
      expect(outcomes).to.deep.equal([ok({ v: 1 })]);
      expect(unsubscribed).to.equal(1);
      expect(h.cleanups).to.equal(1);
      expect(h.manager.size).to.equal(0);
    });

    it('should abort the signal with source close when unsubscribed before any outcome', () => {
      const h = harness();
      let ctx: RequestContext | undefined;
      const sub = h.run((_p, c) => ((ctx = c), NEVER)).subscribe();
      const signal = ctx?.signal;
      sub.unsubscribe();
      expect(signal?.aborted).to.equal(true);
      expect(signal?.reason).to.deep.equal({ source: 'close' });
    });

    it('should run a cleanup added after the end at once', () => {
      const h = harness();
      let ctx: RequestContext | undefined;
      h.run((_p, c) => ((ctx = c), Promise.resolve({}))).subscribe();
      return flush().then(() => {
        let ran = 0;
        ctx?.onCleanup(() => void ran++);
        expect(ran).to.equal(1);
      });
    });

    it('should report a throwing cleanup and still run the others', () => {
      const h = harness();
      let after = 0;
      const work = new Subject<unknown>();
      h.run((_p, ctx) => {
        ctx.onCleanup(() => { throw new Error('cleanup broke'); });
        ctx.onCleanup(() => void after++);
        return work;
      }).subscribe();
      work.complete();
      expect(h.failed.map((e) => (e as Error).message)).to.deep.equal(['cleanup broke']);
      expect(after).to.equal(1);
      expect(h.cleanups).to.equal(1);
    });

    it('should report an async cleanup that rejects', async () => {
      const h = harness();
      const work = new Subject<unknown>();
      h.run((_p, ctx) => {
        ctx.onCleanup(() => Promise.reject(new Error('async broke')));
        return work;
      }).subscribe();
      work.complete();
      await flush();
      expect(h.failed.map((e) => (e as Error).message)).to.deep.equal(['async broke']);
    });
  });

  describe('progress', () => {
    it('should send rising progress with the token and nothing after the end', () => {
      const h = harness();
      const work = new Subject<unknown>();
      let ctx: RequestContext | undefined;
      h.run((_p, c) => ((ctx = c), work)).subscribe();
      ctx?.progress(1, 10, 'one');
      ctx?.progress(1, 10); // not rising: dropped (SPEC P2)
      ctx?.progress(2);
      work.complete();
      ctx?.progress(3);
      ctx?.notify('notifications/message', { level: 'info' });
      expect(h.sent).to.deep.equal([
        { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 7, progress: 1, total: 10, message: 'one' } },
        { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 7, progress: 2 } },
      ]);
    });
  });
});

const errorOf = (m: JsonRpcMessage | undefined): { code: number; message: string; data?: unknown } | undefined =>
  m !== undefined && 'error' in m ? m.error : undefined;

describe('runRequest over a peer', () => {
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

  it('should put no internal name on the wire when a handler was swapped for a non-function after the map was checked', () => {
    const handlers: Record<string, Handler> = { a: () => Promise.resolve({}) };
    const { incoming, out, events } = drive({ handlers });
    // the map is the caller's object: checked at createPeer, changed after
    handlers['a'] = 5 as unknown as Handler;
    incoming.next(req(1, 'a'));
    expect(out).to.deep.equal([{ jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' } }]);
    const failed = events.find((e) => e.type === 'request-failed');
    expect(failed?.type === 'request-failed' && failed.error.message).to.equal('The handler of "a" is not a function (got number)');
  });
});
