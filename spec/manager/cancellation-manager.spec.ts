import { expect } from 'chai';
import fc from 'fast-check';
import type { RequestId } from '../../lib/codecs.js';
import { Subject, of, takeUntil } from 'rxjs';
import { CancellationManager, RequestKey, serve, type BusCancellation, type CancelReason } from '../../lib/index.js';
import { cancel, drive, ofType, req } from '../helpers.js';

const k = (requestId: string | number, sessionId?: string): RequestKey => RequestKey.of(requestId, sessionId);

describe('CancellationManager', () => {
  it('should register, report and forget a key', () => {
    const m = new CancellationManager();
    expect(m.register(k(1))).to.equal(true);
    expect([m.has(k(1)), m.size]).to.deep.equal([true, 1]);
    expect(m.complete(k(1))).to.equal(true);
    expect([m.has(k(1)), m.size]).to.deep.equal([false, 0]);
    expect(m.complete(k(1))).to.equal(false);
  });

  it('should refuse a duplicate key and keep the first', () => {
    const m = new CancellationManager();
    m.register(k(1));
    expect(m.register(k(1))).to.equal(false);
    expect(m.size).to.equal(1);
  });

  it('should keep ids 0, "", 1 and "1" apart, and sessions apart', () => {
    const m = new CancellationManager();
    for (const key of [k(0), k(''), k(1), k('1'), k(1, 'a'), k(1, 'b')]) expect(m.register(key)).to.equal(true);
    expect(m.size).to.equal(6);
    expect(m.cancel(k(1, 'a'))).to.equal('cancelled');
    expect(m.isCancelled(k(1, 'b'))).to.equal(false);
    expect(m.isCancelled(k(1))).to.equal(false);
  });

  it('should emit the reason once to every observer, also one that subscribes after the cancel', () => {
    const m = new CancellationManager();
    m.register(k(1));
    const seen: CancelReason[] = [];
    m.cancelled(k(1)).subscribe((r) => seen.push(r));
    expect(m.cancel(k(1), 'first')).to.equal('cancelled');
    expect(m.cancel(k(1), 'second')).to.equal('already-cancelled');
    m.cancelled(k(1)).subscribe((r) => seen.push(r));
    expect(seen).to.deep.equal([{ source: 'peer', reason: 'first' }, { source: 'peer', reason: 'first' }]);
  });

  it('should complete cancelled(key) without a value when the request ends otherwise, or at once for an unknown key', () => {
    const m = new CancellationManager();
    m.register(k(1));
    const log: string[] = [];
    m.cancelled(k(1)).subscribe({ next: () => log.push('next'), complete: () => log.push('complete 1') });
    m.complete(k(1));
    m.cancelled(k(2)).subscribe({ next: () => log.push('next'), complete: () => log.push('complete 2') });
    expect(log).to.deep.equal(['complete 1', 'complete 2']);
  });

  it('should tell a watcher exactly as it tells a subscriber of cancelled(key)', () => {
    const m = new CancellationManager();
    const log: string[] = [];
    const watcher = (name: string) => ({ closed: false, next: (r: CancelReason) => log.push(`${name} ${r.reason ?? ''}`), complete: () => log.push(`${name} complete`) });
    m.register(k(1));
    m.register(k(2));
    m.watch(k(1), watcher('a'));
    m.watch(k(2), watcher('b'));
    m.cancel(k(1), 'stop');
    m.complete(k(2));
    // after the cancel, while still in flight: at once; not in flight: completed at once
    m.watch(k(1), watcher('c'));
    m.watch(k(3), watcher('d'));
    expect(log).to.deep.equal(['a stop', 'a complete', 'b complete', 'c stop', 'c complete', 'd complete']);
  });

  it('should make any stream cancellable with takeUntil(manager.cancelled(key))', () => {
    const m = new CancellationManager();
    const work = new Subject<number>();
    const got: number[] = [];
    m.register(k('job'));
    work.pipe(takeUntil(m.cancelled(k('job')))).subscribe((v) => got.push(v));
    work.next(1);
    m.cancel(k('job'));
    work.next(2);
    expect(got).to.deep.equal([1]);
    expect(work.observed).to.equal(false);
  });

  it('should say finished for a recently ended key and unknown otherwise, with a bounded memory', () => {
    const m = new CancellationManager({ rememberFinished: 3 });
    for (let i = 0; i < 5; i++) {
      m.register(k(i));
      m.complete(k(i));
    }
    expect([0, 1, 2, 3, 4, 9].map((i) => m.cancel(k(i)))).to.deep.equal(['unknown', 'unknown', 'finished', 'finished', 'finished', 'unknown']);
    expect(m.size).to.equal(0);
  });

  it('should hold nothing per request after 100,000 requests end (the seed kept every id)', () => {
    const m = new CancellationManager();
    for (let i = 0; i < 100_000; i++) {
      m.register(k(i, `s${i % 7}`));
      if (i % 2 === 0) m.cancel(k(i, `s${i % 7}`));
      m.complete(k(i, `s${i % 7}`));
    }
    expect(m.size).to.equal(0);
    // the id slots go too: nothing grows with traffic but the bounded finished memory
    expect((m as unknown as { ids: Map<unknown, unknown> }).ids.size).to.equal(0);
    const finished = (m as unknown as { finishedCount: number }).finishedCount;
    expect(finished).to.equal(7 * 1000);
  });

  it('should unsubscribe the observer of a request that ends, leaving no listener behind', () => {
    const m = new CancellationManager();
    m.register(k(1));
    const sub = m.cancelled(k(1)).subscribe();
    sub.unsubscribe();
    m.register(k(2));
    expect(m.cancel(k(1))).to.equal('cancelled');
  });

  describe('bus', () => {
    it('should publish a cancel for a key it does not hold, and apply a cancel from the bus', () => {
      const published: BusCancellation[] = [];
      const incoming = new Subject<BusCancellation>();
      const m = new CancellationManager({ bus: { publish: (key, reason) => published.push({ key, reason }), cancellations$: incoming } });
      expect(m.cancel(k(1, 'a'), 'elsewhere')).to.equal('forwarded');
      expect(published).to.deep.equal([{ key: { sessionId: 'a', requestId: 1 }, reason: { source: 'peer', reason: 'elsewhere' } }]);
      m.register(k(2, 'a'));
      const seen: CancelReason[] = [];
      m.cancelled(k(2, 'a')).subscribe((r) => seen.push(r));
      incoming.next({ key: k(2, 'a'), reason: { source: 'peer', reason: 'from B' } });
      expect(seen).to.deep.equal([{ source: 'peer', reason: 'from B', via: 'bus' }]);
      expect(published).to.have.length(1);
      m.dispose();
      expect(incoming.observed).to.equal(false);
    });

    it('should keep a cancel to itself with forward: false, and say unknown', () => {
      const published: BusCancellation[] = [];
      const m = new CancellationManager({ bus: { publish: (key, reason) => published.push({ key, reason }), cancellations$: new Subject<BusCancellation>() } });
      expect(m.cancel(k(1, 'a'), 'here only', { forward: false })).to.equal('unknown');
      expect(published).to.deep.equal([]);
      m.dispose();
    });

    it('should publish a cancel for a key in flight only in another session, since its owner may be elsewhere too', () => {
      const published: BusCancellation[] = [];
      const m = new CancellationManager({ bus: { publish: (key, reason) => published.push({ key, reason }), cancellations$: new Subject<BusCancellation>() } });
      m.register(k(1, 'a'));
      expect(m.cancel(k(1, 'b'))).to.equal('elsewhere');
      expect(published.map((p) => p.key)).to.deep.equal([{ sessionId: 'b', requestId: 1 }]);
      m.register(k(2, 'b'));
      expect(m.cancel(k(2, 'b'))).to.equal('cancelled');
      expect(published).to.have.length(1);
    });

    it('should survive a bus that errors: local cancellation keeps working', () => {
      const incoming = new Subject<BusCancellation>();
      const m = new CancellationManager({ bus: { publish: () => undefined, cancellations$: incoming } });
      incoming.error(new Error('bus down'));
      m.register(k(1));
      expect(m.cancel(k(1))).to.equal('cancelled');
    });
  });
});

