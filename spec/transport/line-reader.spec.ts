import { expect } from 'chai';
import fc from 'fast-check';
import { WireFault } from '../../lib/index.js';
import { LineSplitter, parseLine } from '../../lib/transport/line-reader.js';
import { readAll } from './support.js';


/** Cut `bytes` at the given points (any byte, inside characters too). */
const cut = (bytes: Buffer, points: readonly number[]): Buffer[] => {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const p of at) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  out.push(bytes.subarray(start));
  return out.filter((b) => b.length > 0);
};

const arbText = fc.string({ unit: 'grapheme', maxLength: 30 });
const arbMessage = fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constant('n'), params: fc.record({ s: arbText, n: fc.integer() }) });

describe('ndjson (properties)', () => {
  it('should read the same messages however the bytes are cut into chunks, with \\n or \\r\\n and blank lines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(arbMessage, fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (lines, points) => {
          const text = lines.map(([m, crlf, blank]) => `${JSON.stringify(m)}${crlf ? '\r\n' : '\n'}${blank ? '\n' : ''}`).join('');
          const got = await readAll(cut(Buffer.from(text, 'utf8'), points));
          expect(got).to.deep.equal(lines.map(([m]) => m));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('should report exactly the lines over maxLineBytes, by their UTF-8 bytes, however they are cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom('a', 'é', '€', '😀')), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (specs, points) => {
          const max = 80;
          const lines = specs.map(([n, ch]) => JSON.stringify({ s: ch.repeat(n) }));
          const got = await readAll(cut(Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8'), points), max);
          const expected = lines.map((l) => (Buffer.byteLength(l) > max ? 'too-long' : JSON.parse(l)));
          expect(got.map((g) => (WireFault.is(g) ? (g.kind === 'line-too-long' ? 'too-long' : g.kind) : g))).to.deep.equal(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('LineSplitter', () => {
  const split = (max: number, chunks: string[]): string[] => {
    const seen: string[] = [];
    const s = new LineSplitter(max, (l) => seen.push(l), () => seen.push('<too long>'));
    for (const c of chunks) s.push(Buffer.from(c));
    s.end();
    return seen;
  };

  it('should take a line of exactly maxLineBytes and refuse one byte more, in every path', () => {
    expect(split(3, ['abc\nabcd\n'])).to.deep.equal(['abc', '<too long>']);
    expect(split(3, ['abc\nabcd\nab'])).to.deep.equal(['abc', '<too long>', 'ab']);
    expect(split(3, ['ab', 'c\nab', 'cd\n'])).to.deep.equal(['abc', '<too long>']);
  });

  it('should skip blank lines in a chunk of whole lines', () => {
    expect(split(10, ['\n\nab\n\n'])).to.deep.equal(['ab']);
  });

  it('should read a blank or whitespace line as nothing, and a \\r\\n line as its JSON', () => {
    expect(parseLine('')).to.equal(undefined);
    expect(parseLine('  \r')).to.equal(undefined);
    expect(parseLine('{"a":1}\r')).to.deep.equal({ a: 1 });
    expect(WireFault.is(parseLine('{'))).to.equal(true);
  });
});
