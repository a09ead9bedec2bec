// `npm run bench`: our library and the official SDK doing the same work, each measurement in its
// own child process, several rounds interleaved (ours, SDK, ours, SDK...), medians and spread,
// a table on stdout and bench/results.json. Never part of `npm test`.
//
//   npm run bench                       all figures, 3 rounds
//   npm run bench -- --rounds=5         more rounds
//   npm run bench -- --only=rtt,cancel  figures whose id starts with one of these
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// the cases run as plain JavaScript compiled by tsc, as users run the package: under tsx, esbuild's
// keepNames wraps every closure created at run time in a defineProperty call, which costs our side
// time and ~250 bytes per closure while the SDK (already JavaScript) pays nothing
const built = join(here, '.build', 'bench', 'cases');

const compile = (): void => {
  const tsc = join(here, '..', 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`tsc -p bench/tsconfig.json failed (${String(r.status ?? r.signal)})`);
};

/** One child process: a case file and its arguments. */
interface CaseSpec {
  readonly file: string;
  readonly args: ReadonlyArray<string>;
  /** At most this many rounds (the 100,000-in-flight cases take seconds to set up). */
  readonly maxRounds?: number;
}

type Better = 'lower' | 'higher';

interface Figure {
  readonly id: string;
  readonly label: string;
  readonly metric: string;
  readonly unit: 'µs' | 'ns' | 'B' | 'MB' | '/s';
  /** How a raw metric value becomes the unit shown. */
  readonly scale: number;
  readonly better: Better;
  readonly ours: CaseSpec;
  readonly sdk?: CaseSpec;
  /** The target, as text, and the check on the medians. */
  readonly target?: { readonly text: string; readonly met: (m: Medians) => boolean };
}

/** Medians of every figure, by id, in raw metric units. */
type Medians = ReadonlyMap<string, { readonly ours: number; readonly sdk: number | undefined }>;

const rtt = (side: string, wire: string, extra: ReadonlyArray<string> = []): CaseSpec => ({
  file: 'rtt.ts',
  args: [`--side=${side}`, `--wire=${wire}`, ...extra],
});
const cancel = (side: string, n: number, extra: ReadonlyArray<string> = []): CaseSpec => ({
  file: 'cancel.ts',
  args: [`--side=${side}`, `--n=${n}`, ...extra],
  ...(n >= 100_000 ? { maxRounds: 2 } : {}),
});
const heap = (side: string, mode: string): CaseSpec => ({ file: 'heap.ts', args: [`--side=${side}`, `--mode=${mode}`] });
const absorb = (side: string): CaseSpec => ({ file: 'absorb.ts', args: [`--side=${side}`] });

const ratio = (m: Medians, id: string): number => {
  const f = m.get(id);
  return f === undefined || f.sdk === undefined ? NaN : f.ours / f.sdk;
};
const ours = (m: Medians, id: string): number => m.get(id)?.ours ?? NaN;

