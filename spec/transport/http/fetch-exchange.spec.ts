import { expect } from 'chai';
import { streamableHttp, type StreamableHttpOptions } from '../../../lib/http.js';
import { headers2026, meta2026, testHandlers, until, type Seen } from './support.js';

// The fetch face of streamableHttp (Request in, Response out) answers with a web ReadableStream:
// what a client that does not read leaves in it is bounded by maxBufferedBytes, as on node:http.

const burst = (id: number, steps: number): Request =>
  new Request('http://127.0.0.1/mcp', {
    method: 'POST',
    headers: headers2026('tools/call', 'burst'),
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'burst', arguments: { steps }, _meta: meta2026 } }),
  });

const serverWith = (options: StreamableHttpOptions) => {
  const seen: Seen = { cleanups: [], events: [] };
  return { seen, mcp: streamableHttp({ handlers: testHandlers(seen), response: 'sse', ...options }) };
};

describe('streamableHttp, fetch face: an answer nobody reads', () => {
  it('should hold up to maxBufferedBytes: 2 MB of notifications fit the default 4 MiB, and the request completes unread', async () => {
    const { seen, mcp } = serverWith({});
    const r = await mcp.fetch(burst(1, 20));
    expect(r.headers.get('content-type')).to.equal('text/event-stream');
    await until(() => seen.cleanups.length === 1, 3_000, 'the burst to end');
    expect(seen.cleanups).to.deep.equal(['1:done']);
    await r.body?.cancel();
    await mcp.close();
  });

  it('should take the client as gone past a smaller maxBufferedBytes: the request is cancelled (2026: a closed stream)', async () => {
    const { seen, mcp } = serverWith({ maxBufferedBytes: 256 * 1024 });
    const r = await mcp.fetch(burst(2, 20));
    await until(() => seen.cleanups.length === 1, 3_000, 'the burst to be cut off');
    expect(seen.cleanups).to.deep.equal(['2:close']);
    expect(mcp.inFlight()).to.equal(0);
    await r.body?.cancel().catch(() => undefined);
    await mcp.close();
  });

  it('should refuse a maxBufferedBytes that is not a non-negative integer', () => {
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => streamableHttp({ handlers: {}, maxBufferedBytes: bad }), String(bad)).to.throw(TypeError, /maxBufferedBytes/);
  });
});
