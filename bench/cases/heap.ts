// Figure 3: heap bytes per request in flight (client and server side together), and heap
// retained after cancelling `n` requests and a full GC. Run with --expose-gc.
import { args, fullGc, heapUsed, intArg, main, report, settle, sideOf } from '../support/child.js';
import { makePair, type Pair } from '../support/pairs.js';
import { runWindow } from '../support/window.js';

/** Everything the measured run will do, once, so code, caches and lazy state are in place. */
const warmUp = async (pair: Pair): Promise<void> => {
  await runWindow(pair, 2_000, 100);
  for (let k = 0; k < 4; k++) {
    const base = pair.cleanups.count;
    const started = pair.started.count;
    const held: Array<() => void> = [];
    for (let i = 0; i < 500; i++) held.push(pair.hold());
    await pair.started.within(started + 500, 30_000, 'warm-up started');
    for (const c of held) c();
    await pair.cleanups.within(base + 500, 30_000, 'warm-up cleanups');
    await pair.settled?.();
  }
};

main(async () => {
  const a = args();
  const side = sideOf(a);
  const mode = a.get('mode') ?? 'inflight';
  const n = intArg(a, 'n', mode === 'inflight' ? 10_000 : 20_000);
  const pair = await makePair(side, 'memory', { capacity: n });
  await warmUp(pair);
  // the handles live before the baseline: only what the libraries hold is measured
  let cancels: Array<() => void> = new Array<() => void>(n).fill(() => undefined);
  const started0 = pair.started.count;
  const cleaned0 = pair.cleanups.count;
  await fullGc();
  const before = heapUsed();
  for (let i = 0; i < n; i++) cancels[i] = pair.hold();
  await pair.started.within(started0 + n, 120_000, 'handlers started');
  await settle(2);
  if (mode === 'inflight') {
    await fullGc();
    const during = heapUsed();
    report({ heapPerInFlightBytes: (during - before) / n }, { side, n, before, during });
  } else if (mode === 'retained') {
    for (const c of cancels) c();
    await pair.cleanups.within(cleaned0 + n, 120_000, 'cleanups');
    await pair.settled?.();
    cancels = new Array<() => void>(n).fill(() => undefined);
    await settle(3);
    await fullGc();
    const after = heapUsed();
    report({ retainedBytes: after - before }, { side, n, before, after, length: cancels.length });
  } else throw new Error(`--mode=inflight|retained, got ${mode}`);
  await pair.close();
});
