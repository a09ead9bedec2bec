// A burst of cancels: `n` requests in flight, all cancelled in one synchronous loop right after
// they started, as a client that gives up a fan-out, or a gateway whose front client hung up,
// does. Nothing of the cancel path is warmed up first (each measurement is a fresh process),
// and the time runs from the first cancel until every server-side cleanup ran, garbage
// collection included: what a burst costs, not what a steady stream of cancels costs (cancel.ts).
import { args, intArg, main, now, report, sideOf } from '../support/child.js';
import { makePair } from '../support/pairs.js';

main(async () => {
  const a = args();
  const side = sideOf(a);
  const n = intArg(a, 'n', 10_000);
  const pair = await makePair(side, 'memory', { capacity: n });
  const cancels: Array<() => void> = new Array<() => void>(n);
  for (let i = 0; i < n; i++) cancels[i] = pair.hold();
  await pair.started.within(n, 120_000, 'handlers started');
  // right after they started: the garbage of starting them is still there, and its collection,
  // when it falls in the burst, is part of what the burst costs
  const t0 = now();
  for (const c of cancels) c();
  await pair.cleanups.within(n, 60_000, 'cleanups');
  const elapsed = now() - t0;
  report({ perCancelNs: (elapsed * 1e6) / n }, { side, n, totalMs: elapsed });
  await pair.close();
});
