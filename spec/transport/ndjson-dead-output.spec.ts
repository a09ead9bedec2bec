import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { Observable, lastValueFrom } from 'rxjs';
import { ConnectionClosedError, WireFault, connect, type PeerEvent } from '../../lib/index.js';
import { ndjson } from '../../lib/stdio.js';
import { until } from './support.js';

type Rec = Record<string, unknown>;

/** Run `body`, then a while more, and return every unhandled rejection seen meanwhile. */
const unhandledDuring = async (body: () => Promise<void>): Promise<unknown[]> => {
  const seen: unknown[] = [];
  const listen = (e: unknown): void => void seen.push(e);
  process.on('unhandledRejection', listen);
  try {
    await body();
    // Node reports an unhandled rejection after the microtasks of its turn: let a few turns pass
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    process.off('unhandledRejection', listen);
  }
  return seen;
};

/** How a send fared: 'written' when it returned nothing, else what its Promise settled with. */
const outcome = async (sent: void | Promise<void>): Promise<unknown> => (sent === undefined ? 'written' : sent.then(() => 'resolved', (e: unknown) => e));

describe('ndjson (a dead output)', () => {
  // a failed assertion must not leave a handler's timer running: the suite runs without --exit
  const open: Array<{ unsubscribe(): void }> = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.unsubscribe();
  });

  for (const [how, kill] of [
    ['destroyed', (o: PassThrough) => o.destroy()],
    ['errored (EPIPE)', (o: PassThrough) => o.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))],
  ] as const) {
    it(`should close the connection when the output is ${how}: handlers cancelled, cleanups once, pending requests closed, one report`, async () => {
      const input = new PassThrough();
      const output = new PassThrough();
      output.resume(); // a reader that keeps up: only the death of the output is tested
      let cleanups = 0;
      let reason: unknown;
      const { peer, subscription } = connect(ndjson(input, output), {
        handlers: {
          // progress every millisecond, for ever: each is a write to a dead output
          slow: (_p, ctx) =>
            new Observable<never>(() => {
              ctx.onCleanup(() => {
                cleanups++;
                reason = ctx.signal.reason;
              });
              let n = 0;
              const timer = setInterval(() => ctx.progress(++n), 1);
              return () => clearInterval(timer);
            }),
        },
      });
      open.push(subscription);
      const events: PeerEvent[] = [];
      peer.events$.subscribe((e) => events.push(e));
      input.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'slow', params: { _meta: { progressToken: 't' } } })}\n`);
      await until(() => peer.inFlight().serving === 1, 2_000, 'the request to be served');
      const pending = lastValueFrom(peer.request('ping')).then(() => undefined, (e: unknown) => e);
      await new Promise((r) => setTimeout(r, 10));
      kill(output);
      await until(() => cleanups > 0, 2_000, 'the cleanup');
      expect(await pending).to.be.instanceOf(ConnectionClosedError);
      expect((reason as Rec)['source']).to.equal('close');
      // a while more: no storm of reports, no second cleanup
      await new Promise((r) => setTimeout(r, 30));
      expect(cleanups).to.equal(1);
      const faults = events.filter((e) => e.type === 'transport-error');
      expect(faults.length, faults.map((e) => ('error' in e ? e.error.message : '')).join('; ')).to.be.within(1, 2);
      expect(events.some((e) => e.type === 'connection-closed')).to.equal(true);
      expect(peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });
  }

  it('should report a dead output once however many sends follow, and nothing after the close', async () => {
    const output = new PassThrough();
    const wire = ndjson(new PassThrough(), output);
    const got: unknown[] = [];
    let completed = false;
    wire.incoming$.subscribe({ next: (v) => void got.push(v), complete: () => (completed = true) });
    output.destroy();
    const sent = Array.from({ length: 100 }, (_, i) => wire.send({ jsonrpc: '2.0', method: 'n', params: { i } }));
    await until(() => completed, 2_000, 'incoming$ to complete');
    expect(got).to.have.length(1);
    expect(WireFault.is(got[0]) && got[0].kind).to.equal('transport-error');
    // reported once, but every send is told it was not written
    const outcomes = await Promise.all(sent.map(outcome));
    expect(outcomes.every((o) => o instanceof ConnectionClosedError), String(outcomes.find((o) => !(o instanceof ConnectionClosedError)))).to.equal(true);
    output.emit('error', new Error('a late EPIPE'));
    expect(await outcome(wire.send({ jsonrpc: '2.0', method: 'n' }))).to.be.instanceOf(ConnectionClosedError);
    await wire.close();
    expect(await outcome(wire.send({ jsonrpc: '2.0', method: 'n' }))).to.be.instanceOf(ConnectionClosedError);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).to.have.length(1);
  });

  it('should emit nothing after close: a late write error is not reported and send writes nothing', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    const wire = ndjson(input, output);
    const got: unknown[] = [];
    wire.incoming$.subscribe((v) => void got.push(v));
    await wire.close();
    output.emit('error', new Error('a late EPIPE'));
    output.destroy();
    expect(await outcome(wire.send({ jsonrpc: '2.0', method: 'n' }))).to.be.instanceOf(ConnectionClosedError);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).to.deep.equal([]);
  });

  it('should say every send after close was not written: a rejection its caller sees, no unhandled one for a caller that ignores it', async () => {
    const output = new PassThrough();
    const written: string[] = [];
    output.on('data', (c: Buffer) => void written.push(c.toString()));
    const wire = ndjson(new PassThrough(), output);
    wire.incoming$.subscribe();
    await wire.close();
    const seen = await unhandledDuring(async () => {
      // a caller that looks
      const looked = wire.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
      expect(looked, 'send after close returned nothing, which reads as written').to.be.instanceOf(Promise);
      const error = await (looked as Promise<void>).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(ConnectionClosedError);
      expect((error as ConnectionClosedError).message).to.match(/^ndjson: the connection is closed; message not sent/);
      // and callers that do not: many sends, nobody looks
      for (let i = 0; i < 10; i++) void wire.send({ jsonrpc: '2.0', method: 'n', params: { i } });
    });
    expect(seen).to.deep.equal([]);
    expect(written).to.deep.equal([]);
  });

  it('should say every send after the queue overflowed was not written, naming why, with no unhandled rejection', async () => {
    // an output nobody reads: it stops draining, the queue fills, the connection closes itself
    const output = new PassThrough({ highWaterMark: 64 });
    const wire = ndjson(new PassThrough(), output, { maxQueuedBytes: 512 });
    let completed = false;
    wire.incoming$.subscribe({ complete: () => (completed = true) });
    const big = (i: number): Parameters<typeof wire.send>[0] => ({ jsonrpc: '2.0', method: 'n', params: { i, pad: 'x'.repeat(200) } });
    const seen = await unhandledDuring(async () => {
      for (let i = 0; i < 20; i++) void wire.send(big(i));
      await until(() => completed, 2_000, 'the connection to close');
      const later = await Promise.all(Array.from({ length: 5 }, (_, i) => outcome(wire.send(big(100 + i)))));
      for (const o of later) {
        expect(o).to.be.instanceOf(ConnectionClosedError);
        expect((o as Error).message).to.match(/^ndjson: the connection is closed \(output backed up over 512 bytes.*\); message not sent$/);
      }
      // and ignored ones
      for (let i = 0; i < 5; i++) void wire.send(big(200 + i));
    });
    expect(seen).to.deep.equal([]);
    // read it at last: close() ends the output once what waited was taken
    output.resume();
    await wire.close();
  });
});
