// The README's benchmark tables, rendered from bench/results.json and nothing else, so a figure in
// the README is always one the last run measured. `npm run bench` rewrites them when it ends;
// `tsx bench/readme-tables.ts` alone rewrites them from the results.json there is. Each table sits
// between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; spec/examples/readme-figures.spec.ts
// fails when what is there is not what this renders.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Side = 'ours' | 'sdk' | 'sdk2' | 'vscode';
type Other = Exclude<Side, 'ours'>;

interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

/** One figure of bench/results.json, as bench/run.ts writes it. */
export interface ResultFigure {
  readonly id: string;
  readonly label: string;
  readonly unit: 'µs' | 'ms' | 'B' | 'MB' | '/s' | '×';
  readonly better: 'lower' | 'higher';
  readonly target?: string;
  readonly met?: boolean;
  readonly generatedAt?: string;
  readonly ours?: Stats;
  readonly sdk?: Stats;
  readonly sdk2?: Stats;
  readonly vscode?: Stats;
}

export interface Results {
  readonly node?: string;
  readonly cpus?: number;
  readonly figures: readonly ResultFigure[];
}

type ById = (id: string) => ResultFigure;

interface Row {
  readonly id: string;
  /** min–max after every median of the row (the HTTP and bus tables always show it). */
  readonly spread?: boolean;
  /** No ratio columns: figures within noise of zero, whose ratios mean nothing. */
  readonly noRatios?: boolean;
  /** What the first ratio column says instead, for a row of ours alone. */
  readonly ratioNote?: (f: ById) => string;
  /** What follows the target in its column. */
  readonly targetNote?: (f: ById) => string;
}

interface Table {
  readonly name: string;
  readonly others: readonly Other[];
  readonly spread: boolean;
  /** A target column (each target says what it is against: `ratio` is against the SDK v1). */
  readonly targets: boolean;
  readonly rows: readonly Row[];
}

const TITLES: Readonly<Record<Other, string>> = { sdk: 'SDK v1', sdk2: 'SDK v2', vscode: 'vscode-jsonrpc' };

const medianOf = (f: ById, id: string): number => f(id).ours?.median ?? NaN;
const times = (x: number): string => `${x >= 10 ? x.toFixed(0) : x.toFixed(x >= 2 ? 1 : 2)}×`;

