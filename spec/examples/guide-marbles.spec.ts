import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Subject, filter, finalize, map, switchMap, takeUntil, tap, type Observable } from 'rxjs';
import type { ColdObservable } from 'rxjs/internal/testing/ColdObservable';
import type { HotObservable } from 'rxjs/internal/testing/HotObservable';
import type { RunHelpers } from 'rxjs/testing';
import {
  CancelReason,
  CancellationManager,
  ConnectionClosedError,
  RequestKey,
  RequestTimeoutError,
  createPeer,
  runRequest,
  serve,
  type Handler,
  type PeerEvent,
  type RequestContext,
} from '../../lib/index.js';
import { ROOT } from '../transport/support.js';
import { cancel, m, progress, req, result, testScheduler } from '../helpers.js';

// The guides draw the timing rules as marble diagrams, in fenced blocks whose info string is
// `marble <name>`. Each block is run here with RxJS's TestScheduler against the library itself
// (serve, createPeer, the manager, runRequest), by the runner of its name: a diagram edited to
// show other behaviour, or a library that changed its timing, fails this spec. Every block must
// have a runner and every runner a block, so none is left unchecked.

const GUIDES = join(ROOT, 'docs', 'guides');

/** One line of a diagram: its label, its marbles, and the column its marbles start at. */
interface Line {
  readonly label: string;
  readonly marbles: string;
  readonly column: number;
}

interface Block {
  readonly name: string;
  readonly guide: string;
  readonly lines: readonly Line[];
}

const BLOCK = /^```marble ([a-z0-9-]+)\n([\s\S]*?)^```$/gm;
const LINE = /^([a-z][a-z ]*):( +)(\S*)$/;

const parse = (guide: string, name: string, body: string): Block => {
  const lines = body.split('\n').filter((l) => l.trim() !== '').map((text): Line => {
    const l = LINE.exec(text.trimEnd());
    if (l === null) throw new Error(`${guide} ${name}: not "label: marbles" (no spaces inside the marbles): ${JSON.stringify(text)}`);
    const [, label = '', gap = ''] = l;
    return { label, marbles: l[3] ?? '', column: label.length + 1 + gap.length };
  });
  const labels = lines.map((l) => l.label);
  expect(new Set(labels).size, `${guide} ${name}: a label twice`).to.equal(labels.length);
  return { name, guide, lines };
};

const textOf = (guide: string): string => readFileSync(join(GUIDES, guide), 'utf8');
const blocksOf = (guide: string): Block[] => [...textOf(guide).matchAll(BLOCK)].map((b) => parse(guide, b[1] ?? '', b[2] ?? ''));

type Values = Record<string, unknown>;

/**
 * What a runner reads of its block. Each label read is marked, so that a line no runner reads
 * (a drawn claim nothing checks) fails. Every line but a cold one starts at the block's first
 * column (frame 0); a cold line (what a handler would do once started) starts at the column of
 * the frame it is first subscribed at, and that is checked too, so the drawing stays aligned.
 */
class Reader {
  private readonly read = new Set<string>();
  private readonly checks: Array<() => void> = [];
  private readonly origin: number;

  constructor(
    private readonly block: Block,
    private readonly h: RunHelpers,
  ) {
    this.origin = block.lines[0]?.column ?? 0;
  }

  private line(label: string): Line {
    const l = this.block.lines.find((x) => x.label === label);
    if (l === undefined) throw new Error(`${this.block.guide} ${this.block.name}: no line "${label}"`);
    this.read.add(label);
    return l;
  }

  /** Marbles of a line drawn from frame 0 (hot input, expected output, subscriptions). */
  marbles(label: string): string {
    const l = this.line(label);
    expect(l.column, `${this.block.name}: "${label}" must start at frame 0 (column ${this.origin})`).to.equal(this.origin);
    return l.marbles;
  }

  hot<T>(label: string, values?: Record<string, T>): HotObservable<T> {
    return this.h.hot(this.marbles(label), values);
  }

