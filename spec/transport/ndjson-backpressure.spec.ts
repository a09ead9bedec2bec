import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { Observable, interval, last, lastValueFrom, map, take, tap } from 'rxjs';
import { ConnectionClosedError, connect, ndjson, type Connection, type Handler, type PeerEvent } from '../../lib/index.js';
import { Lines, ROOT, fixture, tsNode, until } from './support.js';

type Rec = Record<string, unknown>;

const line = (m: Rec): string => `${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`;
const request = (id: number, method: string, params: Rec = {}): string => line({ id, method, params: { ...params, _meta: { progressToken: id } } });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `steps` progress notifications, one a millisecond, then `{ done: id }`. */
const work =
  (steps: number): Handler =>
  (_p, ctx) =>
    interval(1).pipe(
      take(steps),
      tap((i) => ctx.progress(i + 1, steps)),
      last(),
      map(() => ({ done: ctx.requestId })),
    );

/** Every message written to `output`, from now on (reading it is what lets it drain). */
const readFrom = (output: Readable): Rec[] => {
  const got: Rec[] = [];
  ndjson(output, new PassThrough()).incoming$.subscribe((m) => void got.push(m as Rec));
  return got;
};

const faultMessages = (events: readonly PeerEvent[]): string[] => events.flatMap((e) => (e.type === 'transport-error' ? [e.error.message] : []));
const SHED = /^output backed up: shed (\d+) progress notifications?/;

/**
 * What a reader of the wire must see whatever was shed: one response per request, and per
 * token, rising progress that all comes before its request's response (SPEC-NOTES P3).
 */
const checkOrder = (got: readonly Rec[], n: number): number => {
  const answered = new Map<unknown, number>();
  const progress = new Map<unknown, number>();
  let count = 0;
  got.forEach((m) => {
    if ('result' in m || 'error' in m) {
      expect(answered.has(m['id']), `one response to ${String(m['id'])}`).to.equal(false);
      answered.set(m['id'], 1);
    } else if (m['method'] === 'notifications/progress') {
      const p = m['params'] as Rec;
      const token = p['progressToken'];
      expect(answered.has(token), `progress for ${String(token)} after its response`).to.equal(false);
      expect(p['progress'] as number).to.be.greaterThan(progress.get(token) ?? 0);
      progress.set(token, p['progress'] as number);
      count++;
    }
  });
  expect(answered.size).to.equal(n);
  return count;
};