const FIGURES: ReadonlyArray<Figure> = [
  {
    id: 'rtt-memory',
    label: 'round trip, in memory, 100 in flight',
    metric: 'perRequestNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: rtt('ours', 'memory'),
    sdk: rtt('sdk', 'memory'),
    target: { text: 'ratio ≤ 0.4', met: (m) => ratio(m, 'rtt-memory') <= 0.4 },
  },
  {
    id: 'rtt-memory-sync',
    label: '  same, our handler synchronous (info)',
    metric: 'perRequestNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: rtt('ours', 'memory', ['--handler=sync']),
    sdk: rtt('sdk', 'memory'),
  },
  {
    id: 'rtt-framed',
    label: 'round trip, framed NDJSON, 100 in flight',
    metric: 'perRequestNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: rtt('ours', 'framed'),
    sdk: rtt('sdk', 'framed'),
    target: { text: 'ratio ≤ 0.5', met: (m) => ratio(m, 'rtt-framed') <= 0.5 },
  },
  {
    id: 'rtt-floor',
    label: 'JSON stringify+parse floor (req + resp)',
    metric: 'perRequestNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: { file: 'floor.ts', args: [] },
    target: {
      text: 'ours framed ≤ 4× floor',
      met: (m) => ours(m, 'rtt-framed') <= 4 * ours(m, 'rtt-floor'),
    },
  },
  {
    id: 'cancel-1k',
    label: 'cost per cancel, 1,000 in flight',
    metric: 'perCancelNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: cancel('ours', 1_000),
    sdk: cancel('sdk', 1_000),
  },
  {
    id: 'cancel-10k',
    label: 'cost per cancel, 10,000 in flight',
    metric: 'perCancelNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: cancel('ours', 10_000),
    sdk: cancel('sdk', 10_000),
    target: { text: 'ratio ≤ 0.25', met: (m) => ratio(m, 'cancel-10k') <= 0.25 },
  },
  {
    id: 'cancel-100k',
    label: 'cost per cancel, 100,000 in flight',
    metric: 'perCancelNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: cancel('ours', 100_000),
    sdk: cancel('sdk', 100_000),
    target: { text: 'ours ≤ 1.5× ours at 1,000', met: (m) => ours(m, 'cancel-100k') <= 1.5 * ours(m, 'cancel-1k') },
  },
  {
    id: 'cancel-100k-newest',
    label: '  same, newest requests first (info)',
    metric: 'perCancelNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: cancel('ours', 100_000, ['--order=newest']),
    sdk: cancel('sdk', 100_000, ['--order=newest']),
  },
  {
    id: 'heap-inflight',
    label: 'heap per request in flight (both sides)',
    metric: 'heapPerInFlightBytes',
    unit: 'B',
    scale: 1,
    better: 'lower',
    ours: heap('ours', 'inflight'),
    sdk: heap('sdk', 'inflight'),
    target: { text: 'ratio ≤ 0.4', met: (m) => ratio(m, 'heap-inflight') <= 0.4 },
  },
  {
    id: 'heap-retained',
    label: 'heap retained after 20,000 cancels + GC',
    metric: 'retainedBytes',
    unit: 'MB',
    scale: 1 / (1024 * 1024),
    better: 'lower',
    ours: heap('ours', 'retained'),
    sdk: heap('sdk', 'retained'),
    target: { text: 'ours < 0.5 MB', met: (m) => ours(m, 'heap-retained') < 0.5 * 1024 * 1024 },
  },
  {
    id: 'absorb-cancels',
    label: 'cancels absorbed per second while serving',
    metric: 'cancelsPerSecond',
    unit: '/s',
    scale: 1,
    better: 'higher',
    ours: absorb('ours'),
    sdk: absorb('sdk'),
  },
  {
    id: 'absorb-served',
    label: '  trivial calls served per second meanwhile',
    metric: 'servedPerSecond',
    unit: '/s',
    scale: 1,
    better: 'higher',
    ours: absorb('ours'),
    sdk: absorb('sdk'),
  },
];

// ---------------------------------------------------------------- running children

interface ChildResult {
  readonly metrics: Readonly<Record<string, number>>;
  readonly info: Readonly<Record<string, unknown>>;
}

const CHILD_TIMEOUT_MS = 120_000;

const keyOf = (c: CaseSpec): string => [c.file, ...c.args].join(' ');

const runChild = (c: CaseSpec): Promise<ChildResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', join(built, c.file.replace(/\.ts$/, '.js')), ...c.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      if (code !== 0 || line === undefined) {
        reject(new Error(`${keyOf(c)}: exit ${String(code ?? signal)}\n${err.trim().split('\n').slice(-5).join('\n')}`));
        return;
      }
      try {
        resolve(JSON.parse(line) as ChildResult);
      } catch (e) {
        reject(new Error(`${keyOf(c)}: bad output ${line}: ${String(e)}`));
      }
    });
  });

// ---------------------------------------------------------------- statistics

interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly q1: number;
  readonly q3: number;
  readonly samples: ReadonlyArray<number>;
}

const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
};

const stats = (samples: ReadonlyArray<number>): Stats | undefined => {
  if (samples.length === 0) return undefined;
  const s = [...samples].sort((a, b) => a - b);
  return {
    median: quantile(s, 0.5),
    min: s[0] as number,
    max: s[s.length - 1] as number,
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
    samples,
  };
};

// ---------------------------------------------------------------- table

const fmt = (v: number, unit: Figure['unit']): string => {
  if (!Number.isFinite(v)) return '–';
  if (unit === 'B' || unit === '/s') return Math.round(v).toLocaleString('en-US');
  if (unit === 'MB') return v.toFixed(3);
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
};

