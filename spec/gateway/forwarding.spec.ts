import { expect } from 'chai';
import { callsOf, cancelsOf, httpFront, stdioUpstream, textOf, until, v1, v2modern, type Front, type StdioUpstream } from './support.js';

// The gateway in this process, a Streamable HTTP front (both eras) on 127.0.0.1, and one stdio
// upstream shared by every front session: examples/stdio-server.ts in a child process, spoken to
// in 2025-11-25. The front clients are the official SDK's: v1 (2025-11-25, sessions) and v2
// pinned to 2026-07-28 (one POST per request, cancel = closing its stream).

describe('gateway: forwarding to a shared stdio upstream (2025-11-25), real clients in front', function () {
  this.timeout(30_000);
  let upstream: StdioUpstream;
  let front: Front;

  before(async () => {
    upstream = stdioUpstream();
    front = await httpFront({ upstream: upstream.make, era: '2025-11-25' });
  });
  after(async () => {
    await front.stop();
    upstream.killAll();
  });

  const cleanupsCancelled = (): string[] => upstream.stderr.all.filter((l) => l.includes('cleanup slow_count') && l.includes('cancelled (peer'));

  it('should forward under its own ids and cancel only the right upstream call when two sessions both use id 1 (XcodeMCPKit#210)', async () => {
    const a = await v1(front.url, 'front-a');
    const b = await v1(front.url, 'front-b');
    try {
      const before = callsOf(upstream.sent).length;
      const cancelsBefore = cancelsOf(upstream.sent).length;
      const cleanupsBefore = cleanupsCancelled().length;
      // each SDK client's first call after initialize is its id 1
      const ac = new AbortController();
      const callA = a.call('slow_count', { steps: 1_000, intervalMs: 10 }, { signal: ac.signal, onprogress: () => undefined }).then(() => 'answered', () => 'aborted');
      await until(() => callsOf(upstream.sent).length === before + 1, 10_000, 'the first call upstream');
      const callB = b.call('slow_count', { steps: 30, intervalMs: 10 }, { onprogress: () => undefined });
      await until(() => callsOf(upstream.sent).length === before + 2, 10_000, 'the second call upstream');
      const [upA, upB] = callsOf(upstream.sent).slice(before);
      expect(upA?.id, 'distinct upstream ids').to.not.equal(upB?.id);
      ac.abort('user stop');
      expect(await callA).to.equal('aborted');
      expect(textOf(await callB), "B's call runs on and is answered").to.include('counted to 30');
      await until(() => cleanupsCancelled().length === cleanupsBefore + 1, 5_000, 'the cancelled cleanup upstream');
      expect(cancelsOf(upstream.sent).slice(cancelsBefore), "exactly one upstream cancel, for A's upstream id").to.deep.equal([upA?.id]);
      expect(cleanupsCancelled().at(-1)).to.include(`#${JSON.stringify(upA?.id)}`);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("should relay the upstream's progress under the front's own token", async () => {
    const a = await v1(front.url);
    try {
      const progress: number[] = [];
      const r = await a.call('slow_count', { steps: 3, intervalMs: 10 }, { onprogress: (p) => void progress.push(p.progress) });
      expect(textOf(r)).to.include('counted to 3');
      expect(progress).to.deep.equal([1, 2, 3]);
      const tokens = upstream.sent.flatMap((m) => ('method' in m && m.method === 'tools/call' ? [rec(rec(m.params)['_meta'])['progressToken']] : []));
      expect(tokens.at(-1), "the upstream token is the gateway's (its own request id), not the front's").to.equal(callsOf(upstream.sent).at(-1)?.id);
    } finally {
      await a.close();
    }
  });

  it('should send notifications/cancelled upstream when a 2026-07-28 front client closes its stream', async () => {
    const c = await v2modern(front.url);
    try {
      const before = callsOf(upstream.sent).length;
      const cancelsBefore = cancelsOf(upstream.sent).length;
      const cleanupsBefore = cleanupsCancelled().length;
      const ac = new AbortController();
      let progressed = 0;
      const error = await c.call('slow_count', { steps: 1_000, intervalMs: 10 }, { signal: ac.signal, onprogress: () => void (++progressed === 2 && ac.abort('user stop')) }).then(() => undefined, (e: unknown) => e);
      expect(error, 'the call is aborted, not answered').to.not.equal(undefined);
      const up = callsOf(upstream.sent)[before];
      await until(() => cancelsOf(upstream.sent).length === cancelsBefore + 1, 5_000, 'the upstream cancel');
      expect(cancelsOf(upstream.sent).slice(cancelsBefore)).to.deep.equal([up?.id]);
      await until(() => cleanupsCancelled().length === cleanupsBefore + 1, 5_000, 'the cancelled cleanup upstream');
      expect(front.events.some((e) => e.type === 'request-cancelled' && e.reason.source === 'close'), 'the front saw its stream close').to.equal(true);
    } finally {
      await c.close();
    }
  });

  it('should cancel upstream what a 2025 session had in flight when the session is deleted', async () => {
    const a = await v1(front.url);
    const before = callsOf(upstream.sent).length;
    const cancelsBefore = cancelsOf(upstream.sent).length;
    const pending = a.call('slow_count', { steps: 1_000, intervalMs: 10 }).then(() => 'answered', () => 'failed');
    await until(() => callsOf(upstream.sent).length === before + 1, 10_000, 'the call upstream');
    // the SDK's terminateSession is a DELETE: the session ends, its requests are cancelled (source 'close')
    await a.transport.terminateSession();
    await until(() => cancelsOf(upstream.sent).length === cancelsBefore + 1, 5_000, 'the upstream cancel');
    expect(cancelsOf(upstream.sent).slice(cancelsBefore)).to.deep.equal([callsOf(upstream.sent)[before]?.id]);
    await a.close();
    await pending;
    await until(() => front.gateway.inFlight() === 0, 5_000, 'nothing in flight at the gateway');
  });
});

type Rec = Record<string, unknown>;
const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});
