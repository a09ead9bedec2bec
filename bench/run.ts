// `npm run bench`: our library and three others doing the same work (the official SDK v1, the
// official SDK v2, vscode-jsonrpc), each measurement in its own child process, several rounds
// interleaved (ours, SDK v1, SDK v2, vscode-jsonrpc, ours, ...), medians and spread, a table on
// stdout and bench/results.json. Never part of `npm test`.
//
//   npm run bench                       all figures, 3 rounds
//   npm run bench -- --rounds=5         more rounds
//   npm run bench -- --only=rtt,cancel  figures whose id starts with one of these (merged into
//                                       bench/results.json: the other figures stay as they were)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeReadmeTables } from './readme-tables.js';

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

/** The other sides, in the order they run and show; `sdk` keeps its name in results.json. */
const OTHERS = [
  { side: 'sdk', title: 'SDK v1', packages: ['@modelcontextprotocol/sdk'] },
  // the node adapter serves the v2 server on node:http in the HTTP figures only
  { side: 'sdk2', title: 'SDK v2', packages: ['@modelcontextprotocol/client', '@modelcontextprotocol/server', '@modelcontextprotocol/node'] },
  { side: 'vscode', title: 'vscode-jsonrpc', packages: ['vscode-jsonrpc'] },
] as const;
type Other = (typeof OTHERS)[number]['side'];

/** The version in a package.json under the repository root (`''`: ours; else an installed package). */
const versionOf = (pkg: string): string => {
  try {
    const file = pkg === '' ? join(here, '..', 'package.json') : join(here, '..', 'node_modules', pkg, 'package.json');
    const j = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    return typeof j.version === 'string' ? j.version : '?';
  } catch {
    return '?';
  }
};

interface Figure {
  readonly id: string;
  readonly label: string;
  readonly metric: string;
  readonly unit: 'µs' | 'ms' | 'ns' | 'B' | 'MB' | '/s' | '×';
  /** How a raw metric value becomes the unit shown. */
  readonly scale: number;
  readonly better: Better;
  readonly ours: CaseSpec;
  /** The same case for each other side (none: a figure of ours alone; `undefined`: that side has no column). */
  readonly others?: (side: Other) => CaseSpec | undefined;
  /** The target, as text, and the check on the medians. */
  readonly target?: { readonly text: string; readonly met: (m: Medians) => boolean };
}

/** Medians of every figure, by id, in raw metric units. */
type Medians = ReadonlyMap<string, { readonly ours: number } & { readonly [S in Other]: number | undefined }>;

const rtt = (side: string, wire: string, extra: ReadonlyArray<string> = []): CaseSpec => ({
  file: 'rtt.ts',
  args: [`--side=${side}`, `--wire=${wire}`, ...extra],
});
/** A round trip over stdio, one at a time: what a call waits through the pipes and the child, and the gateway's hop. */
const STDIO_ONE: ReadonlyArray<string> = ['--inflight=1', '--count=5000', '--warmup=1000'];
const cancel = (side: string, n: number, extra: ReadonlyArray<string> = []): CaseSpec => ({
  file: 'cancel.ts',
  args: [`--side=${side}`, `--n=${n}`, ...extra],
  ...(n >= 100_000 ? { maxRounds: 2 } : {}),
});
const burst = (side: string, n: number): CaseSpec => ({ file: 'burst.ts', args: [`--side=${side}`, `--n=${n}`] });
const heap = (side: string, mode: string): CaseSpec => ({ file: 'heap.ts', args: [`--side=${side}`, `--mode=${mode}`] });
const absorb = (side: string): CaseSpec => ({ file: 'absorb.ts', args: [`--side=${side}`] });
const httpRtt = (side: string, era: '2026' | '2025', extra: ReadonlyArray<string> = []): CaseSpec => ({
  file: 'http-rtt.ts',
  args: [`--side=${side}`, `--era=${era}`, ...extra],
});
const httpCancel = (side: string, extra: ReadonlyArray<string> = []): CaseSpec => ({ file: 'http-cancel.ts', args: [`--side=${side}`, ...extra] });
/** Ours only, across two instances over a redis-server on loopback (no other side routes cancels between instances). */
const busCancel = (mode: 'paced' | 'burst'): CaseSpec => ({ file: 'bus-cancel.ts', args: [`--mode=${mode}`] });
/** Ours only: what `redisBus` keeps per cancel while Redis is down, with a reason of `reason` characters. */
const busRetryHeap = (reason: number): CaseSpec => ({ file: 'bus-retry-heap.ts', args: [`--reason=${reason}`] });
/** Ours only (no other side has tasks to cancel): a task created and cancelled, in one instance or across two over Redis. */
const taskCancel = (store: 'memory' | 'redis'): CaseSpec => ({ file: 'task-cancel.ts', args: [`--store=${store}`] });
/** Over HTTP: 2026-07-28 is the SDK v2's only (the v1 predates it); 2025-11-25 both SDKs'; vscode-jsonrpc has no HTTP transport. */
const hasHttp = (era: '2026' | '2025', side: Other): boolean => side !== 'vscode' && !(era === '2026' && side === 'sdk');

