import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { Observable, lastValueFrom } from 'rxjs';
import { ConnectionClosedError, WireFault, connect, ndjson, type PeerEvent } from '../../lib/index.js';
import { until } from './support.js';

type Rec = Record<string, unknown>;

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
    for (const s of sent) void s?.catch(() => undefined);
    await until(() => completed, 2_000, 'incoming$ to complete');
    expect(got).to.have.length(1);
    expect(WireFault.is(got[0]) && got[0].kind).to.equal('transport-error');
    // only the send that found the output dead is told; the rest are no-ops, as after close
    expect(sent.slice(1).every((s) => s === undefined)).to.equal(true);
    output.emit('error', new Error('a late EPIPE'));
    expect(wire.send({ jsonrpc: '2.0', method: 'n' })).to.equal(undefined);
    await wire.close();
    expect(wire.send({ jsonrpc: '2.0', method: 'n' })).to.equal(undefined);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).to.have.length(1);
  });

  it('should emit nothing after close: a late write error is not reported and send is a no-op', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    const wire = ndjson(input, output);
    const got: unknown[] = [];
    wire.incoming$.subscribe((v) => void got.push(v));
    await wire.close();
    output.emit('error', new Error('a late EPIPE'));
    output.destroy();
    expect(wire.send({ jsonrpc: '2.0', method: 'n' })).to.equal(undefined);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).to.deep.equal([]);
  });
});
