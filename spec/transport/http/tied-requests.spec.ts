import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { catchError, map, of } from 'rxjs';
import type { Handler } from '../../../lib/index.js';
import { BASE, post, readSse, rec, sseMessages, start, until, type Running } from './server.js';

// A tool asking the client for input with ctx.request, over our streamableHttp in a 2025-11-25
// session: the request goes on the stream of the POST that carries the call (MCP 2025-11-25
// Streamable HTTP: the server MAY send requests there, related to the originating request), on
// the GET stream when that POST cannot carry it, and fails at once when neither can.

type Rec = Record<string, unknown>;
const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'spec', version: '0' } } };
const CALL = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'confirm', arguments: {} } };
const ASK = { message: 'Go on?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } };

/** What the tool saw. */
interface Tool {
  cleanups: number;
}

const handlers = (tool: Tool): Record<string, Handler> => ({
  initialize: (p) => Promise.resolve({ protocolVersion: String(rec(p)['protocolVersion'] ?? '2025-06-18'), capabilities: { tools: {} }, serverInfo: { name: 'tied', version: '0' } }),
  'tools/call': (_p, ctx) => {
    ctx.onCleanup(() => void tool.cleanups++);
    return ctx.request<{ action: string }>('elicitation/create', ASK).pipe(
      map((a) => ({ content: [{ type: 'text', text: a.action }] })),
      // what a refused or failed ask looks like, as the tool's result
      catchError((e: unknown) => of({ content: [{ type: 'text', text: e instanceof Error ? e.name : String(e) }] })),
    );
  },
});

const open = async (s: Running): Promise<string> => {
  const r = await post(s.url, INIT);
  expect(r.status).to.equal(200);
  return r.headers.get('mcp-session-id') ?? '';
};

const textOf = (m: Rec | undefined): unknown => (rec(rec(m?.['result'])['content']) as unknown as Rec[])[0]?.['text'];

describe('ctx.request over streamableHttp (2025-11-25 sessions)', function () {
  this.timeout(15_000);
  let s: Running | undefined;
  afterEach(async () => s?.stop());

  it("should send the tied request on its call's POST stream, and answer the call there", async () => {
    const tool: Tool = { cleanups: 0 };
    s = await start({ handlers: handlers(tool) });
    const session = await open(s);
    // no GET stream: the POST's is the only one
    const call = readSse(fetch(s.url, { method: 'POST', headers: { ...BASE, 'mcp-session-id': session }, body: JSON.stringify(CALL) }));
    await until(() => call.messages.length === 1, 'the elicitation on the POST stream');
    const ask = call.messages[0];
    expect(ask).to.deep.include({ method: 'elicitation/create', params: ASK });
    const reply = await post(s.url, { jsonrpc: '2.0', id: ask?.['id'], result: { action: 'accept', content: { ok: true } } }, { 'mcp-session-id': session });
    expect(reply.status).to.equal(202);
    await call.done;
    expect(call.messages.map((m) => m['id'])).to.deep.equal([ask?.['id'], 1]);
    expect(textOf(call.messages[1])).to.equal('accept');
    expect(tool.cleanups).to.equal(1);
    expect(s.events.some((e) => e.type === 'message-dropped')).to.equal(false);
  });

  it("should cancel the tied request on the call's POST stream when the client cancels the call, and end that stream", async () => {
    const tool: Tool = { cleanups: 0 };
    s = await start({ handlers: handlers(tool) });
    const session = await open(s);
    const call = readSse(fetch(s.url, { method: 'POST', headers: { ...BASE, 'mcp-session-id': session }, body: JSON.stringify(CALL) }));
    await until(() => call.messages.length === 1, 'the elicitation on the POST stream');
    const cancelled = await post(s.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }, { 'mcp-session-id': session });
    expect(cancelled.status).to.equal(202);
    await call.done;
    const askId = call.messages[0]?.['id'];
    expect(call.messages.slice(1)).to.deep.equal([{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: askId } }]);
    expect(tool.cleanups).to.equal(1);
    expect(s.http.inFlight()).to.equal(0);
  });

  it("should send the tied request on the GET stream when the call's POST cannot stream", async () => {
    const tool: Tool = { cleanups: 0 };
    s = await start({ handlers: handlers(tool), response: 'json' });
    const session = await open(s);
    const ac = new AbortController();
    const get = readSse(fetch(s.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session }, signal: ac.signal }));
    // the GET stream is open once its headers came back: the call goes after
    await get.headers;
    const answered = post(s.url, CALL, { 'mcp-session-id': session });
    await until(() => get.messages.length === 1, 'the elicitation on the GET stream');
    const ask = get.messages[0];
    expect(ask).to.deep.include({ method: 'elicitation/create' });
    await post(s.url, { jsonrpc: '2.0', id: ask?.['id'], result: { action: 'decline' } }, { 'mcp-session-id': session });
    const r = await answered;
    expect(r.headers.get('content-type')).to.match(/application\/json/);
    expect(textOf(JSON.parse(r.text) as Rec)).to.equal('decline');
    ac.abort();
  });

  it('should drop a tied request with no stream to go on, and fail it at once rather than at its timeout', async () => {
    const tool: Tool = { cleanups: 0 };
    s = await start({ handlers: handlers(tool), response: 'json', timeoutMs: 60_000 });
    const session = await open(s);
    const began = Date.now();
    const r = await post(s.url, CALL, { 'mcp-session-id': session });
    expect(Date.now() - began).to.be.below(5_000);
    expect(textOf(JSON.parse(r.text) as Rec)).to.equal('RequestSendError');
    expect(s.events.filter((e) => e.type === 'message-dropped').map((e) => (e.type === 'message-dropped' ? e.why : ''))).to.deep.equal(['stream-closed']);
    expect(s.events.some((e) => e.type === 'request-send-failed')).to.equal(true);
  });
});