/** ours/SDK v1 of the medians: the targets are set against the SDK v1. */
const ratio = (m: Medians, id: string): number => {
  const f = m.get(id);
  return f === undefined || f.sdk === undefined ? NaN : f.ours / f.sdk;
};
/** ours/vscode-jsonrpc of the medians. */
const ratioToVscode = (m: Medians, id: string): number => {
  const f = m.get(id);
  return f === undefined || f.vscode === undefined ? NaN : f.ours / f.vscode;
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
    others: (s) => rtt(s, 'memory'),
    target: { text: 'ratio ≤ 0.4, ours ≤ 0.8× vscode-jsonrpc', met: (m) => ratio(m, 'rtt-memory') <= 0.4 && ratioToVscode(m, 'rtt-memory') <= 0.8 },
  },
  {
    id: 'rtt-memory-sync',
    label: '  same, our handler synchronous (info)',
    metric: 'perRequestNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: rtt('ours', 'memory', ['--handler=sync']),
    others: (s) => rtt(s, 'memory'),
  },
  {
    id: 'rtt-memory-mcp',
    label: '  same, through mcpServer (a tool, arguments validated)',
    metric: 'perRequestNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: rtt('ours', 'memory', ['--handler=mcp']),
  },
  {
    // the target's own measure: two of ours compared in one process, interleaved (bench/cases/rtt-ab.ts)
    id: 'rtt-memory-mcp-ab',
    label: '  same, mcpServer over a raw handler, interleaved in one process',
    metric: 'ratio',
    unit: '×',
    scale: 1,
    better: 'lower',
    ours: { file: 'rtt-ab.ts', args: ['--variant=mcp'] },
    target: { text: 'ours ≤ 1.1× ours raw', met: (m) => ours(m, 'rtt-memory-mcp-ab') <= 1.1 },
  },
  {
    id: 'rtt-memory-gateway',
    label: '  same, a round trip through the gateway (mcpGateway, one more hop)',
    metric: 'perRequestNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: rtt('ours', 'memory', ['--handler=gateway']),
  },
  {
    id: 'rtt-stdio',
    label: 'round trip to an MCP server in a child process, stdio (NDJSON over pipes), 1 in flight',
    metric: 'perRequestNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    // mcpClient to our mcpServer in the child; the SDK v1's Client to its Server (bench/support/stdio.ts)
    ours: rtt('ours', 'stdio', STDIO_ONE),
    others: (s) => (s === 'sdk' ? rtt(s, 'stdio', STDIO_ONE) : undefined),
  },
  {
    id: 'rtt-stdio-gateway',
    label: '  same, through the gateway (client in memory, mcpGateway here, the child over stdio)',
    metric: 'perRequestNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: rtt('ours', 'stdio', [...STDIO_ONE, '--handler=gateway']),
    // issue 22: "the gateway adds at most 30% to a round trip over stdio"
    target: { text: 'ours ≤ 1.3× ours direct', met: (m) => ours(m, 'rtt-stdio-gateway') <= 1.3 * ours(m, 'rtt-stdio') },
  },
  {
    id: 'rtt-framed',
    label: 'round trip, framed NDJSON, 100 in flight',
    metric: 'perRequestNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: rtt('ours', 'framed'),
    others: (s) => rtt(s, 'framed'),
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
      text: 'ours framed ≤ 3× floor',
      met: (m) => ours(m, 'rtt-framed') <= 3 * ours(m, 'rtt-floor'),
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
    others: (s) => cancel(s, 1_000),
  },
  {
    id: 'cancel-10k',
    label: 'cost per cancel, 10,000 in flight',
    metric: 'perCancelNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: cancel('ours', 10_000),
    others: (s) => cancel(s, 10_000),
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
    others: (s) => cancel(s, 100_000),
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
    others: (s) => cancel(s, 100_000, ['--order=newest']),
  },
  {
    id: 'burst-1k',
    label: 'a burst: 1,000 in flight all cancelled at once, per cancel',
    metric: 'perCancelNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: burst('ours', 1_000),
    others: (s) => burst(s, 1_000),
    target: { text: 'ours ≤ 1.0× vscode-jsonrpc', met: (m) => ratioToVscode(m, 'burst-1k') <= 1 },
  },
  {
    id: 'burst-10k',
    label: 'a burst: 10,000 in flight all cancelled at once, per cancel',
    metric: 'perCancelNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: burst('ours', 10_000),
    others: (s) => burst(s, 10_000),
    target: { text: 'ours ≤ 1.0× vscode-jsonrpc', met: (m) => ratioToVscode(m, 'burst-10k') <= 1 },
  },
  {
    id: 'heap-inflight',
    label: 'heap per request in flight (both sides)',
    metric: 'heapPerInFlightBytes',
    unit: 'B',
    scale: 1,
    better: 'lower',
    ours: heap('ours', 'inflight'),
    others: (s) => heap(s, 'inflight'),
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
    others: (s) => heap(s, 'retained'),
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
    others: (s) => absorb(s),
  },
  {
    id: 'absorb-served',
    label: '  trivial calls served per second meanwhile',
    metric: 'servedPerSecond',
    unit: '/s',
    scale: 1,
    better: 'higher',
    ours: absorb('ours'),
    others: (s) => absorb(s),
  },
  {
    id: 'http-rtt-2026',
    label: 'round trip over HTTP, 2026-07-28, 16 in flight',
    metric: 'perCallNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: httpRtt('ours', '2026'),
    others: (s) => (hasHttp('2026', s) ? httpRtt(s, '2026') : undefined),
    target: { text: 'ours ≤ 1.5× the floor', met: (m) => ours(m, 'http-rtt-2026') <= 1.5 * ours(m, 'http-rtt-floor') },
  },
  {
    id: 'http-rtt-2025',
    label: 'round trip over HTTP, 2025-11-25 session, 16 in flight',
    metric: 'perCallNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: httpRtt('ours', '2025'),
    others: (s) => (hasHttp('2025', s) ? httpRtt(s, '2025') : undefined),
    target: { text: 'ours ≤ 1.5× the floor', met: (m) => ours(m, 'http-rtt-2025') <= 1.5 * ours(m, 'http-rtt-floor') },
  },
  {
    id: 'http-rtt-floor',
    label: '  same client, bare node:http server (floor)',
    metric: 'perCallNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: httpRtt('ours', '2026', ['--server=floor']),
  },
  {
    id: 'http-cancel-close',
    label: 'cancel by stream close over HTTP, 2026-07-28',
    metric: 'perCancelNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: httpCancel('ours'),
    others: (s) => (hasHttp('2026', s) ? httpCancel(s) : undefined),
    target: { text: 'ours ≤ 1.3× the floor', met: (m) => ours(m, 'http-cancel-close') <= 1.3 * ours(m, 'http-cancel-floor') },
  },
  {
    id: 'http-cancel-floor',
    label: '  same client, bare node:http server (floor)',
    metric: 'perCancelNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: httpCancel('ours', ['--server=floor']),
  },
  {
    id: 'bus-cancel-paced',
    label: 'cancel across instances over Redis, 2,000/s: median',
    metric: 'medianNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: busCancel('paced'),
  },
  {
    id: 'bus-cancel-paced-p99',
    label: '  same, p99 (info)',
    metric: 'p99Ns',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: busCancel('paced'),
  },
  {
    id: 'bus-cancel-burst',
    label: 'cancel across instances over Redis, 10,000 at once: median',
    metric: 'medianNs',
    unit: 'ms',
    scale: 1e-6,
    better: 'lower',
    ours: busCancel('burst'),
  },
  {
    id: 'bus-cancel-burst-p99',
    label: '  same, p99 (info)',
    metric: 'p99Ns',
    unit: 'ms',
    scale: 1e-6,
    better: 'lower',
    ours: busCancel('burst'),
  },
  {
    id: 'bus-cancel-burst-last',
    label: '  same, until the last one applied',
    metric: 'lastAppliedNs',
    unit: 'ms',
    scale: 1e-6,
    better: 'lower',
    ours: busCancel('burst'),
    target: { text: 'ours ≤ 150 ms', met: (m) => ours(m, 'bus-cancel-burst-last') <= 150e6 },
  },
  {
    id: 'bus-retry-heap',
    label: 'heap per cancel kept to retry while Redis is down, 20,000, short reasons',
    metric: 'retryBytesPerCancel',
    unit: 'B',
    scale: 1,
    better: 'lower',
    ours: busRetryHeap(1),
  },
  {
    id: 'bus-retry-heap-long',
    label: '  same, reasons of 1,024 characters (info)',
    metric: 'retryBytesPerCancel',
    unit: 'B',
    scale: 1,
    better: 'lower',
    ours: busRetryHeap(1_024),
  },
  {
    id: 'task-cancel-memory',
    label: 'a task created and cancelled, one instance: tasks/cancel to cleanup',
    metric: 'cancelNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: taskCancel('memory'),
  },
  {
    id: 'task-cancel-memory-cycle',
    label: '  same, tools/call to CreateTaskResult to cleanup (info)',
    metric: 'cycleNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: taskCancel('memory'),
  },
  {
    id: 'task-cancel-redis',
    label: 'a task created on A and cancelled on B over Redis: tasks/cancel to cleanup on A',
    metric: 'cancelNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: taskCancel('redis'),
  },
  {
    id: 'task-cancel-redis-cycle',
    label: '  same, tools/call to CreateTaskResult to cleanup (info)',
    metric: 'cycleNs',
    unit: 'µs',
    scale: 1e-3,
    better: 'lower',
    ours: taskCancel('redis'),
  },
];