const cell = (s: Stats | undefined, f: Figure): string =>
  s === undefined ? '–' : `${fmt(s.median * f.scale, f.unit)} [${fmt(s.min * f.scale, f.unit)}–${fmt(s.max * f.scale, f.unit)}]`;

const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - [...s].length));

const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows.map((r) => r.map((c, i) => pad(c, widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
};

// ---------------------------------------------------------------- main

const argv = new Map(
  process.argv
    .slice(2)
    .map((a) => /^--([^=]+)=(.*)$/.exec(a))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1] ?? '', m[2] ?? ''] as const),
);
const rounds = Math.max(1, Number(argv.get('rounds') ?? process.env['BENCH_ROUNDS'] ?? 3));
const only = argv.get('only')?.split(',').filter((s) => s.length > 0);
const figures = FIGURES.filter((f) => only === undefined || only.some((o) => f.id.startsWith(o)));

const main = async (): Promise<void> => {
  const started = performance.now();
  compile();
  // every distinct child, in figure order, ours before SDK
  const cases = new Map<string, CaseSpec>();
  for (const f of figures) for (const c of f.sdk === undefined ? [f.ours] : [f.ours, f.sdk]) cases.set(keyOf(c), c);
  const results = new Map<string, ChildResult[]>();
  const failures: string[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [key, c] of cases) {
      if (c.maxRounds !== undefined && r >= c.maxRounds) continue;
      const t0 = performance.now();
      try {
        const res = await runChild(c);
        results.set(key, [...(results.get(key) ?? []), res]);
        const shown = Object.entries(res.metrics).map(([k, v]) => `${k}=${v.toFixed(1)}`).join(' ');
        process.stderr.write(`round ${r + 1}/${rounds}  ${pad(key, 44)} ${shown}  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
        process.stderr.write(`round ${r + 1}/${rounds}  ${key} FAILED: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  }
  const statsOf = (c: CaseSpec | undefined, metric: string): Stats | undefined =>
    c === undefined ? undefined : stats((results.get(keyOf(c)) ?? []).map((r) => r.metrics[metric]).filter((v): v is number => v !== undefined));
  const medians = new Map<string, { ours: number; sdk: number | undefined }>();
  const computed = figures.map((f) => {
    const o = statsOf(f.ours, f.metric);
    const s = statsOf(f.sdk, f.metric);
    medians.set(f.id, { ours: o?.median ?? NaN, sdk: s?.median });
    return { f, o, s };
  });
  const rows: string[][] = [['figure', 'unit', 'ours median [min–max]', 'SDK median [min–max]', 'ours/SDK', 'target', 'met']];
  const json = computed.map(({ f, o, s }) => {
    const r = o !== undefined && s !== undefined ? o.median / s.median : undefined;
    const met = f.target === undefined ? undefined : f.target.met(medians);
    rows.push([
      f.label,
      f.unit,
      cell(o, f),
      cell(s, f),
      r === undefined ? '–' : `${r.toFixed(3)}${f.better === 'higher' ? ' (↑)' : ''}`,
      f.target?.text ?? '',
      met === undefined ? '' : met ? 'yes' : 'NO',
    ]);
    const scaled = (x: Stats | undefined) =>
      x === undefined
        ? undefined
        : {
            median: x.median * f.scale,
            min: x.min * f.scale,
            max: x.max * f.scale,
            q1: x.q1 * f.scale,
            q3: x.q3 * f.scale,
            samples: x.samples.map((v) => v * f.scale),
          };
    return {
      id: f.id,
      label: f.label.trim(),
      unit: f.unit,
      better: f.better,
      ours: scaled(o),
      sdk: scaled(s),
      ratio: r,
      target: f.target?.text,
      met,
    };
  });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n${table(rows)}\n\n`);
  process.stdout.write(
    `ratio = ours/SDK of the medians (for /s figures, marked ↑, higher is better). ${rounds} rounds, each measurement in its own process; ${seconds.toFixed(0)} s in all.\n`,
  );
  if (failures.length > 0) process.stdout.write(`\n${failures.length} child failures:\n${failures.join('\n')}\n`);
  const out = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    rounds,
    seconds: Math.round(seconds),
    figures: json,
    failures,
  };
  writeFileSync(join(here, 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  if (failures.length > 0) process.exitCode = 1;
};

void main();