describe('ctx.request against the SDK 1.32 StreamableHTTPClientTransport', function () {
  this.timeout(15_000);
  let s: Running | undefined;
  let client: Client | undefined;
  afterEach(async () => {
    await client?.close();
    await s?.stop();
  });

  /** Each response the client read, as text, with the request that asked for it (a tee: the client reads its own copy). */
  interface Exchange {
    readonly method: string;
    readonly body: string;
    text: string;
  }

  const connectClient = async (onElicit: (signal: AbortSignal) => Promise<Rec>) => {
    const tool: Tool = { cleanups: 0 };
    s = await start({ handlers: handlers(tool) });
    const exchanges: Exchange[] = [];
    const watching: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const seen: Exchange = { method: init?.method ?? 'GET', body: typeof init?.body === 'string' ? init.body : '', text: '' };
      exchanges.push(seen);
      if (response.body === null) return response;
      const [mine, theirs] = response.body.tee();
      void (async () => {
        const reader = mine.getReader();
        for (;;) {
          const chunk = await reader.read().catch(() => undefined);
          if (chunk === undefined || chunk.done) return;
          seen.text += new TextDecoder().decode(chunk.value);
        }
      })();
      return new Response(theirs, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
    client = new Client({ name: 'sdk-v1', version: '1.32.2' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, (_request, extra) => onElicit(extra.signal));
    await client.connect(new StreamableHTTPClientTransport(new URL(s.url), { fetch: watching }));
    return { tool, exchanges, client, server: s };
  };

  it("should carry the elicitation on the call's POST stream, and give the tool the answer", async () => {
    const { exchanges, client: c, server } = await connectClient(() => Promise.resolve({ action: 'accept', content: { ok: true } }));
    const r = await c.callTool({ name: 'confirm', arguments: {} });
    expect(r.content).to.deep.equal([{ type: 'text', text: 'accept' }]);
    const onCall = exchanges.filter((x) => x.method === 'POST' && x.body.includes('"tools/call"'));
    expect(onCall).to.have.length(1);
    expect(onCall[0]?.text).to.match(/"method":"elicitation\/create"/);
    // and nowhere else: the session's GET stream did not carry it
    expect(exchanges.filter((x) => x !== onCall[0] && x.text.includes('elicitation/create'))).to.deep.equal([]);
    expect(server.events.some((e) => e.type === 'message-dropped')).to.equal(false);
  });

  it('should cancel the pending elicitation once when the client aborts the call, run the cleanup once, and answer nothing', async () => {
    let started = 0;
    let aborted = 0;
    const { tool, exchanges, client: c, server } = await connectClient((signal) => {
      // the first is answered: it takes id 0, whose cancel the SDK ignores (docs/protocol.md D1)
      if (started++ === 0) return Promise.resolve({ action: 'accept', content: { ok: true } });
      signal.addEventListener('abort', () => void aborted++);
      return new Promise<Rec>(() => undefined);
    });
    await c.callTool({ name: 'confirm', arguments: {} });
    const ac = new AbortController();
    const call = c.callTool({ name: 'confirm', arguments: {} }, undefined, { signal: ac.signal }).then(() => 'answered', () => 'rejected');
    await until(() => started === 2, 'the second elicitation');
    ac.abort('user stop');
    expect(await call).to.equal('rejected');
    await until(() => aborted === 1 && tool.cleanups === 2, 'the elicitation cancelled and the cleanup run');
    await new Promise((r) => setTimeout(r, 50));
    const cancels = exchanges.flatMap((x) => sseMessages(x.text)).filter((m) => m['method'] === 'notifications/cancelled');
    expect(cancels.map((m) => rec(m['params'])['requestId'])).to.deep.equal([1]);
    expect(server.events.filter((e) => e.type === 'request-cancelled')).to.have.length(1);
    expect(server.events.filter((e) => e.type === 'request-completed' && e.method === 'tools/call')).to.have.length(1);
    expect(server.http.inFlight()).to.equal(0);
  });
});