// ---------------------------------------------------------------- running children

interface ChildResult {
  readonly metrics: Readonly<Record<string, number>>;
  readonly info: Readonly<Record<string, unknown>>;
  /** The case could not run here (a missing redis-server): why. Its figures are left out. */
  readonly skipped?: string;
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
// `--sides=sdk,vscode`: only these other sides (all by default)
const sidesArg = argv.get('sides')?.split(',').filter((s) => s.length > 0);
const others = OTHERS.filter((o) => sidesArg === undefined || sidesArg.includes(o.side));

const ratioText = (r: number | undefined, f: Figure): string =>
  r === undefined || !Number.isFinite(r) ? '–' : `${r.toFixed(3)}${f.better === 'higher' ? ' (↑)' : ''}`;

interface Results {
  readonly generatedAt: string;
  readonly rounds: number;
  readonly sides: Readonly<Record<string, string>>;
  readonly figures: ReadonlyArray<{ readonly id: string; readonly generatedAt?: string; readonly rounds?: number }>;
}

/**
 * What bench/results.json becomes. A whole run replaces it; a partial one (`--only`, `--sides`)
 * replaces the figures it measured and keeps every other as it was, each figure stamped with the
 * run it comes from (`generatedAt`, `rounds`), in the order of FIGURES.
 */
const merged = (run: Results, partial: boolean): Results => {
  const file = join(here, 'results.json');
  const stamp = <F extends Results['figures'][number]>(f: F, from: Results): F => ({ ...f, generatedAt: f.generatedAt ?? from.generatedAt, rounds: f.rounds ?? from.rounds });
  const fresh = run.figures.map((f) => stamp(f, run));
  if (!partial || !existsSync(file)) return { ...run, figures: fresh };
  let before: Results;
  try {
    before = JSON.parse(readFileSync(file, 'utf8')) as Results;
  } catch {
    return { ...run, figures: fresh };
  }
  const byId = new Map<string, Results['figures'][number]>((before.figures ?? []).map((f) => [f.id, stamp(f, before)]));
  for (const f of fresh) byId.set(f.id, f);
  const order = (id: string): number => {
    const i = FIGURES.findIndex((f) => f.id === id);
    return i < 0 ? FIGURES.length : i;
  };
  return { ...run, sides: { ...before.sides, ...run.sides }, figures: [...byId.values()].sort((a, b) => order(a.id) - order(b.id)) };
};

const main = async (): Promise<void> => {
  const started = performance.now();
  compile();
  // every distinct child, in figure order, ours before the others
  const cases = new Map<string, CaseSpec>();
  for (const f of figures) {
    cases.set(keyOf(f.ours), f.ours);
    for (const o of others) {
      const c = f.others?.(o.side);
      if (c !== undefined) cases.set(keyOf(c), c);
    }
  }
  const results = new Map<string, ChildResult[]>();
  const failures: string[] = [];
  const skipped = new Map<string, string>();
  for (let r = 0; r < rounds; r++) {
    for (const [key, c] of cases) {
      if (c.maxRounds !== undefined && r >= c.maxRounds) continue;
      if (skipped.has(key)) continue;
      const t0 = performance.now();
      try {
        const res = await runChild(c);
        if (typeof res.skipped === 'string') {
          skipped.set(key, res.skipped);
          process.stderr.write(`round ${r + 1}/${rounds}  ${pad(key, 44)} SKIPPED: ${res.skipped}\n`);
          continue;
        }
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
  const medians = new Map<string, { ours: number } & { [S in Other]: number | undefined }>();
  // a figure whose case was skipped is left out of the table and of results.json (a partial run keeps what it had)
  const shownFigures = figures.filter((f) => !skipped.has(keyOf(f.ours)));
  const computed = shownFigures.map((f) => {
    const o = statsOf(f.ours, f.metric);
    const of = (side: Other): Stats | undefined =>
      !others.some((x) => x.side === side) ? undefined : statsOf(f.others?.(side), f.metric);
    const theirs = { sdk: of('sdk'), sdk2: of('sdk2'), vscode: of('vscode') };
    medians.set(f.id, { ours: o?.median ?? NaN, sdk: theirs.sdk?.median, sdk2: theirs.sdk2?.median, vscode: theirs.vscode?.median });
    return { f, o, theirs };
  });
  const rows: string[][] = [
    [
      'figure',
      'unit',
      'ours median [min–max]',
      ...others.map((x) => `${x.title} median [min–max]`),
      ...others.map((x) => `ours/${x.title}`),
      'target',
      'met',
    ],
  ];
  const json = computed.map(({ f, o, theirs }) => {
    const ratioTo = (x: Stats | undefined): number | undefined => (o !== undefined && x !== undefined ? o.median / x.median : undefined);
    const ratios = { sdk: ratioTo(theirs.sdk), sdk2: ratioTo(theirs.sdk2), vscode: ratioTo(theirs.vscode) };
    const met = f.target === undefined ? undefined : f.target.met(medians);
    rows.push([
      f.label,
      f.unit,
      cell(o, f),
      ...others.map((x) => cell(theirs[x.side], f)),
      ...others.map((x) => ratioText(ratios[x.side], f)),
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
    // `sdk` and `ratio` are the SDK v1's, as before the other sides came; the new ones follow
    return {
      id: f.id,
      label: f.label.trim(),
      unit: f.unit,
      better: f.better,
      ours: scaled(o),
      sdk: scaled(theirs.sdk),
      ratio: ratios.sdk,
      target: f.target?.text,
      met,
      sdk2: scaled(theirs.sdk2),
      ratioSdk2: ratios.sdk2,
      vscode: scaled(theirs.vscode),
      ratioVscode: ratios.vscode,
    };
  });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n${table(rows)}\n\n`);
  process.stdout.write(
    `ratio = ours/other of the medians (for /s figures, marked ↑, higher is better); a target names what it is against (ratio: the SDK v1). ` +
      `Framed: NDJSON over PassThrough streams, vscode-jsonrpc with its Content-Length headers. ` +
      `HTTP: one node:http keep-alive client, the same for every server, both on 127.0.0.1 in one process. ` +
      `${rounds} rounds, each measurement in its own process; ${seconds.toFixed(0)} s in all.\n`,
  );
  for (const [key, why] of skipped) process.stdout.write(`\nskipped ${key}: ${why} (its figures are left out)\n`);
  if (failures.length > 0) process.stdout.write(`\n${failures.length} child failures:\n${failures.join('\n')}\n`);
  const out = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    rounds,
    seconds: Math.round(seconds),
    sides: {
      ours: `mcp-rx-cancel ${versionOf('')}`,
      ...Object.fromEntries(others.map((x) => [x.side, x.packages.map((p) => `${p} ${versionOf(p)}`).join(' + ')])),
    },
    figures: json,
    failures,
    ...(skipped.size > 0 ? { skipped: Object.fromEntries(skipped) } : {}),
  };
  writeFileSync(join(here, 'results.json'), `${JSON.stringify(merged(out, only !== undefined || sidesArg !== undefined), null, 2)}\n`);
  // the README's tables show what results.json now holds
  if (writeReadmeTables()) process.stdout.write('README.md: benchmark tables rewritten from bench/results.json\n');
  if (failures.length > 0) process.exitCode = 1;
};

void main();
