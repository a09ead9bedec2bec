// The cost of a cancel by stream close, MCP 2026-07-28 over HTTP (one side's server on node:http
// at 127.0.0.1, the load generator of ./support/http.ts in the same process). `n` times, one
// after the other: POST a `tools/call` of `hold` (its handler runs until its abort signal fires,
// and its cleanup stamps the time), wait until the server started it, then destroy the client's
// request (its socket closes: in 2026-07-28 closing the stream is the cancel) and time from there
// to the server-side cleanup. Every cancel must be observed: a cleanup per hold, within 5 s, and
// no hold answered; else the case fails.
import { args, fullGc, intArg, main, median, now, report, sideOf } from '../support/child.js';
import { HttpLoad, Tally, floorServer, makeHttpServer } from '../support/http.js';

main(async () => {
  const a = args();
  const side = sideOf(a);
  const n = intArg(a, 'n', 300);
  const warmup = intArg(a, 'warmup', 100);
  const tally = new Tally();
  // `--server=floor`: bare node:http instead of the side's MCP server (see floorServer)
  const floor = a.get('server') === 'floor';
  const server = floor ? await floorServer(tally) : await makeHttpServer(side, '2026', tally);
  // one socket at a time: each cancel closes it, and the next hold opens a fresh one
  const load = new HttpLoad(server.port, '2026', 1);
  let answered = 0;
  const once = async (i: number): Promise<number> => {
    const posted = load.hold();
    // a cancelled hold is never answered: its stream is gone (the client sees the socket close)
    posted.answer.then(() => answered++, () => undefined);
    await tally.started.within(i + 1, 5_000, 'hold started');
    const t0 = now();
    posted.abort();
    await tally.cleanups.within(i + 1, 5_000, 'cleanup after the stream closed');
    return (tally.lastCleanupAt - t0) * 1e6;
  };
  let i = 0;
  // the full collection before the warm-up (see rtt.ts)
  await fullGc();
  for (; i < warmup; i++) await once(i);
  const samples: number[] = [];
  for (let k = 0; k < n; k++, i++) samples.push(await once(i));
  load.close();
  await server.close();
  if (tally.cleanups.count !== i || tally.started.count !== i) throw new Error(`${tally.started.count} started, ${tally.cleanups.count} cleanups, ${i} holds`);
  if (answered > 0) throw new Error(`${answered} cancelled holds were answered`);
  const sorted = [...samples].sort((x, y) => x - y);
  report(
    { perCancelNs: median(samples), meanCancelNs: samples.reduce((s, x) => s + x, 0) / n },
    { side, floor, n, warmup, p10Ns: sorted[Math.floor(n * 0.1)], p90Ns: sorted[Math.floor(n * 0.9)], maxNs: sorted[n - 1] },
  );
});