  /** A cold line, drawn from the frame it is subscribed at (checked once the run flushed). */
  cold<T>(label: string, values?: Record<string, T>): ColdObservable<T> {
    const l = this.line(label);
    const c = this.h.cold(l.marbles, values);
    this.checks.push(() => {
      const first = c.subscriptions[0];
      if (first === undefined) return; // never subscribed: the offset means nothing
      expect(l.column - this.origin, `${this.block.name}: "${label}" must start at the frame it is subscribed at`).to.equal(first.subscribedFrame);
    });
    return c;
  }

  expect<T>(label: string, actual: Observable<T>, values?: Values, error?: unknown, subscription?: string): void {
    this.h.expectObservable(actual, subscription).toBe(this.marbles(label), values, error);
  }

  subscriptions(label: string, ...cold: Array<ColdObservable<unknown>>): void {
    const marbles = this.marbles(label);
    for (const c of cold) this.h.expectSubscriptions(c.subscriptions).toBe(marbles);
  }

  /** After the run: the cold lines were aligned, and every line was read. */
  done(): void {
    for (const c of this.checks) c();
    expect(this.block.lines.map((l) => l.label).filter((l) => !this.read.has(l)), `${this.block.name}: lines no runner checks`).to.deep.equal([]);
  }
}

type Runner = (r: Reader, h: RunHelpers) => void;

/** A Subject of one letter per side effect, to draw it on a line with expectObservable. */
const marks = (): Subject<string> => new Subject<string>();

/** The `why` of each `cancel-ignored` event, as a letter. */
const ignoredOf = (events: Subject<PeerEvent>, letters: Record<string, string>): Observable<string> =>
  events.pipe(
    filter((e): e is Extract<PeerEvent, { type: 'cancel-ignored' }> => e.type === 'cancel-ignored'),
    map((e) => letters[e.why] ?? e.why),
  );

const dropped = (events$: Observable<PeerEvent>): Observable<string> =>
  events$.pipe(filter((e) => e.type === 'late-response-dropped'), map(() => 'd'));

/** A handler that registers a cleanup (drawn as `x`) and runs `work`. */
const handlerOf = (work: Observable<unknown>, cleanups: Subject<string>): Handler =>
  (_params: unknown, ctx: RequestContext) => {
    ctx.onCleanup(() => cleanups.next('x'));
    return work;
  };

/** The same, reporting each value n of `work` as progress n/total. */
const reportingHandlerOf = (work: Observable<number>, cleanups: Subject<string>, total: number): Handler =>
  (params: unknown, ctx: RequestContext) => handlerOf(work.pipe(tap((n) => ctx.progress(n, total))), cleanups)(params, ctx);

const timedOut = (ms: number): string => `Request timed out after ${ms} ms`;
const digits = { 1: 1, 2: 2, 3: 3, 4: 4 };