describe('ndjson (backpressure)', () => {
  // a failed assertion must not leave handlers' timers running: the suite runs without --exit
  const open: Array<{ unsubscribe(): void }> = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.unsubscribe();
  });

  describe('in process', () => {
    it('should deliver every response to a reader that stops then resumes, shedding only progress, reported once', async () => {
      const n = 1000;
      const steps = 20;
      const input = new PassThrough();
      const output = new PassThrough();
      // 1,000 requests stream 20,000 progress (1.8 MB): far over the queue, which holds what matters
      const { peer, subscription } = connect(ndjson(input, output, { maxQueuedBytes: 256 * 1024 }), { handlers: { work: work(steps) } });
      open.push(subscription);
      const events: PeerEvent[] = [];
      peer.events$.subscribe((e) => events.push(e));
      input.write(Array.from({ length: n }, (_, i) => request(i + 1, 'work')).join(''));
      // nobody reads the output until every handler is done: all their responses wait
      await until(() => events.filter((e) => e.type === 'request-completed').length === n, 10_000, 'every handler to finish');
      const got = readFrom(output);
      await until(() => got.filter((m) => 'result' in m).length === n, 5_000, 'every response');
      const progress = checkOrder(got, n);
      const faults = faultMessages(events);
      expect(faults.length, faults.join('; ')).to.be.at.least(1);
      expect(faults.every((f) => SHED.test(f)), faults.join('; ')).to.equal(true);
      // every progress is either on the wire or counted as shed: nothing else is lost
      const shed = faults.reduce((sum, f) => sum + Number(SHED.exec(f)?.[1]), 0);
      expect(progress + shed).to.equal(n * steps);
      expect(shed).to.be.greaterThan(0);
    });

    it('should close the connection with one report when what must be delivered is over maxQueuedBytes', async () => {
      const input = new PassThrough();
      const output = new PassThrough();
      let reason: unknown;
      const { peer, subscription } = connect(ndjson(input, output, { maxQueuedBytes: 4096 }), {
        handlers: {
          answer: () => Promise.resolve({ pad: 'x'.repeat(200) }),
          slow: (_p, ctx) =>
            new Observable<never>(() => {
              ctx.onCleanup(() => (reason = ctx.signal.reason));
            }),
        },
      });
      open.push(subscription);
      const events: PeerEvent[] = [];
      peer.events$.subscribe((e) => events.push(e));
      input.write(request(1, 'slow'));
      await until(() => peer.inFlight().serving === 1, 2_000, 'the slow request');
      const pending = lastValueFrom(peer.request('question')).then(() => undefined, (e: unknown) => e);
      // 1,000 answers of 250 bytes: the output takes 32 KiB, the queue 4 KiB, the rest cannot wait
      input.write(Array.from({ length: 1000 }, (_, i) => request(10 + i, 'answer')).join(''));
      await until(() => events.some((e) => e.type === 'connection-closed'), 2_000, 'the close');
      expect(await pending).to.be.instanceOf(ConnectionClosedError);
      expect((reason as Rec)['source']).to.equal('close');
      const faults = faultMessages(events);
      expect(faults, faults.join('; ')).to.have.length(1);
      expect(faults[0]).to.match(/^output backed up over 4096 bytes: the other side does not read; closing the connection/);
      expect(peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });
  });

  describe('over a child process', function () {
    this.timeout(20_000);
    let child: ChildProcess | undefined;
    let connection: Connection | undefined;

    const start = async (env: Record<string, string>): Promise<{ child: ChildProcess; stderr: Lines; connection: Connection }> => {
      const { command, args } = tsNode(fixture('progress-server.ts'));
      const c = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
      child = c;
      const stderr = new Lines(c.stderr);
      await stderr.waitFor(/^ready/);
      connection = connect(ndjson(c.stdout as Readable, c.stdin as Writable));
      return { child: c, stderr, connection };
    };

    afterEach(async () => {
      connection?.subscription.unsubscribe();
      connection = undefined;
      const c = child;
      child = undefined;
      if (c !== undefined && c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }
    });

    it('should deliver all 1,000 responses to a client that stops reading for a while, progress shed and reported', async () => {
      const n = 1000;
      const { child: c, stderr, connection: { peer } } = await start({ MAX_QUEUED_BYTES: String(256 * 1024) });
      const events: PeerEvent[] = [];
      peer.events$.subscribe((e) => events.push(e));
      // the test stops reading the child's stdout (before anything is sent: ndjson leaves a
      // readable paused by its owner alone); the pipe and the child's queue fill up
      c.stdout?.pause();
      const seen = new Map<number, number>();
      let rising = true;
      let results = 0;
      for (let i = 0; i < n; i++) {
        peer
          .request<Rec>('work', { steps: 20, intervalMs: 2 }, {
            onProgress: (p) => {
              rising &&= p.progress > (seen.get(i) ?? 0);
              seen.set(i, p.progress);
            },
          })
          .subscribe({ next: () => void results++, error: () => undefined });
      }
      await sleep(500);
      c.stdout?.resume();
      await until(() => results === n, 10_000, 'every response');
      expect(rising).to.equal(true);
      // no progress came after its response (it would have been dropped as unknown)
      expect(events.filter((e) => e.type === 'progress-dropped')).to.have.length(0);
      await stderr.waitFor(/^transport-error output backed up: shed \d+ progress/, 5_000);
      const shedLines = stderr.all.filter((l) => l.startsWith('transport-error '));
      expect(shedLines.length).to.be.at.least(1);
      expect(shedLines.every((l) => SHED.test(l.slice('transport-error '.length))), shedLines.join('\n')).to.equal(true);
    });

    it('should close the connection, never lose responses silently, when a tiny maxQueuedBytes cannot hold them', async () => {
      const n = 1000;
      const { child: c, stderr, connection: { peer } } = await start({ MAX_QUEUED_BYTES: '2048' });
      c.stdout?.pause();
      let settled = 0;
      let closedErrors = 0;
      for (let i = 0; i < n; i++) {
        peer.request('work', { steps: 20, intervalMs: 2 }, { onProgress: () => undefined }).subscribe({
          next: () => undefined,
          complete: () => void settled++,
          error: (e: unknown) => {
            settled++;
            if (e instanceof ConnectionClosedError) closedErrors++;
          },
        });
      }
      // not a byte read until the server gives up: its handlers finish when they can, and
      // their responses cannot wait in 2 KiB
      await stderr.waitFor(/^connection-closed/, 10_000);
      const faults = stderr.all.filter((l) => l.startsWith('transport-error '));
      expect(faults.at(-1)).to.match(/^transport-error output backed up over 2048 bytes: the other side does not read; closing the connection/);
      c.stdout?.resume();
      // every request is answered or told the connection closed: none is left waiting
      await until(() => settled === n, 10_000, 'every request to settle');
      expect(closedErrors).to.be.greaterThan(0);
    });
  });
});
