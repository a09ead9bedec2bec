import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { firstValueFrom } from 'rxjs';
import { ndjson } from '../../lib/stdio.js';
import { until } from './support.js';

// mocha runs without --expose-gc: the flag can still be set at run time, and a new context then
// has `gc`. Without a collection before each reading, the figures would be whatever the last
// scavenge left, and the test would be about timing, not about what the reader holds.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const held = (): number => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

describe('ndjson (memory)', () => {
  it('should hold a line fed in 1-byte chunks in about one byte of memory per byte', async () => {
    const size = 256 * 1024;
    const line = Buffer.from(`{"s":"${'a'.repeat(size - 8)}"}`);
    const input = new PassThrough();
    const wire = ndjson(input, new PassThrough());
    const first = firstValueFrom(wire.incoming$);
    const before = held();
    // each chunk is a view of `line`, which exists before the first reading: what grows is what
    // the reader keeps of the chunks, not the chunks' bytes
    for (let i = 0; i < line.length; i++) input.write(line.subarray(i, i + 1));
    await until(() => input.readableLength === 0 && input.writableLength === 0, 10_000, 'the chunks to be read');
    const growth = held() - before;
    input.end('\n');
    expect(((await first) as { s: string }).s).to.have.length(size - 8);
    // one growable buffer: at most twice the line; a view per chunk was ~110 bytes per byte (27 MB)
    expect(growth, `${(growth / line.length).toFixed(1)} bytes held per byte buffered`).to.be.below(3 * 1024 * 1024);
  });
});
