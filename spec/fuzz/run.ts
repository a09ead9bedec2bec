/**
 * Long fuzz runs: `npm run fuzz -- --messages 1000000 [--seed 42]`.
 * Prints the count of each outcome and event, and exits 1 on any crash, leak or violation.
 */
import fc from 'fast-check';
import { arbHostile } from './generators.js';
import { FuzzTarget } from './harness.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
};

const total = arg('messages', 100_000);
const seed = arg('seed', Date.now() % 2 ** 31);
const chunk = 10_000;
const target = new FuzzTarget(5_000);
const t0 = Date.now();
for (let done = 0, i = 0; done < total; i++) {
  const n = Math.min(chunk, total - done);
  for (const m of fc.sample(arbHostile, { numRuns: n, seed: seed + i })) target.feed(m);
  done += n;
  if (process.stdout.isTTY) process.stdout.write(`\r${done.toLocaleString()} / ${total.toLocaleString()}`);
}
target.closeEpoch();
const r = target.report;
const s = ((Date.now() - t0) / 1000).toFixed(1);
process.stdout.write(`${process.stdout.isTTY ? '\n' : ''}fuzz: ${r.messages.toLocaleString()} messages in ${s} s (seed ${seed}), ${r.epochs} connections\n`);
process.stdout.write(`outcomes: ${JSON.stringify(r.outcomes)}\n`);
process.stdout.write(`events: ${JSON.stringify(r.events)}\n`);
process.stdout.write(`crashes: ${r.crashes}, leaks: ${r.leaks}, violations: ${r.violations.length}\n`);
for (const v of r.violations) process.stdout.write(`  ${v}\n`);
process.exitCode = r.crashes === 0 && r.leaks === 0 && r.violations.length === 0 ? 0 : 1;
