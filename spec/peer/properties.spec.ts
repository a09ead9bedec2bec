import { expect } from 'chai';
import fc from 'fast-check';
import { Subject, VirtualTimeScheduler, type Subscription } from 'rxjs';
import { CancellationManager, createPeer, type PeerEvent } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';

type Action =
  | { t: 'send'; timeout: number | null }
  | { t: 'respond'; i: number }
  | { t: 'fail'; i: number }
  | { t: 'unsubscribe'; i: number }
  | { t: 'stray-cancel'; i: number }
  | { t: 'time'; ms: number };

const arbAction: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('send' as const), timeout: fc.option(fc.integer({ min: 1, max: 20 })) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('respond' as const), i: fc.nat(15) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('fail' as const), i: fc.nat(15) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('unsubscribe' as const), i: fc.nat(15) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('stray-cancel' as const), i: fc.nat(15) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('time' as const), ms: fc.integer({ min: 1, max: 10 }) }) },
);

/**
 * Two real peers wired in memory (through JSON, as on a wire), a virtual clock, and a random
 * interleaving of sends, handler completions and failures, caller cancels, stray cancels from
 * the wire, timeouts and finally a close.
 */
const runScenario = (actions: readonly Action[], closeFirst: 'client' | 'server', onStep?: (s: { sending: number; serving: number; unended: number; running: number }) => void) => {
  const scheduler = new VirtualTimeScheduler();
  const advance = (ms: number) => {
    scheduler.maxFrames = scheduler.frame + ms;
    scheduler.flush();
    scheduler.frame = scheduler.maxFrames;
  };
  const toServer = new Subject<unknown>();
  const toClient = new Subject<unknown>();
  const manager = new CancellationManager();
  const work = new Map<number, Subject<unknown>>();
  const started = new Set<number>();
  const cleanups = new Map<number, number>();
  const server = createPeer(toServer, {
    manager,
    sessionId: 's',
    scheduler,
    handlers: {
      job: (p, ctx) => {
        const n = (p as { n: number }).n;
        started.add(n);
        ctx.onCleanup(() => void cleanups.set(n, (cleanups.get(n) ?? 0) + 1));
        const w = new Subject<unknown>();
        work.set(n, w);
        return w;
      },
    },
  });
  const client = createPeer(toClient, { scheduler, timeoutMs: Infinity });
  const serverEvents: PeerEvent[] = [];
  server.events$.subscribe((e) => serverEvents.push(e));
  const fromServer: JsonRpcMessage[] = [];
  const fromClient: JsonRpcMessage[] = [];
  const serverOut = server.outgoing$.subscribe((m) => {
    fromServer.push(m);
    toClient.next(JSON.parse(JSON.stringify(m)));
  });
  const clientOut = client.outgoing$.subscribe((m) => {
    fromClient.push(m);
    toServer.next(JSON.parse(JSON.stringify(m)));
  });
  const ends = new Map<number, string[]>();
  const subs: Subscription[] = [];
  const end = (n: number, how: string) => ends.set(n, [...(ends.get(n) ?? []), how]);
  for (const a of actions) {
    switch (a.t) {
      case 'send': {
        const n = subs.length;
        subs.push(
          client
            .request('job', { n }, a.timeout === null ? {} : { timeoutMs: a.timeout })
            .subscribe({ next: () => end(n, 'result'), error: (e: { name: string }) => end(n, e.name) }),
        );
        break;
      }
      case 'respond': {
        const w = work.get(a.i);
        w?.next({ n: a.i });
        w?.complete();
        break;
      }
      case 'fail':
        work.get(a.i)?.error(new Error('handler failed'));
        break;
      case 'unsubscribe': {
        const s = subs[a.i];
        if (s !== undefined && !s.closed) {
          s.unsubscribe();
          if (!ends.has(a.i)) end(a.i, 'unsubscribed');
        }
        break;
      }
      case 'stray-cancel':
        toServer.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: a.i } });
        break;
      case 'time':
        advance(a.ms);
        break;
    }
    onStep?.({
      sending: client.inFlight().sending,
      serving: server.inFlight().serving,
      unended: subs.length - ends.size,
      // a handler is running from its start until its cleanup ran
      running: started.size - cleanups.size,
    });
  }
  if (closeFirst === 'client') clientOut.unsubscribe();
  else toServer.complete();
  serverOut.unsubscribe();
  clientOut.unsubscribe();
  return { subs, ends, started, cleanups, fromServer, fromClient, serverEvents, manager, client, server };
};

describe('properties over random interleavings', () => {
  it('should end each request once, run each cleanup once, never answer after a cancel, and leave nothing behind', () => {
    fc.assert(
      fc.property(fc.array(arbAction, { maxLength: 60 }), fc.constantFrom('client' as const, 'server' as const), (actions, closeFirst) => {
        const r = runScenario(actions, closeFirst);
        // each request ends exactly once (a result, an error, or the caller's unsubscribe); after close, all have ended
        for (let n = 0; n < r.subs.length; n++) expect(r.ends.get(n), `request ${n}`).to.have.length(1);
        // each started handler's cleanup ran exactly once, whatever its end
        for (const n of r.started) expect(r.cleanups.get(n), `cleanup ${n}`).to.equal(1);
        // at most one response per id, and none for a request cancelled on the server
        const responded = new Map<unknown, number>();
        for (const m of r.fromServer) if ('id' in m && !('method' in m)) responded.set(m.id, (responded.get(m.id) ?? 0) + 1);
        for (const count of responded.values()) expect(count).to.equal(1);
        for (const e of r.serverEvents) if (e.type === 'request-cancelled') expect(responded.has(e.key.requestId), `response after cancel of ${String(e.key.requestId)}`).to.equal(false);
        // one cancel at most per request on the wire, and none for a request that got its response first
        const cancels = r.fromClient.filter((m) => 'method' in m && m.method === 'notifications/cancelled');
        const cancelledIds = cancels.map((m) => ('params' in m ? (m.params as { requestId: number }).requestId : -1));
        expect(new Set(cancelledIds).size).to.equal(cancelledIds.length);
        for (const id of cancelledIds) expect(r.ends.get(id)?.[0]).to.not.equal('result');
        // nothing leaks
        expect(r.client.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
        expect(r.server.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
        expect(r.manager.size).to.equal(0);
      }),
      { numRuns: 500 },
    );
  });

  it('should keep inFlight() equal to what is really pending, at every step', () => {
    fc.assert(
      fc.property(fc.array(arbAction, { maxLength: 40 }), (actions) => {
        runScenario(actions, 'server', (s) => {
          expect(s.sending).to.equal(s.unended);
          expect(s.serving).to.equal(s.running);
        });
      }),
      { numRuns: 300 },
    );
  });
});
