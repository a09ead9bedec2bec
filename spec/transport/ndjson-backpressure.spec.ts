import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { Observable, interval, last, lastValueFrom, map, take, tap } from 'rxjs';
import { ConnectionClosedError, connect, type Connection, type Handler, type PeerEvent } from '../../lib/index.js';
import { ndjson } from '../../lib/stdio.js';
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
 * token, rising progress that all comes before its request's response (docs/protocol.md P3).
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

    it('should hold new requests while the output is backed up, and let responses and cancels through', async () => {
      const input = new PassThrough();
      const output = new PassThrough();
      let echoed = 0;
      let cancelled: unknown;
      const { peer, subscription } = connect(ndjson(input, output), {
        handlers: {
          big: () => Promise.resolve({ pad: 'x'.repeat(64 * 1024) }),
          echo: () => Promise.resolve({ echoed: ++echoed }),
          slow: (_p, ctx) =>
            new Observable<never>(() => {
              ctx.onCleanup(() => (cancelled = ctx.signal.reason));
            }),
        },
      });
      open.push(subscription);
      input.write(request(1, 'slow'));
      await until(() => peer.inFlight().serving === 1, 2_000, 'the slow request');
      const asked = lastValueFrom(peer.request<Rec>('question'));
      input.write(request(2, 'big')); // 64 KiB the output cannot take: backed up
      await until(() => output.writableLength > 0, 2_000, 'the output to back up');
      input.write(request(3, 'echo'));
      // what ends work goes ahead: the answer to our request, the cancel of the running one
      input.write(line({ id: 0, result: { answer: 42 } }));
      input.write(line({ method: 'notifications/cancelled', params: { requestId: 1, reason: 'enough' } }));
      expect(await asked).to.deep.equal({ answer: 42 });
      await until(() => cancelled !== undefined, 2_000, 'the cancel');
      expect((cancelled as Rec)['source']).to.equal('peer');
      await sleep(20);
      expect(echoed, 'a new request waits while the output is backed up').to.equal(0);
      const got = readFrom(output);
      await until(() => got.some((m) => m['id'] === 3), 2_000, 'the echo response');
      expect(echoed).to.equal(1);
      // our request (id 0), then the responses: none to the cancelled request
      expect(got.map((m) => m['id'])).to.deep.equal([0, 2, 3]);
    });

    it('should stop reading over maxHeldBytes of held work, and read again once the output caught up', async () => {
      const input = new PassThrough();
      const output = new PassThrough();
      let echoed = 0;
      const { subscription } = connect(ndjson(input, output, { maxHeldBytes: 1024 }), {
        handlers: {
          big: () => Promise.resolve({ pad: 'x'.repeat(64 * 1024) }),
          echo: () => Promise.resolve({ echoed: ++echoed }),
        },
      });
      open.push(subscription);
      input.write(request(1, 'big'));
      await until(() => output.writableLength > 0, 2_000, 'the output to back up');
      // one request a write: each is read, until the held ones are over 1 KiB
      for (let i = 0; i < 100; i++) input.write(request(100 + i, 'echo'));
      await until(() => input.isPaused(), 2_000, 'the input to be paused');
      await sleep(20);
      expect(input.readableLength, 'what was not read stays in the stream').to.be.greaterThan(0);
      expect(echoed).to.equal(0);
      const got = readFrom(output);
      await until(() => echoed === 100, 2_000, 'every echo');
      expect(input.isPaused()).to.equal(false);
      await until(() => got.length === 101, 2_000, 'every response');
      expect(got.map((m) => m['id'])).to.deep.equal([1, ...Array.from({ length: 100 }, (_, i) => 100 + i)]);
    });

    it('should not resume a readable whose reader is gone when the output drains', async () => {
      const input = new PassThrough();
      const output = new PassThrough();
      const wire = ndjson(input, output, { maxHeldBytes: 16 });
      const reading = wire.incoming$.subscribe();
      void wire.send({ jsonrpc: '2.0', method: 'n', params: { pad: 'x'.repeat(64 * 1024) } });
      await until(() => output.writableLength > 0, 2_000, 'the output to back up');
      input.write(request(1, 'a') + request(2, 'b'));
      await until(() => input.isPaused(), 2_000, 'the input to be paused');
      reading.unsubscribe();
      output.resume();
      await until(() => output.writableLength === 0, 2_000, 'the output to drain');
      await sleep(10);
      expect(input.isPaused()).to.equal(true);
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
      // the closing fault is there (the peer's summary of earlier shed reports may follow it: a
      // transport-error summary is flushed when the connection closes)
      expect(faults.some((l) => /^transport-error output backed up over 2048 bytes: the other side does not read; closing the connection/.test(l)), faults.join('\n')).to.equal(true);
      c.stdout?.resume();
      // every request is answered or told the connection closed: none is left waiting
      await until(() => settled === n, 10_000, 'every request to settle');
      expect(closedErrors).to.be.greaterThan(0);
    });

    it('should not deadlock our client and server when both outputs back up (waves of requests, floods of progress)', async () => {
      const { connection: { peer } } = await start({});
      let settled = 0;
      const total = 5000;
      for (let wave = 0; wave < 5; wave++) {
        for (let i = 0; i < total / 5; i++) {
          // answered or refused (maxInFlight is 1,000), but answered
          peer.request('work', { steps: 50, intervalMs: 1, pad: 'p'.repeat(200) }, { onProgress: () => undefined }).subscribe({
            complete: () => void settled++,
            error: () => void settled++,
          });
        }
        await sleep(30);
      }
      await until(() => settled === total, 10_000, `every request to settle (${settled} of ${total})`);
    });
  });
});
