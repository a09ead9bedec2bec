// Figure 2: cost per cancellation with `n` requests in flight, from the caller's cancel until
// every server-side cleanup ran. Batches of `batch` cancels spread evenly over the requests in
// flight; after each batch as many fresh requests restore `n`, so every batch sees `n` in flight.
// `--order=newest` cancels the requests made last instead (the previous batch's replacements):
// the same code path, on objects still in the CPU caches. Spread minus newest is what the memory
// hierarchy costs, not the algorithm (see the bench notes in README).
import { args, fullGc, intArg, main, median, minorGc, now, report, settle, sideOf } from '../support/child.js';
import { makePair } from '../support/pairs.js';

main(async () => {
  const a = args();
  const side = sideOf(a);
  const n = intArg(a, 'n', 10_000);
  const batch = Math.min(n, intArg(a, 'batch', 500));
  const batches = intArg(a, 'batches', 6);
  const newest = a.get('order') === 'newest';
  const pair = await makePair(side, 'memory', { capacity: n + batch });
  // warm the hold and cancel paths up (JIT) before anything is measured
  const warm = intArg(a, 'warmup', 4_000);
  for (let done = 0; done < warm; done += 500) {
    const w: Array<() => void> = [];
    for (let i = 0; i < 500; i++) w.push(pair.hold());
    await pair.started.within(done + 500, 30_000, 'warm-up started');
    for (const c of w) c();
    await pair.cleanups.within(done + 500, 30_000, 'warm-up cleanups');
  }
  const base = pair.cleanups.count;
  const cancels: Array<() => void> = new Array<() => void>(n);
  for (let i = 0; i < n; i++) cancels[i] = pair.hold();
  await pair.started.within(base + n, 120_000, 'handlers started');
  const stride = Math.floor(n / batch);
  const samples: number[] = [];
  let cleaned = base;
  let started = base + n;
  // one full GC only: with 100,000 in flight the heap is near 1 GB, and each full GC takes seconds
  await fullGc();
  // batch 0 warms the cancel path up (JIT) and is not counted
  for (let b = 0; b <= batches; b++) {
    // the same slots each batch would cancel the fresh replacements: shift by one each time
    const offset = b % stride;
    const picked: number[] = [];
    // the replacements of the last batch are young garbage-to-be: sweep them out of the measurement
    minorGc();
    for (let i = 0; i < batch; i++) picked.push(newest ? n - batch + i : offset + i * stride);
    const t0 = now();
    for (const i of picked) (cancels[i] as () => void)();
    cleaned += batch;
    await pair.cleanups.within(cleaned, 30_000, 'cleanups');
    if (b > 0) samples.push(((now() - t0) * 1e6) / batch);
    // restore n in flight
    for (const i of picked) cancels[i] = pair.hold();
    started += batch;
    await pair.started.within(started, 30_000, 'replacements started');
    await settle(1);
  }
  report({ perCancelNs: median(samples) }, { side, n, batch, batches, samples, order: newest ? 'newest' : 'spread' });
  await pair.close();
});
