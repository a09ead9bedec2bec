// A variant of our server against our raw handler, interleaved in one process: the in-memory
// round trip of `rtt.ts`, for two pairs at once (a raw handler, and `--variant=mcp`: the same
// tools through mcpServer), measured in alternating slices so that both see the same machine.
// A ratio of two of ours measured in two processes moves by up to 30% on a shared VM; here the
// slices of one run share its CPU, its heap and its neighbours. What the two pairs share that
// two processes would not: the core's optimised code sees both kinds of handler answer (a
// Promise, a Later), which can only make the raw pair a little slower than alone.
import { args, fullGc, intArg, main, now, report } from '../support/child.js';
import { makePair } from '../support/pairs.js';
import { Window } from '../support/window.js';

main(async () => {
  const a = args();
  const variant = a.get('variant') ?? 'mcp';
  if (variant !== 'mcp') throw new Error(`--variant=mcp, got ${variant}`);
  const inflight = intArg(a, 'inflight', 100);
  const slice = intArg(a, 'slice', 2_000);
  const slices = intArg(a, 'slices', 40);
  const warmup = intArg(a, 'warmup', 5_000);
  const raw = new Window(await makePair('ours', 'memory', { capacity: 1000 }), inflight);
  const other = new Window(await makePair('ours', 'memory', { capacity: 1000, mcp: true }), inflight);
  // as in rtt.ts: the full collection first, then the warm-up of both, with the windows measured
  await fullGc();
  await raw.run(warmup);
  await other.run(warmup);
  let rawMs = 0;
  let otherMs = 0;
  for (let k = 0; k < slices; k++) {
    // each pair goes first in every other slice: neither always runs right after the other's garbage
    const order = k % 2 === 0 ? [raw, other] : [other, raw];
    for (const w of order) {
      const t0 = now();
      await w.run(slice);
      const ms = now() - t0;
      if (w === raw) rawMs += ms;
      else otherMs += ms;
    }
  }
  const count = slice * slices;
  report({ ratio: otherMs / rawMs, perRequestNs: (otherMs * 1e6) / count, rawPerRequestNs: (rawMs * 1e6) / count }, { variant, inflight, slice, slices, warmup });
});
