import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ROOT } from '../transport/support.js';

// The README's benchmark tables are written by hand from bench/results.json: this keeps them
// from drifting. Every figure of a row here must be the median results.json holds for it, side by
// side (within the rounding of the table: 1%), in the unit the row states.

type Side = 'ours' | 'sdk' | 'sdk2' | 'vscode';
interface Figure {
  readonly id: string;
  readonly unit: string;
  readonly [side: string]: unknown;
}

// README row label (and which occurrence of it) → figure id in results.json
const ROWS: ReadonlyArray<readonly [string, number, string]> = [
  ['round trip, in memory, 100 in flight', 0, 'rtt-memory'],
  ['round trip, framed (PassThrough pair), 100 in flight', 0, 'rtt-framed'],
  ['JSON.stringify + parse floor (request + response)', 0, 'rtt-floor'],
  ['cost per cancel, 1,000 in flight', 0, 'cancel-1k'],
  ['cost per cancel, 10,000 in flight', 0, 'cancel-10k'],
  ['cost per cancel, 100,000 in flight', 0, 'cancel-100k'],
  ['same, newest requests first (info)', 0, 'cancel-100k-newest'],
  ['heap per request in flight, client + server', 0, 'heap-inflight'],
  ['cancels absorbed per second while serving', 0, 'absorb-cancels'],
  ['trivial calls served per second meanwhile', 0, 'absorb-served'],
  ['round trip over HTTP, 2026-07-28, 16 in flight', 0, 'http-rtt-2026'],
  ['round trip over HTTP, 2025-11-25 session, 16 in flight', 0, 'http-rtt-2025'],
  ['same client, bare node:http server (floor)', 0, 'http-rtt-floor'],
  ['cancel by stream close over HTTP, 2026-07-28', 0, 'http-cancel-close'],
  ['same client, bare node:http server (floor)', 1, 'http-cancel-floor'],
  ['cancel across instances, 10,000 paced at 2,000/s: median', 0, 'bus-cancel-paced'],
  ['same, p99', 0, 'bus-cancel-paced-p99'],
  ['cancel across instances, 10,000 issued in one loop: median', 0, 'bus-cancel-burst'],
  ['same, p99', 1, 'bus-cancel-burst-p99'],
  ['same, from the first `A.cancel` until the last one applied on B', 0, 'bus-cancel-burst-last'],
];

const SIDES: Readonly<Record<string, Side>> = { ours: 'ours', 'SDK v1': 'sdk', 'SDK v2': 'sdk2', 'vscode-jsonrpc': 'vscode' };
const SCALE: Readonly<Record<string, number>> = { 'µs': 1, ms: 1_000, B: 1, MB: 1, '/s': 1 };

/** The first number of a cell and its unit, e.g. `2,189 B`, `3.85 ms (3.62–7.38)`. */
const valueOf = (cell: string): { value: number; unit: string } | undefined => {
  const m = /^([\d,.]+) (µs|ms|B|MB|\/s)/.exec(cell.trim());
  return m === null ? undefined : { value: Number((m[1] ?? '').replace(/,/g, '')), unit: m[2] ?? '' };
};

describe('README benchmark tables', () => {
  it('should show, for every row it names, the medians bench/results.json holds', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const results = JSON.parse(readFileSync(`${ROOT}bench/results.json`, 'utf8')) as { figures: Figure[] };
    const byId = new Map(results.figures.map((f) => [f.id, f]));
    // each table: its header's side columns, then its rows
    const rows: Array<{ label: string; cells: Record<Side, string | undefined> }> = [];
    let columns: Array<Side | undefined> = [];
    for (const line of readme.split('\n')) {
      if (!line.startsWith('| ')) continue;
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      if (cells[0] === 'figure' || cells[0] === 'case') {
        // a side's column, `ours median [min–max]` included (never a ratio column, `ours/SDK v1`)
        columns = cells.map((c) => SIDES[c] ?? (c.startsWith('ours ') ? 'ours' : undefined));
        continue;
      }
      const named: Record<Side, string | undefined> = { ours: undefined, sdk: undefined, sdk2: undefined, vscode: undefined };
      cells.forEach((c, i) => {
        const side = columns[i];
        if (side !== undefined) named[side] = c;
      });
      rows.push({ label: cells[0] ?? '', cells: named });
    }
    let checked = 0;
    for (const [label, nth, id] of ROWS) {
      const row = rows.filter((r) => r.label === label)[nth];
      expect(row, `README row "${label}" #${nth}`).to.not.equal(undefined);
      const figure = byId.get(id);
      expect(figure, `results.json figure ${id}`).to.not.equal(undefined);
      for (const side of ['ours', 'sdk', 'sdk2', 'vscode'] as const) {
        const shown = valueOf(row?.cells[side] ?? '');
        const median = (figure?.[side] as { median?: number } | undefined)?.median;
        if (shown === undefined || median === undefined) continue;
        const inFigureUnit = (shown.value * (SCALE[shown.unit] ?? 1)) / (SCALE[figure?.unit ?? ''] ?? 1);
        expect(Math.abs(inFigureUnit - median) / median, `${id} ${side}: README ${row?.cells[side]}, results.json ${median}`).to.be.below(0.01);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(30);
  });
});
