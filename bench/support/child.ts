// What every bench case (a child process) shares: its arguments, its one JSON line, timing,
// a counter of server-side cleanups that can be awaited, and GC.
import { performance } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';

/** `--name=value` arguments of the child. */
export const args = (): ReadonlyMap<string, string> => {
  const out = new Map<string, string>();
  for (const a of process.argv.slice(2)) {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (m !== null && m[1] !== undefined && m[2] !== undefined) out.set(m[1], m[2]);
  }
  return out;
};

/** ours; the official SDK v1 (`sdk`) and v2 (`sdk2`); vscode-jsonrpc (`vscode`). */
export const SIDES = ['ours', 'sdk', 'sdk2', 'vscode'] as const;
export type Side = (typeof SIDES)[number];

const isSide = (s: string | undefined): s is Side => SIDES.some((x) => x === s);

export const sideOf = (a: ReadonlyMap<string, string>): Side => {
  const s = a.get('side');
  if (!isSide(s)) throw new Error(`--side=${SIDES.join('|')} expected, got ${String(s)}`);
  return s;
};

export const intArg = (a: ReadonlyMap<string, string>, name: string, fallback: number): number => {
  const v = a.get(name);
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${String(v)}`);
  return Math.floor(n);
};

/** The one line a case prints: the orchestrator reads the last JSON line of stdout. */
export const report = (metrics: Readonly<Record<string, number>>, info: Readonly<Record<string, unknown>> = {}): void => {
  process.stdout.write(`${JSON.stringify({ metrics, info })}\n`);
};

/** Run a case's main, report a failure on stderr with a non-zero exit, and exit at the end. */
export const main = (run: () => Promise<void>): void => {
  run().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
};

export const now = (): number => performance.now();

/** Let pending microtasks, immediates and 0 ms timers run. */
export const settle = async (rounds = 3): Promise<void> => {
  for (let i = 0; i < rounds; i++) {
    await tick();
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
};

/** A full GC (children run with --expose-gc), twice: weak maps and finalizers need a second pass. */
export const fullGc = async (): Promise<void> => {
  if (globalThis.gc === undefined) throw new Error('run with --expose-gc');
  await settle(2);
  globalThis.gc();
  await settle(1);
  globalThis.gc();
};

/** A scavenge only: clears the young generation (cheap even with a large old one). */
export const minorGc = (): void => {
  if (globalThis.gc === undefined) throw new Error('run with --expose-gc');
  globalThis.gc({ type: 'minor' });
};

export const heapUsed = (): number => process.memoryUsage().heapUsed;

/** Counts events (server-side cleanups, handler starts) and lets a case await a count. */
export class Counter {
  count = 0;
  private target = Infinity;
  private resolve: (() => void) | undefined = undefined;

  readonly hit = (): void => {
    this.count++;
    if (this.count >= this.target && this.resolve !== undefined) {
      const r = this.resolve;
      this.resolve = undefined;
      this.target = Infinity;
      r();
    }
  };

  /** Resolves once `count` reached `n`. */
  until(n: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.target = n;
      this.resolve = resolve;
    });
  }

  /** `until`, or a rejection after `ms` (a case must never hang the whole run). */
  async within(n: number, ms: number, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: ${this.count}/${n} after ${ms} ms`)), ms);
    });
    try {
      await Promise.race([this.until(n), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  if (s.length === 0) return NaN;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
