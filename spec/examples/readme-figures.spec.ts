import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { renderTable, TABLES, withTables, type Results } from '../../bench/readme-tables.js';
import { ROOT } from '../transport/support.js';

// The README's benchmark tables are rendered from bench/results.json (bench/readme-tables.ts,
// run by `npm run bench`): what the README shows must be what that file holds, to the character.

const readme = (): string => readFileSync(`${ROOT}README.md`, 'utf8');
const results = (): Results => JSON.parse(readFileSync(`${ROOT}bench/results.json`, 'utf8')) as Results;

describe('README benchmark tables', () => {
  it('should be what bench/results.json renders, every table', () => {
    const text = readme();
    expect(withTables(text, results()) === text, 'the README tables differ from bench/results.json: run `npx tsx bench/readme-tables.ts`').to.equal(true);
  });

  it('should show every figure of a table, ours and each other side, in its unit', () => {
    const r = results();
    const table = TABLES.find((t) => t.name === 'main');
    expect(table).to.not.equal(undefined);
    const main = table === undefined ? '' : renderTable(table, r);
    const f = r.figures.find((x) => x.id === 'rtt-memory');
    // three significant figures, as the table writes them: 5.84, 12.3, 145
    const median = f?.ours?.median ?? NaN;
    expect(main).to.include(`| ${f?.label} | ${median.toFixed(median >= 100 ? 0 : median >= 10 ? 1 : 2)} µs |`);
    const heap = r.figures.find((x) => x.id === 'heap-inflight');
    expect(main).to.include(`${Math.round(heap?.sdk?.median ?? NaN).toLocaleString('en-US')} B`);
  });

  it('should change when a median changes, and fail on a figure missing from results.json', () => {
    const r = results();
    const bumped: Results = { ...r, figures: r.figures.map((f) => (f.id === 'cancel-10k' && f.ours !== undefined ? { ...f, ours: { ...f.ours, median: f.ours.median * 1.06 } } : f)) };
    expect(withTables(readme(), bumped)).to.not.equal(readme());
    const without: Results = { ...r, figures: r.figures.filter((f) => f.id !== 'bus-cancel-paced') };
    expect(() => withTables(readme(), without)).to.throw(/bus-cancel-paced/);
  });
});