export const TABLES: readonly Table[] = [
  {
    name: 'main',
    others: ['sdk', 'sdk2', 'vscode'],
    spread: false,
    targets: true,
    rows: [
      { id: 'rtt-memory' },
      { id: 'rtt-memory-mcp', targetNote: (f) => `(${(medianOf(f, 'rtt-memory-mcp') / medianOf(f, 'rtt-memory')).toFixed(2)}× ours raw, in two processes)` },
      { id: 'rtt-memory-mcp-ab', spread: true },
      { id: 'rtt-memory-gateway', targetNote: (f) => `(${(medianOf(f, 'rtt-memory-gateway') / medianOf(f, 'rtt-memory')).toFixed(2)}× ours direct)` },
      { id: 'rtt-stdio' },
      { id: 'rtt-stdio-gateway', targetNote: (f) => `(${(medianOf(f, 'rtt-stdio-gateway') / medianOf(f, 'rtt-stdio')).toFixed(2)}× ours direct)` },
      { id: 'rtt-framed' },
      { id: 'rtt-floor', spread: true, ratioNote: (f) => `framed = ${(medianOf(f, 'rtt-framed') / medianOf(f, 'rtt-floor')).toFixed(1)}× floor` },
      { id: 'cancel-1k' },
      { id: 'cancel-10k' },
      { id: 'cancel-100k', targetNote: (f) => `(${(medianOf(f, 'cancel-100k') / medianOf(f, 'cancel-1k')).toFixed(1)}×)` },
      { id: 'cancel-100k-newest', targetNote: (f) => `(${(medianOf(f, 'cancel-100k-newest') / medianOf(f, 'cancel-1k')).toFixed(2)}× ours at 1,000)` },
      { id: 'burst-1k', targetNote: (f) => `(${(medianOf(f, 'burst-1k') / (f('burst-1k').vscode?.median ?? NaN)).toFixed(2)}× vscode-jsonrpc)` },
      { id: 'burst-10k', targetNote: (f) => `(${(medianOf(f, 'burst-10k') / (f('burst-10k').vscode?.median ?? NaN)).toFixed(2)}× vscode-jsonrpc)` },
      { id: 'heap-inflight' },
      { id: 'heap-retained', spread: true, noRatios: true },
      { id: 'absorb-cancels' },
      { id: 'absorb-served' },
    ],
  },
  {
    name: 'http',
    others: ['sdk', 'sdk2'],
    spread: true,
    targets: true,
    rows: [
      { id: 'http-rtt-2026', targetNote: (f) => `(${(medianOf(f, 'http-rtt-2026') / medianOf(f, 'http-rtt-floor')).toFixed(2)}× the floor)` },
      { id: 'http-rtt-2025', targetNote: (f) => `(${(medianOf(f, 'http-rtt-2025') / medianOf(f, 'http-rtt-floor')).toFixed(2)}× the floor)` },
      { id: 'http-rtt-floor' },
      { id: 'http-cancel-close', targetNote: (f) => `(${(medianOf(f, 'http-cancel-close') / medianOf(f, 'http-cancel-floor')).toFixed(2)}× the floor)` },
      { id: 'http-cancel-floor' },
    ],
  },
  {
    name: 'bus',
    others: [],
    spread: true,
    targets: true,
    rows: [
      { id: 'bus-cancel-paced' },
      { id: 'bus-cancel-paced-p99' },
      { id: 'bus-cancel-burst' },
      { id: 'bus-cancel-burst-p99' },
      { id: 'bus-cancel-burst-last' },
    ],
  },
];

// ---------------------------------------------------------------- numbers

const grouped = (v: number, digits: number): string =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Three significant digits (none after the point from 100 on), grouped: 5.06, 84.9, 141, 1,008. */
const significant = (v: number): string => grouped(v, Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);

/** The unit a row is shown in: µs from 1,000 on read better as ms. */
const shownUnit = (f: ResultFigure): { readonly unit: string; readonly scale: number } =>
  f.unit === 'µs' && (f.ours?.median ?? 0) >= 1_000 ? { unit: 'ms', scale: 1 / 1_000 } : { unit: f.unit, scale: 1 };

const number = (v: number, f: ResultFigure): string => {
  const { scale } = shownUnit(f);
  const x = v * scale;
  const text = f.unit === 'B' || f.unit === '/s' ? grouped(Math.round(x), 0) : f.unit === 'MB' ? x.toFixed(2) : significant(x);
  return text.replace(/^-/, '−');
};

const value = (s: Stats | undefined, f: ResultFigure, spread: boolean): string => {
  if (s === undefined) return '';
  const { unit } = shownUnit(f);
  // a ratio reads as one: 1.05×
  const median = unit === '×' ? `${number(s.median, f)}×` : `${number(s.median, f)} ${unit}`;
  if (!spread) return median;
  // a range whose ends may be negative reads better with an ellipsis than with a dash
  const dash = s.min < 0 ? '…' : '–';
  return `${median} (${number(s.min, f)}${dash}${number(s.max, f)})`;
};

const ratio = (f: ResultFigure, other: Other): string => {
  const o = f.ours?.median;
  const t = f[other]?.median;
  if (o === undefined || t === undefined || t === 0) return '';
  return f.better === 'higher' ? times(o / t) : (o / t).toFixed(3);
};

const target = (f: ResultFigure, row: Row, byId: ById): string => {
  const note = row.targetNote?.(byId);
  if (f.target === undefined) return note ?? '';
  const text = `${f.target.replace(/^ratio /, '')} ${f.met === true ? '✓' : '✗'}`;
  return note === undefined ? text : `${text} ${note}`;
};

// ---------------------------------------------------------------- tables

const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