const RUNNERS: Record<string, Runner> = {
  // ---- cancellable-streams.md: the manager alone, and the chain every handler runs in
  'cancel-completes': (r) => {
    const manager = new CancellationManager();
    const key = RequestKey.of(42, 'alice');
    manager.register(key);
    const finalized = marks();
    const cancels = r.hot('cancel');
    cancels.subscribe(() => manager.cancel(key, CancelReason.of('caller', 'the user left')));
    const work = r.cold('work', digits);
    r.expect('output', work.pipe(takeUntil(manager.cancelled(key)), finalize(() => {
      finalized.next('x');
      manager.complete(key);
    })), digits);
    r.subscriptions('work subscription', work);
    r.expect('finalize', finalized);
  },

  'cancel-before-start': (r, h) => {
    const manager = new CancellationManager();
    const key = RequestKey.of(42, 'alice');
    const served = RequestKey.of(43, 'alice');
    manager.register(key);
    manager.register(served);
    r.hot('cancel').subscribe(() => {
      manager.cancel(key, CancelReason.of('caller', 'early'));
      manager.cancel(served, CancelReason.of('caller', 'early'));
    });
    const finalized = marks();
    const subscribe = r.marbles('subscribe');
    const work = r.cold('work', digits);
    r.expect('output', work.pipe(takeUntil(manager.cancelled(key)), finalize(() => {
      finalized.next('x');
      manager.complete(key);
    })), digits, undefined, subscribe);
    // the chain of serve, createPeer and RequestHandler: the handler is never even called
    const handlerWork = r.cold('work', digits);
    let called = 0;
    const handler: Handler = () => {
      called++;
      return handlerWork;
    };
    const outcome$ = runRequest({ key: served, method: 'job', params: undefined, manager, handler, progressToken: undefined, send: () => undefined, cleanupFailed: () => undefined })
      .pipe(map((o) => (o.type === 'cancelled' && called === 0 ? 'never started' : `${o.type}, handler called ${called} times`)));
    // its one outcome, in the frame it is subscribed at
    h.expectObservable(outcome$, subscribe).toBe(subscribe.replace('^', '(o|)').replace(/-+$/, ''), { o: 'never started' });
    r.subscriptions('work subscription', work, handlerWork);
    r.expect('finalize', finalized);
  },

  // ---- serve-an-existing-stream.md: the serving side
  'cancel-while-running': (r) => {
    const cleanups = marks();
    const incoming = r.hot('incoming', m({ r: req(1, 'job', { _meta: { progressToken: 'p' } }), c: cancel(1, 'stop') }));
    const work = r.cold('handler', digits);
    r.expect('outgoing', incoming.pipe(serve({ job: reportingHandlerOf(work, cleanups, 4) })), m({ p: progress('p', 1, 4), q: progress('p', 2, 4) }));
    r.subscriptions('handler subscription', work);
    r.expect('cleanup', cleanups);
  },

  'response-before-cancel': (r) => {
    const cleanups = marks();
    const events = new Subject<PeerEvent>();
    const incoming = r.hot('incoming', m({ r: req(1, 'job'), c: cancel(1) }));
    const work = r.cold('handler', { v: { v: 1 } });
    r.expect('ignored', ignoredOf(events, { finished: 'f' }));
    r.expect('outgoing', incoming.pipe(serve({ job: handlerOf(work, cleanups) }, { events })), m({ R: result(1, { v: 1 }) }));
    r.subscriptions('handler subscription', work);
    r.expect('cleanup', cleanups);
  },

  'cancel-rate-limit': (r) => {
    const events = new Subject<PeerEvent>();
    const incoming = r.hot('incoming', m({ a: req(1, 'job'), b: req(2, 'job'), c: req(3, 'job'), x: cancel(1), y: cancel(2), z: cancel(3) }));
    const work = r.cold('handler', { v: { n: 1 } });
    r.expect('ignored', ignoredOf(events, { 'rate-limited': 'l' }));
    r.expect('outgoing', incoming.pipe(serve({ job: () => work }, { events, security: { maxCancellationsPerSecond: 250, burst: 1 } })), m({ B: result(2, { n: 1 }) }));
  },

  'hang-up': (r) => {
    const cleanups = marks();
    const incoming = r.hot('incoming', m({ r: req(1, 'job') }));
    const work = r.cold('handler', { v: { v: 1 } });
    r.expect('outgoing', incoming.pipe(serve({ job: handlerOf(work, cleanups) })));
    r.subscriptions('handler subscription', work);
    r.expect('cleanup', cleanups);
  },

  // ---- peer-in-an-rxjs-app.md: the sending side, and a peer's close
  'unsubscribe-cancels': (r) => {
    const incoming = r.hot('incoming', m({ R: result(0, { late: true }) }));
    const peer = createPeer(incoming, { timeoutMs: 100 });
    r.expect('dropped', dropped(peer.events$));
    r.expect('outgoing', peer.outgoing$, m({ r: req(0, 'search'), c: cancel(0, 'the user left') }));
    r.expect('result', peer.request('search', undefined, { reason: 'the user left' }), undefined, undefined, r.marbles('caller'));
  },

  'switchmap-cancels': (r) => {
    const incoming = r.hot('incoming', m({ B: result(1, { hits: ['b'] }) }));
    const client = createPeer(incoming);
    const keys = r.hot('keys', { a: 'a', b: 'b' });
    r.expect('outgoing', client.outgoing$, m({ q: req(0, 'search', { q: 'a' }), c: cancel(0), s: req(1, 'search', { q: 'b' }) }));
    r.expect('results', keys.pipe(switchMap((q) => client.request('search', { q }))), { b: { hits: ['b'] } });
  },

  timeout: (r) => {
    const incoming = r.hot('incoming', m({ R: result(0) }));
    const peer = createPeer(incoming);
    r.expect('dropped', dropped(peer.events$));
    r.expect('outgoing', peer.outgoing$, m({ r: req(0, 'slow'), c: cancel(0, timedOut(5)) }));
    r.expect('result', peer.request('slow', undefined, { timeoutMs: 5 }), undefined, new RequestTimeoutError(0, 5));
  },

  'progress-resets-timeout': (r) => {
    const incoming = r.hot('incoming', m({ p: progress(0, 1) }));
    const peer = createPeer(incoming);
    r.expect('outgoing', peer.outgoing$, m({ r: req(0, 'slow', { _meta: { progressToken: 0 } }), c: cancel(0, `${timedOut(10)} (maxTotalTimeoutMs)`) }));
    r.expect('result', peer.request('slow', undefined, { timeoutMs: 5, resetTimeoutOnProgress: true, maxTotalTimeoutMs: 10 }), undefined, new RequestTimeoutError(0, 10));
  },

  close: (r) => {
    const cleanups = marks();
    const incoming = r.hot('incoming', m({ a: req(7, 'job') }));
    const work = r.cold('handler', { v: { v: 1 } });
    const peer = createPeer(incoming, { handlers: { job: handlerOf(work, cleanups) } });
    r.expect('outgoing', peer.outgoing$, m({ q: req(0, 'ask') }));
    r.expect('result', peer.request('ask'), undefined, new ConnectionClosedError('Connection closed before the response to 0 (ask)'));
    r.subscriptions('handler subscription', work);
    r.expect('cleanup', cleanups);
  },

  'tied-request': (r) => {
    const cleanups = marks();
    const incoming = r.hot('incoming', m({ c: req(7, 'tools/call'), k: cancel(7) }));
    const peer = createPeer(incoming, {
      handlers: {
        'tools/call': (_params, ctx) => {
          ctx.onCleanup(() => cleanups.next('x'));
          return ctx.request('elicitation/create', { message: 'Delete the backup?' });
        },
      },
    });
    r.expect('outgoing', peer.outgoing$, m({ a: req(0, 'elicitation/create', { message: 'Delete the backup?' }), x: cancel(0) }));
    r.expect('cleanup', cleanups);
  },

  // ---- mcp-client.md
  'initialize-never-cancelled': (r) => {
    const incoming = r.hot('incoming', m({ R: result(0, { protocolVersion: '2025-11-25' }) }));
    const peer = createPeer(incoming);
    r.expect('dropped', dropped(peer.events$));
    r.expect('outgoing', peer.outgoing$, m({ i: req(0, 'initialize') }));
    r.expect('result', peer.request('initialize'), undefined, undefined, r.marbles('caller'));
  },
};

