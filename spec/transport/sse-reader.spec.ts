import { expect } from 'chai';
import fc from 'fast-check';
import { sseEvents, type SseItem } from '../../lib/transport/sse-reader.js';

const streamOf = (chunks: readonly string[]): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const s of chunks) c.enqueue(encoder.encode(s));
      c.close();
    },
  });
};
const read = async (chunks: readonly string[], max = 1_000): Promise<SseItem[]> => {
  const items: SseItem[] = [];
  for await (const i of sseEvents(streamOf(chunks), max)) items.push(i);
  return items;
};
const data = (items: readonly SseItem[]): string[] => items.flatMap((i) => (i.kind === 'data' ? [i.data] : []));

describe('sseEvents', () => {
  it('should read events ended by any line end, joining data lines and skipping comments and other fields', async () => {
    const items = await read([': keep-alive\n\nevent: message\nid: 1\ndata: {"a":1}\n\n', 'data: x\r\ndata:y\r\n\r\n', 'data: z\r\rdataX: no\n\n']);
    expect(data(items)).to.deep.equal(['{"a":1}', 'x\ny', 'z']);
  });

  it('should read the same events however the bytes are split, a UTF-8 character or a CRLF included', async () => {
    const text = 'data: héllo 世界\r\n\r\ndata: {"b":"🙂"}\n\n';
    const bytes = new TextEncoder().encode(text);
    await fc.assert(fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 8 }), async (cuts) => {
      const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i + 1 < points.length; i++) c.enqueue(bytes.slice(points[i], points[i + 1]));
          c.close();
        },
      });
      const items: SseItem[] = [];
      for await (const i of sseEvents(stream, 1_000)) items.push(i);
      expect(data(items)).to.deep.equal(['héllo 世界', '{"b":"🙂"}']);
    }));
  });

  it('should skip an event over the limit without holding it, and read the next one', async () => {
    const items = await read(['data: ' + 'x'.repeat(600) + '\n', 'data: ' + 'y'.repeat(600) + '\n\n', 'data: ok\n\n'], 1_000);
    expect(items.map((i) => i.kind)).to.deep.equal(['too-large', 'data']);
    expect(data(items)).to.deep.equal(['ok']);
  });

  it('should not hold a single line longer than the limit that has no end yet', async () => {
    const items = await read(['data: ' + 'x'.repeat(5_000), 'x'.repeat(5_000), '\n\ndata: ok\n\n'], 1_000);
    expect(items.map((i) => i.kind)).to.deep.equal(['too-large', 'data']);
  });

  it('should cancel the body when the reader stops before its end, and not when it was read to the end', async () => {
    // a stream left open after its first event: only a cancel releases it
    const cancelled: unknown[] = [];
    const open = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode('data: first\n\n')),
      cancel: (why) => void cancelled.push(why),
    });
    for await (const i of sseEvents(open, 1_000)) if (i.kind === 'data') break;
    expect(cancelled).to.have.length(1);
    expect(open.locked).to.equal(false);

    const ended: unknown[] = [];
    const whole = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('data: only\n\n'));
        c.close();
      },
      cancel: (why) => void ended.push(why),
    });
    expect(data(await (async () => {
      const items: SseItem[] = [];
      for await (const i of sseEvents(whole, 1_000)) items.push(i);
      return items;
    })())).to.deep.equal(['only']);
    expect(ended).to.deep.equal([]);
  });
});