describe('CancellationManager under load', () => {
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
});

describe('CancellationManager memory of finished ids', () => {
  it('should remember what a model of both bounds remembers, over any finishes and forgotten sessions', () => {
    // the model: each session's ids oldest first (an id that comes again keeps its place), the
    // sessions in the order first seen (again at the end once emptied or forgotten)
    const sessions = fc.constantFrom<string | undefined>('a', 'b', 'c', undefined);
    const ids = fc.constantFrom<RequestId>(0, 1, 2, 3, '0', '1');
    const arbOp = fc.oneof(
      { weight: 5, arbitrary: fc.record({ op: fc.constant('finish' as const), s: sessions, id: ids }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('forget' as const), s: sessions }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 7 }), fc.array(arbOp, { maxLength: 60 }), (perSession, total, ops) => {
        const m = new CancellationManager({ rememberFinished: perSession, rememberFinishedTotal: total });
        const model = new Map<string | undefined, RequestId[]>();
        const count = (): number => [...model.values()].reduce((n, l) => n + l.length, 0);
        for (const o of ops) {
          if (o.op === 'forget') {
            m.forgetSession(o.s);
            model.delete(o.s);
          } else {
            m.register(k(o.id, o.s));
            m.complete(k(o.id, o.s));
            const list = model.get(o.s) ?? [];
            if (!model.has(o.s)) model.set(o.s, list);
            if (!list.includes(o.id)) {
              list.push(o.id);
              if (list.length > perSession) list.shift();
            }
            while (count() > total) {
              const [first, oldest] = model.entries().next().value as [string | undefined, RequestId[]];
              oldest.shift();
              if (oldest.length === 0) model.delete(first);
            }
          }
          for (const s of ['a', 'b', 'c', undefined])
            for (const id of [0, 1, 2, 3, '0', '1'])
              expect(m.wasFinished(k(id, s)), `${String(s)}/${JSON.stringify(id)}`).to.equal(model.get(s)?.includes(id) === true);
        }
      }),
    );
  });

  it('should remember at most rememberFinishedTotal ids across sessions, the session seen first giving up its oldest', () => {
    const m = new CancellationManager({ rememberFinished: 10, rememberFinishedTotal: 3 });
    for (const key of [k(1, 'a'), k(2, 'a'), k(1, 'b'), k(2, 'b')]) {
      m.register(key);
      m.complete(key);
    }
    expect([k(1, 'a'), k(2, 'a'), k(1, 'b'), k(2, 'b')].map((key) => m.cancel(key))).to.deep.equal(['unknown', 'finished', 'finished', 'finished']);
  });

  it('should forget what an ended session finished, and give its room back to the others', () => {
    const m = new CancellationManager({ rememberFinished: 10, rememberFinishedTotal: 3 });
    for (const key of [k(1, 'gone'), k(2, 'gone'), k(1, 'live')]) {
      m.register(key);
      m.complete(key);
    }
    m.forgetSession('gone');
    m.forgetSession('never seen');
    // two more fit now: nothing of 'live' is pushed out
    for (const key of [k(2, 'live'), k(3, 'live')]) {
      m.register(key);
      m.complete(key);
    }
    expect([k(1, 'gone'), k(1, 'live'), k(2, 'live'), k(3, 'live')].map((key) => m.cancel(key))).to.deep.equal(['unknown', 'finished', 'finished', 'finished']);
  });

  it('should keep a session\'s finished ids when connections with scopes of their own come and go on the same registry', () => {
    // a 2026-07-28 HTTP transport serves each POST as a connection of its own on one registry:
    // the POSTs that ended must not crowd the finished ids of a long-lived session out
    const manager = new CancellationManager({ rememberFinished: 10, rememberFinishedTotal: 5 });
    manager.register(k(7, 'session'));
    manager.complete(k(7, 'session'));
    for (let i = 0; i < 20; i++) of(req(1, 'echo', {})).pipe(serve({ echo: () => Promise.resolve({}) }, { manager })).subscribe();
    expect(manager.cancel(k(7, 'session'))).to.equal('finished');
  });
});