const guides = readdirSync(GUIDES).filter((f) => f.endsWith('.md')).sort();
const blocks = guides.flatMap(blocksOf);

describe('the guides\' marble diagrams (docs/guides/*.md, ```marble blocks)', () => {
  it('should have one runner for every diagram, and a diagram for every runner', () => {
    const names = blocks.map((b) => b.name);
    expect(new Set(names).size, 'a diagram name twice').to.equal(names.length);
    expect([...names].sort()).to.deep.equal(Object.keys(RUNNERS).sort());
    // a fence this spec cannot read (```marbles, a name in capitals) would be a diagram never run
    for (const guide of guides)
      expect(textOf(guide).match(/^```marble/gm)?.length ?? 0, `${guide}: fences that start with \`\`\`marble but are not "marble <name>"`)
        .to.equal(blocks.filter((b) => b.guide === guide).length);
  });

  for (const block of blocks) {
    it(`${block.guide} ${block.name}: should be what the library does`, () => {
      const run = RUNNERS[block.name];
      if (run === undefined) throw new Error(`no runner for the diagram ${block.name} in ${block.guide}`);
      let reader: Reader | undefined;
      testScheduler().run((h) => {
        reader = new Reader(block, h);
        run(reader, h);
      });
      reader?.done();
    });
  }
});
