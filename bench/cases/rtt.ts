// Figure 1: round trip of a trivial tools/call with `inflight` requests in flight, both peers in
// this process, in memory or framed (NDJSON over PassThrough streams); or `--wire=stdio`, the
// server in a child process over its pipes (`--handler=gateway`: through an mcpGateway here).
import { args, fullGc, intArg, main, now, report, sideOf } from '../support/child.js';
import { makePair, type Wire } from '../support/pairs.js';
import { stdioPair } from '../support/stdio.js';
import { Window } from '../support/window.js';

main(async () => {
  const a = args();
  const side = sideOf(a);
  const wire = (a.get('wire') ?? 'memory') as Wire | 'stdio';
  if (wire !== 'memory' && wire !== 'framed' && wire !== 'stdio') throw new Error(`--wire=memory|framed|stdio, got ${wire}`);
  const inflight = intArg(a, 'inflight', 100);
  const count = intArg(a, 'count', 20_000);
  const warmup = intArg(a, 'warmup', 5_000);
  const syncEcho = a.get('handler') === 'sync';
  const mcp = a.get('handler') === 'mcp';
  const gateway = a.get('handler') === 'gateway';
  const capacity = Math.max(1000, inflight);
  const pair = wire === 'stdio' ? await stdioPair(side, capacity, gateway) : await makePair(side, wire, { capacity, syncEcho, mcp, gateway });
  // the full collection before the warm-up, not between it and the measure: a full collection
  // deoptimises code whose embedded objects died (V8), so right before the measure it would make
  // the first thousands of measured calls a second warm-up, on every side. One window for both:
  // the measure runs the code the warm-up optimised
  const calls = new Window(pair, inflight);
  await fullGc();
  await calls.run(warmup);
  const t0 = now();
  await calls.run(count);
  const ms = now() - t0;
  await pair.close();
  report({ perRequestNs: (ms * 1e6) / count, requestsPerSecond: (count * 1000) / ms }, { side, wire, inflight, count, syncEcho, mcp, gateway });
});