/** Rounds behind a table's medians, from the samples each holds: `3`, or `2 to 3`. */
const roundsOf = (figures: readonly ResultFigure[]): string => {
  const n = figures.flatMap((f) => (['ours', 'sdk', 'sdk2', 'vscode'] as const).map((s) => f[s]?.samples.length ?? 0)).filter((k) => k > 0);
  const lo = Math.min(...n);
  const hi = Math.max(...n);
  return lo === hi ? `${lo}` : `${lo} to ${hi}`;
};

const daysOf = (figures: readonly ResultFigure[]): string =>
  [...new Set(figures.map((f) => f.generatedAt?.slice(0, 10)).filter((d): d is string => d !== undefined))].sort().join(', ');

/** One table, its header, its rows and a line saying what its figures are. */
export const renderTable = (table: Table, results: Results): string => {
  const found = new Map(results.figures.map((f) => [f.id, f]));
  const byId: ById = (id) => {
    const f = found.get(id);
    if (f === undefined) throw new Error(`bench/results.json has no figure ${id}`);
    return f;
  };
  const figures = table.rows.map((r) => byId(r.id));
  const single = table.others.length === 0;
  const head = single
    ? ['figure', 'ours median (min–max)', ...(table.targets ? ['target'] : [])]
    : [
        'figure',
        'ours',
        ...table.others.map((o) => TITLES[o]),
        ...table.others.map((o) => `ours/${TITLES[o]}`),
        ...(table.targets ? ['target'] : []),
      ];
  const rows = table.rows.map((row, i) => {
    const f = figures[i] as ResultFigure;
    const spread = table.spread || row.spread === true;
    const label = f.label.replace(/\|/g, '\\|');
    if (single) return line([label, value(f.ours, f, spread), ...(table.targets ? [target(f, row, byId)] : [])]);
    // a row of ours alone (a floor) leaves the other sides blank; a side missing elsewhere has none
    const solo = table.others.every((o) => f[o] === undefined);
    const theirs = table.others.map((o) => (solo ? '' : f[o] === undefined ? '(none)' : value(f[o], f, spread)));
    const ratios = table.others.map((o, k) => (k === 0 && row.ratioNote !== undefined ? row.ratioNote(byId) : row.noRatios === true ? '' : ratio(f, o)));
    return line([label, value(f.ours, f, spread), ...theirs, ...ratios, ...(table.targets ? [target(f, row, byId)] : [])]);
  });
  const higher = figures.some((f) => f.better === 'higher') ? ' For the /s rows, higher is better and the ratio column says how many times ours.' : '';
  const caption =
    `Medians of ${roundsOf(figures)} rounds${single || table.spread ? ' (min–max in parentheses)' : ''}, measured ${daysOf(figures)}` +
    `${results.node === undefined ? '' : ` (last run: Node ${results.node}, ${String(results.cpus ?? '?')} cores)`}.${higher}`;
  return [line(head), line(head.map(() => '---')), ...rows, '', caption].join('\n');
};

const region = (name: string): RegExp => new RegExp(`(<!-- bench:${name} -->\\n)[\\s\\S]*?(\\n<!-- /bench:${name} -->)`);

/** The README with every table region replaced by what results.json renders. */
export const withTables = (readme: string, results: Results): string =>
  TABLES.reduce((text, t) => {
    if (!region(t.name).test(text)) throw new Error(`the README has no <!-- bench:${t.name} --> region`);
    return text.replace(region(t.name), (_, open: string, close: string) => `${open}${renderTable(t, results)}${close}`);
  }, readme);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Rewrites the README's tables from bench/results.json; true when something changed. */
export const writeReadmeTables = (): boolean => {
  const file = join(root, 'README.md');
  const before = readFileSync(file, 'utf8');
  const after = withTables(before, JSON.parse(readFileSync(join(root, 'bench/results.json'), 'utf8')) as Results);
  if (after !== before) writeFileSync(file, after);
  return after !== before;
};

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(writeReadmeTables() ? 'README.md: benchmark tables rewritten from bench/results.json\n' : 'README.md: benchmark tables already match bench/results.json\n');
}
