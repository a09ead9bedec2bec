import { expect } from 'chai';
import { ErrorCodes } from '../../../lib/index.js';
import { encodeHeaderValue } from '../../../lib/transport/header-value.js';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BASE, V2026, post, rawPost, rec, request2026, sleep, sseMessages, start, until, type Running } from './server.js';

// 2026-07-28 over our Streamable HTTP server (docs/protocol.md M3, M5, C10): real HTTP on 127.0.0.1.

const call = (id: number, name: string, args: Record<string, unknown> = {}, token?: string | number) =>
  request2026(id, 'tools/call', { name, arguments: args, ...(token === undefined ? {} : { _meta: { progressToken: token } }) }, name);

describe('streamableHttp, 2026-07-28', function () {
  this.timeout(10_000);
  let s: Running;
  afterEach(async () => s?.stop());

  describe('answers', () => {
    it('should answer a request with one JSON body when its response is ready at once', async () => {
      s = await start();
      const { body, headers } = call(1, 'echo', { text: 'hi' });
      const r = await post(s.url, body, headers);
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.match(/^application\/json/);
      expect(JSON.parse(r.text)).to.deep.equal({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'hi' }], resultType: 'complete' } });
    });

    it('should stream progress, then the response, on an SSE answer', async () => {
      s = await start();
      const { body, headers } = call(2, 'slow', { steps: 3, intervalMs: 5 }, 'tok');
      const r = await post(s.url, body, headers);
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('text/event-stream');
      expect(r.headers.get('x-accel-buffering')).to.equal('no');
      const messages = sseMessages(r.text);
      expect(messages.map((m) => rec(m['params'])['progress'] ?? 'response')).to.deep.equal([1, 2, 3, 'response']);
      expect(messages.at(-1)).to.deep.include({ id: 2 });
      await until(() => s.http.inFlight() === 0, 'nothing in flight');
    });

    it("should answer with one JSON body at the end with response: 'json'", async () => {
      s = await start({ response: 'json' });
      const { body, headers } = call(3, 'slow', { steps: 3, intervalMs: 5 }, 'tok');
      const r = await post(s.url, body, headers);
      expect(r.headers.get('content-type')).to.match(/^application\/json/);
      expect(JSON.parse(r.text)).to.deep.include({ id: 3 });
      expect(rec(rec(JSON.parse(r.text))['result'])['content']).to.deep.equal([{ type: 'text', text: 'counted to 3' }]);
    });

    it('should answer a method the server does not have with 404 and -32601', async () => {
      s = await start();
      const { body, headers } = request2026(4, 'nope/nothing');
      const r = await post(s.url, body, headers);
      expect(r.status).to.equal(404);
      expect(rec(JSON.parse(r.text))['error']).to.deep.include({ code: ErrorCodes.MethodNotFound });
    });

    it('should answer a notification POST with 202 and no body, and hand it to the notification handlers', async () => {
      const heard: unknown[] = [];
      s = await start({ notifications: { 'notifications/hello': (p) => void heard.push(p) } });
      const r = await post(s.url, { jsonrpc: '2.0', method: 'notifications/hello', params: { a: 1 } }, { 'mcp-protocol-version': V2026, 'mcp-method': 'notifications/hello' });
      expect(r.status).to.equal(202);
      expect(r.text).to.equal('');
      expect(heard).to.deep.equal([{ a: 1 }]);
    });

    it('should ignore an Mcp-Session-Id on a 2026 request', async () => {
      s = await start();
      const { body, headers } = call(5, 'echo', { text: 'x' });
      const r = await post(s.url, body, { ...headers, 'mcp-session-id': 'whatever' });
      expect(r.status).to.equal(200);
      expect(r.headers.get('mcp-session-id')).to.equal(null);
    });
  });

  describe('the stream closed is the cancel', () => {
    it("should abort the handler with { source: 'close' }, run its cleanup once, and write nothing after", async () => {
      s = await start();
      const { body, headers } = call(7, 'slow', { steps: 1000, intervalMs: 5 }, 'p7');
      const r = await rawPost(s.url, body, headers, (ms) => ms.length >= 2);
      expect(r.status).to.equal(200);
      await until(() => s.seen.cleanups.length === 1, 'the cleanup');
      expect(s.seen.aborted).to.deep.equal([{ id: 7, reason: { source: 'close' } }]);
      await sleep(50);
      expect(s.seen.cleanups).to.deep.equal([7]);
      expect(r.after()).to.equal('');
      expect(s.http.inFlight()).to.equal(0);
      expect(s.events.some((e) => e.type === 'stream-closed' && e.cancelled && e.requestId === 7)).to.equal(true);
      expect(s.events.some((e) => e.type === 'request-cancelled' && e.reason.source === 'close')).to.equal(true);
    });
  });

  describe('each POST a connection of its own', () => {
    // the transport makes its serve operator once: each POST must still be its own subscription,
    // its own requests and scope (the same id twice at once), its own cancel by stream close
    it('should serve two POSTs with the same id at once, and cancel only the one whose stream closed', async () => {
      s = await start();
      const dropped = call(9, 'slow', { steps: 1000, intervalMs: 5 }, 'a');
      const kept = call(9, 'slow', { steps: 3, intervalMs: 20 }, 'b');
      const [a, b] = await Promise.all([rawPost(s.url, dropped.body, dropped.headers, (ms) => ms.length >= 1), post(s.url, kept.body, kept.headers)]);
      expect(a.status).to.equal(200);
      expect(sseMessages(b.text).at(-1)).to.deep.include({ id: 9, result: { content: [{ type: 'text', text: 'counted to 3' }], resultType: 'complete' } });
      await until(() => s.seen.cleanups.length === 2, 'both cleanups');
      expect(s.seen.aborted).to.deep.equal([{ id: 9, reason: { source: 'close' } }]);
      expect(s.events.filter((e) => e.type === 'message-rejected')).to.deep.equal([]);
      expect(s.http.inFlight()).to.equal(0);
    });

    it('should settle handle(), run nothing and hold nothing for a client gone in the middle of its body', async () => {
      s = await start();
      const settled: string[] = [];
      const server = createServer((req, res) => void s.http.handle(req, res).then(() => settled.push('ok'), () => settled.push('rejected')));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
      const { body, headers } = call(1, 'echo', { text: 'x' });
      const text = JSON.stringify(body);
      const req = httpRequest(url, { method: 'POST', headers: { ...BASE, ...headers, 'content-length': String(text.length) } });
      req.on('error', () => undefined);
      // half the body, then the client goes: the body's end never comes
      req.write(text.slice(0, 20));
      await sleep(30);
      req.destroy();
      await until(() => settled.length === 1, 'handle() settled');
      expect(settled).to.deep.equal(['ok']);
      expect(s.events.filter((e) => e.type === 'request-received')).to.deep.equal([]);
      expect((await post(url, body, headers)).status).to.equal(200);
      server.closeAllConnections();
      server.close();
    });
  });

  describe('the mirrored headers (-32020, -32022)', () => {
    const refusal = async (headers: Record<string, string>, body: unknown): Promise<{ status: number; error: Record<string, unknown>; id: unknown }> => {
      const r = await post(s.url, body, headers);
      const m = rec(JSON.parse(r.text));
      return { status: r.status, error: rec(m['error']), id: m['id'] };
    };
    beforeEach(async () => (s = await start()));

    it('should refuse a request without MCP-Protocol-Version', async () => {
      const { body, headers } = call(1, 'echo');
      const { 'mcp-protocol-version': _, ...rest } = headers;
      const r = await refusal(rest, body);
      expect(r.status).to.equal(400);
      expect(r.error['code']).to.equal(ErrorCodes.HeaderMismatch);
      expect(r.error['message']).to.match(/MCP-Protocol-Version/);
      expect(s.seen.started).to.deep.equal([]);
    });

    it('should refuse a header version unlike the body one, naming the header', async () => {
      const { body, headers } = call(1, 'echo');
      const r = await refusal({ ...headers, 'mcp-protocol-version': '2027-01-01' }, body);
      expect(r).to.deep.include({ status: 400, id: 1 });
      expect(r.error['code']).to.equal(ErrorCodes.HeaderMismatch);
      expect(r.error['message']).to.match(/MCP-Protocol-Version header value '2027-01-01' does not match body value '2026-07-28'/);
    });

    it('should refuse an unsupported version with -32022, data { supported, requested }', async () => {
      const { body, headers } = request2026(1, 'tools/list', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2027-01-01' } });
      const r = await refusal({ ...headers, 'mcp-protocol-version': '2027-01-01' }, body);
      expect(r.status).to.equal(400);
      expect(r.error['code']).to.equal(ErrorCodes.UnsupportedProtocolVersion);
      expect(r.error['data']).to.deep.equal({ supported: ['2026-07-28'], requested: '2027-01-01' });
    });

    it('should refuse a missing or different Mcp-Method', async () => {
      const { body, headers } = call(1, 'echo');
      const missing = await refusal({ 'mcp-protocol-version': V2026, 'mcp-name': 'echo' }, body);
      expect(missing.error).to.deep.include({ code: ErrorCodes.HeaderMismatch });
      expect(missing.error['message']).to.match(/Mcp-Method header is required/);
      const different = await refusal({ ...headers, 'mcp-method': 'tools/list' }, body);
      expect(different.error['message']).to.match(/Mcp-Method header value 'tools\/list' does not match body value 'tools\/call'/);
    });

    it('should refuse a missing or different Mcp-Name for tools/call, resources/read and prompts/get', async () => {
      const { body, headers } = call(1, 'echo');
      const { 'mcp-name': _, ...rest } = headers;
      expect((await refusal(rest, body)).error['message']).to.match(/Mcp-Name header is required/);
      expect((await refusal({ ...headers, 'mcp-name': 'other' }, body)).error['message']).to.match(/Mcp-Name header value 'other' does not match body value 'echo'/);
      const read = request2026(2, 'resources/read', { uri: 'file:///a' }, 'file:///b');
      expect((await refusal(read.headers, read.body)).error['code']).to.equal(ErrorCodes.HeaderMismatch);
      const prompt = request2026(3, 'prompts/get', { name: 'p' });
      expect((await refusal(prompt.headers, prompt.body)).error['message']).to.match(/Mcp-Name header is required/);
    });

    it('should decode a Base64 Mcp-Name before comparing it', async () => {
      const name = 'héllo wörld';
      const { body } = call(1, name, { steps: 1, intervalMs: 1 });
      const ok = await post(s.url, body, { 'mcp-protocol-version': V2026, 'mcp-method': 'tools/call', 'mcp-name': encodeHeaderValue(name) });
      // the name matched: the request reached the handler (an unknown tool here runs `slow`: stop it by answering)
      expect(ok.status).to.equal(200);
      expect(s.seen.started).to.deep.equal([1]);
      const wrong = await refusal({ 'mcp-protocol-version': V2026, 'mcp-method': 'tools/call', 'mcp-name': encodeHeaderValue('hello world!') }, call(2, name).body);
      expect(wrong.error['code']).to.equal(ErrorCodes.HeaderMismatch);
      const broken = await refusal({ 'mcp-protocol-version': V2026, 'mcp-method': 'tools/call', 'mcp-name': '=?base64?%%%?=' }, call(3, name).body);
      expect(broken.error['message']).to.match(/not valid Base64/);
    });

    it('should quote a long header value bounded', async () => {
      const { body, headers } = call(1, 'echo');
      const r = await refusal({ ...headers, 'mcp-name': 'x'.repeat(5000) }, body);
      expect(String(r.error['message']).length).to.be.below(300);
    });
  });

  describe('what is not a 2026 request', () => {
    beforeEach(async () => (s = await start()));

    it('should refuse a batch and a response with -32600', async () => {
      const { body, headers } = call(1, 'echo');
      const batch = await post(s.url, [body], headers);
      expect(batch.status).to.equal(400);
      expect(rec(rec(JSON.parse(batch.text))['error'])['code']).to.equal(ErrorCodes.InvalidRequest);
      const response = await post(s.url, { jsonrpc: '2.0', id: 1, result: {} }, headers);
      expect(response.status).to.equal(400);
    });

    it('should answer GET and DELETE without a session with 405', async () => {
      for (const method of ['GET', 'DELETE']) {
        const r = await fetch(s.url, { method, headers: { accept: 'text/event-stream', 'mcp-protocol-version': V2026 } });
        expect(r.status, method).to.equal(405);
        await r.body?.cancel();
      }
    });
  });
});
