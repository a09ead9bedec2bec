import { expect } from 'chai';
import type { StreamableHttpOptions } from '../../../lib/http.js';
import { GoneFlag, sseComment } from '../../../lib/transport/http/exchange.js';
import { headers2026, meta2026, post, start, type Running } from './support.js';

// SSE streams kept alive (keepAliveMs): a stream that has sent nothing for a while gets a comment,
// which clients ignore and which keeps a proxy that closes idle connections from cutting it (in
// 2026-07-28 a cut stream cancels its request). Over real HTTP on 127.0.0.1.

const never = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'never', _meta: meta2026 } });

/** What a stream carries in `ms`, read as text; then the client goes. */
const readFor = async (r: Response, ms: number, abort: AbortController): Promise<string> => {
  const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const stop = setTimeout(() => abort.abort(), ms);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
  } catch {
    // aborted: the time is up
  }
  clearTimeout(stop);
  return text;
};

describe('SSE keep-alive (keepAliveMs)', () => {
  let s: Running | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  const quietAnswer = async (options: StreamableHttpOptions): Promise<string> => {
    s = await start({ response: 'sse', ...options });
    const abort = new AbortController();
    const r = await post(s.url, never(1), headers2026('tools/call', 'never'), abort.signal);
    expect(r.headers.get('content-type')).to.equal('text/event-stream');
    return readFor(r, 250, abort);
  };

  it('should send a comment on a quiet answer stream every keepAliveMs', async () => {
    const text = await quietAnswer({ keepAliveMs: 40 });
    const comments = text.split('\n\n').filter((e) => e === ': keep-alive');
    expect(comments.length, text).to.be.within(2, 7);
  });

  it('should send none with keepAliveMs 0, and none in the first 250 ms by default (15 s)', async () => {
    expect(await quietAnswer({ keepAliveMs: 0 })).to.equal('');
    await s?.stop();
    expect(await quietAnswer({})).to.equal('');
  });

  it('should end the request when the client goes, keep-alive or not (the timer holds nothing)', async () => {
    await quietAnswer({ keepAliveMs: 40 });
    for (let i = 0; i < 100 && s?.seen.cleanups.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s?.seen.cleanups).to.deep.equal(['1:close']);
  });

  it("should keep a 2025 session's GET stream alive too", async () => {
    s = await start({ keepAliveMs: 40 });
    const init = await post(s.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'spec', version: '0' } } }, {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    });
    const session = init.headers.get('mcp-session-id') ?? '';
    const abort = new AbortController();
    const get = await fetch(s.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session }, signal: abort.signal });
    expect(get.status).to.equal(200);
    const text = await readFor(get, 250, abort);
    expect(text.split('\n\n').filter((e) => e === ': keep-alive').length, text).to.be.within(2, 7);
  });

  it('should write a comment as one line, whatever its text', () => {
    expect(sseComment('a\nb\rc')).to.equal(': a b c\n\n');
  });
});

describe('SSE keep-alive, read by the official SDK clients', () => {
  it('should be ignored by the SDK 1.32.2 client: a quiet call answered over SSE, comments between', async () => {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const s = await start({ response: 'sse', keepAliveMs: 5 });
    try {
      const client = new Client({ name: 'keep-alive', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(s.url)));
      // `slow` with 4 steps of 20 ms and no progress asked: 80 ms of silence but for the comments
      const r = await client.callTool({ name: 'slow', arguments: { steps: 4 } });
      expect(r.content).to.deep.equal([]);
      expect((await client.callTool({ name: 'echo', arguments: { text: 'after' } })).content).to.deep.equal([{ type: 'text', text: 'after' }]);
      await client.close();
    } finally {
      await s.stop();
    }
  });
});

// the node and fetch faces' `gone`: what the cancel by stream close hangs on must behave as an AbortSignal does
describe('GoneFlag', () => {
  it('should call each listener once, in order, on the first abort only', () => {
    const gone = new GoneFlag();
    const calls: string[] = [];
    gone.addEventListener('abort', () => calls.push('a'), { once: true });
    gone.addEventListener('abort', () => calls.push('b'));
    expect(gone.aborted).to.equal(false);
    gone.abort();
    gone.abort();
    expect(gone.aborted).to.equal(true);
    expect(calls).to.deep.equal(['a', 'b']);
  });

  it('should not call a listener removed before, nor one added after the abort', () => {
    const gone = new GoneFlag();
    const calls: string[] = [];
    const removed = (): void => void calls.push('removed');
    gone.addEventListener('abort', removed);
    gone.removeEventListener('abort', removed);
    gone.removeEventListener('abort', () => undefined);
    gone.abort();
    gone.addEventListener('abort', () => calls.push('late'));
    gone.abort();
    expect(calls).to.deep.equal([]);
  });

  it('should run every listener when one throws, and throw its error outside', async () => {
    const gone = new GoneFlag();
    const calls: string[] = [];
    const thrown: unknown[] = [];
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.once('uncaughtException', (e) => void thrown.push(e));
    try {
      gone.addEventListener('abort', () => {
        throw new Error('boom');
      });
      gone.addEventListener('abort', () => calls.push('after'));
      expect(() => gone.abort()).not.to.throw();
      expect(calls).to.deep.equal(['after']);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.removeAllListeners('uncaughtException');
      for (const l of listeners) process.on('uncaughtException', l);
    }
    expect(thrown.map((e) => (e as Error).message)).to.deep.equal(['boom']);
  });
});
