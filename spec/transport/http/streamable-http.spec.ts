import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { ErrorCodes, type PeerEvent } from '../../../lib/index.js';
import type { HttpEvent } from '../../../lib/http.js';
import { headers2026, meta2026, post, sseMessages, start, until, type Running } from './support.js';

type Rec = Record<string, unknown>;
const ofType = <T extends string>(events: ReadonlyArray<PeerEvent | HttpEvent>, type: T): Array<Extract<PeerEvent | HttpEvent, { type: T }>> =>
  events.filter((e): e is Extract<PeerEvent | HttpEvent, { type: T }> => e.type === type);
const call = (id: number, name: string, args: Rec = {}, meta: Rec = meta2026): Rec => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: meta } });
/**
 * A POST whose body arrives in two parts: the first now, the rest when `rest()` is called.
 * `answer` is the status and body the server gave.
 */
const slowPost = (url: string, body: Rec, headers: Record<string, string>): { rest: () => void; answer: Promise<{ status: number; text: string }> } => {
  const text = JSON.stringify(body);
  const cut = Math.floor(text.length / 2);
  const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(text)) } });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let got = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => void (got += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: got }));
    });
    req.on('error', reject);
  });
  req.write(text.slice(0, cut));
  return { rest: () => void req.end(text.slice(cut)), answer };
};
const json2025 = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } };

const errorCode = async (r: Response): Promise<number | undefined> => ((await r.json()) as { error?: { code?: number } }).error?.code;

describe('streamableHttp', () => {
  let s: Running;
  afterEach(async () => s.stop());

  describe('2026-07-28: one POST, one request', () => {
    beforeEach(async () => (s = await start()));

    it('should answer a request with one JSON body when nothing comes before its response', async () => {
      const r = await post(s.url, call(1, 'echo', { text: 'hi' }), headers2026('tools/call', 'echo'));
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.match(/^application\/json/);
      expect(await r.json()).to.deep.equal({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'hi' }], resultType: 'complete' } });
      expect(r.headers.get('mcp-session-id')).to.equal(null);
    });

    it('should stream progress as SSE, then the response, then end the stream', async () => {
      const r = await post(s.url, call(2, 'slow', { steps: 3 }, { ...meta2026, progressToken: 'p' }), headers2026('tools/call', 'slow'));
      expect(r.headers.get('content-type')).to.equal('text/event-stream');
      expect(r.headers.get('x-accel-buffering')).to.equal('no');
      const messages = (await sseMessages(r)) as Rec[];
      expect(messages.map((m) => (m['method'] === undefined ? `response ${String(m['id'])}` : (m['params'] as Rec)['progress']))).to.deep.equal([1, 2, 3, 'response 2']);
    });

    it('should cancel the request with source close when the client drops its stream, run its cleanup once and write nothing more', async () => {
      const ac = new AbortController();
      const r = await post(s.url, call(3, 'slow', {}, { ...meta2026, progressToken: 3 }), headers2026('tools/call', 'slow'), ac.signal);
      const reader = r.body!.getReader();
      await reader.read();
      ac.abort();
      await until(() => s.seen.cleanups.length === 1, 3_000, 'the cleanup');
      expect(s.seen.cleanups).to.deep.equal(['3:close']);
      expect(ofType(s.seen.events, 'request-cancelled').map((e) => e.reason.source)).to.deep.equal(['close']);
      expect(ofType(s.seen.events, 'stream-closed').map((e) => [e.era, e.cancelled])).to.deep.equal([['2026-07-28', true]]);
      expect(s.mcp.inFlight()).to.equal(0);
      await new Promise((r) => setTimeout(r, 60));
      expect(s.seen.cleanups).to.have.length(1);
    });

    it('should answer a notification POST with 202 and no body', async () => {
      const r = await post(s.url, { jsonrpc: '2.0', method: 'notifications/whatever', params: { _meta: meta2026 } }, headers2026('notifications/whatever'));
      expect(r.status).to.equal(202);
      expect(await r.text()).to.equal('');
    });

    it('should refuse with 400 and -32020 a POST whose headers disagree with its body, saying which', async () => {
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ ...headers2026('tools/call', 'echo'), 'mcp-method': 'tools/list' }, /Mcp-Method/],
        [headers2026('tools/call', 'other'), /Mcp-Name header value 'other' does not match body value 'echo'/],
        [headers2026('tools/call'), /Mcp-Name header is required/],
        [(({ 'mcp-method': _m, ...h }) => h)(headers2026('tools/call', 'echo')), /Mcp-Method header is required/],
      ];
      for (const [headers, why] of cases) {
        const r = await post(s.url, call(4, 'echo', { text: 'x' }), headers);
        expect(r.status).to.equal(400);
        const body = (await r.json()) as { id: unknown; error: { code: number; message: string } };
        expect(body.error.code).to.equal(ErrorCodes.HeaderMismatch);
        expect(body.error.message).to.match(why);
        expect(body.id).to.equal(4);
      }
      const versions = await post(s.url, call(5, 'echo', {}, { ...meta2026, 'io.modelcontextprotocol/protocolVersion': '2025-11-25' }), headers2026('tools/call', 'echo'));
      expect(await errorCode(versions)).to.equal(ErrorCodes.HeaderMismatch);
      const missing = await post(s.url, call(6, 'echo'), (({ 'mcp-protocol-version': _v, ...h }) => h)(headers2026('tools/call', 'echo')));
      expect(await errorCode(missing)).to.equal(ErrorCodes.HeaderMismatch);
    });

    it('should compare a Base64 Mcp-Name after decoding it', async () => {
      const ok = await post(s.url, call(7, 'échо', { text: 'b64' }), headers2026('tools/call', `=?base64?${Buffer.from('échо').toString('base64')}?=`));
      expect(ok.status).to.equal(200);
      const bad = await post(s.url, call(8, 'x'), headers2026('tools/call', '=?base64?***?='));
      expect(await errorCode(bad)).to.equal(ErrorCodes.HeaderMismatch);
    });

    it('should refuse a version it does not speak with 400 and -32022, listing the ones it does', async () => {
      const r = await post(s.url, call(9, 'echo', {}, { ...meta2026, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' }), { ...headers2026('tools/call', 'echo'), 'mcp-protocol-version': '2099-01-01' });
      expect(r.status).to.equal(400);
      const body = (await r.json()) as { error: { code: number; data: { supported: string[]; requested: string } } };
      expect(body.error.code).to.equal(ErrorCodes.UnsupportedProtocolVersion);
      expect(body.error.data.supported).to.deep.equal(['2026-07-28']);
      expect(body.error.data.requested).to.equal('2099-01-01');
    });

    it('should answer a method 2026-07-28 removed with 404 and -32601', async () => {
      const r = await post(s.url, { jsonrpc: '2.0', id: 10, method: 'ping', params: { _meta: meta2026 } }, headers2026('ping'));
      expect(r.status).to.equal(404);
      expect(await errorCode(r)).to.equal(ErrorCodes.MethodNotFound);
    });

    it('should refuse a response, a batch, bad JSON, a wrong content type and a body over the limit', async () => {
      const response = await post(s.url, { jsonrpc: '2.0', id: 1, result: {} }, headers2026('x'));
      expect(response.status).to.equal(400);
      const batch = await post(s.url, [call(1, 'echo')], headers2026('tools/call', 'echo'));
      expect(batch.status).to.equal(400);
      const json = await post(s.url, '{"jsonrpc":', headers2026('tools/call'));
      expect([json.status, await errorCode(json)]).to.deep.equal([400, ErrorCodes.ParseError]);
      const type = await post(s.url, call(1, 'echo'), { ...headers2026('tools/call', 'echo'), 'content-type': 'text/plain' });
      expect(type.status).to.equal(415);
      await s.stop();
      s = await start({ maxBodyBytes: 1_000 });
      const big = await post(s.url, call(1, 'echo', { text: 'x'.repeat(10_000) }), headers2026('tools/call', 'echo'));
      expect(big.status).to.equal(413);
      const after = await post(s.url, call(2, 'echo', { text: 'still here' }), headers2026('tools/call', 'echo'));
      expect(after.status).to.equal(200);
    });

    it('should answer GET and DELETE without a session with 405', async () => {
      expect((await fetch(s.url, { headers: { accept: 'text/event-stream' } })).status).to.equal(405);
      expect((await fetch(s.url, { method: 'DELETE' })).status).to.equal(405);
    });

    it('should refuse a foreign Origin with 403, and take a local one', async () => {
      const foreign = await post(s.url, call(1, 'echo'), { ...headers2026('tools/call', 'echo'), origin: 'https://evil.example' });
      expect(foreign.status).to.equal(403);
      const local = await post(s.url, call(2, 'echo'), { ...headers2026('tools/call', 'echo'), origin: 'http://localhost:5173' });
      expect(local.status).to.equal(200);
    });

    it('should go on serving after a client vanishes in the middle of its stream', async () => {
      for (let i = 0; i < 5; i++) {
        const ac = new AbortController();
        const r = await post(s.url, call(100 + i, 'slow', {}, { ...meta2026, progressToken: i }), headers2026('tools/call', 'slow'), ac.signal);
        await r.body!.getReader().read();
        ac.abort();
      }
      await until(() => s.seen.cleanups.length === 5, 3_000, 'five cleanups');
      const r = await post(s.url, call(1, 'echo', { text: 'ok' }), headers2026('tools/call', 'echo'));
      expect(r.status).to.equal(200);
      expect(s.mcp.inFlight()).to.equal(0);
    });

    it('should take a client that does not read its stream as gone: the request is cancelled, nothing piles up', async () => {
      const r = await post(s.url, call(11, 'flood'), headers2026('tools/call', 'flood'));
      expect(r.headers.get('content-type')).to.equal('text/event-stream');
      // never read: the server must not hold what it cannot deliver
      await until(() => s.seen.cleanups.length === 1, 10_000, 'the flood to be cut off');
      expect(s.seen.cleanups).to.deep.equal(['11:close']);
      expect(s.mcp.inFlight()).to.equal(0);
      await r.body?.cancel().catch(() => undefined);
    });

    it('should bound the 2026 requests in flight across the transport with maxInFlight: 503 past it, room again once one ends', async () => {
      await s.stop();
      s = await start({ maxInFlight: 2 });
      const acs = [new AbortController(), new AbortController()];
      void post(s.url, call(1, 'never'), headers2026('tools/call', 'never'), acs[0]!.signal).catch(() => undefined);
      void post(s.url, call(2, 'never'), headers2026('tools/call', 'never'), acs[1]!.signal).catch(() => undefined);
      await until(() => s.mcp.inFlight() === 2, 3_000, 'two requests in flight');
      const third = await post(s.url, call(3, 'echo'), headers2026('tools/call', 'echo'));
      expect([third.status, third.headers.get('retry-after'), await errorCode(third)]).to.deep.equal([503, '1', ErrorCodes.InternalError]);
      acs[0]!.abort();
      await until(() => s.mcp.inFlight() === 1, 3_000, 'the first to be cancelled');
      expect((await post(s.url, call(4, 'echo'), headers2026('tools/call', 'echo'))).status).to.equal(200);
      acs[1]!.abort();
    });

    it('should cancel everything in flight on close(), then answer 503', async () => {
      const r = post(s.url, call(1, 'never'), headers2026('tools/call', 'never'));
      await until(() => s.mcp.inFlight() === 1, 3_000, 'the request to start');
      await s.mcp.close();
      expect((await r).status).to.equal(503);
      expect(s.seen.cleanups).to.deep.equal(['1:close']);
      expect((await post(s.url, call(2, 'echo'), headers2026('tools/call', 'echo'))).status).to.equal(503);
    });

    it('should answer 503 and run nothing for a request whose body was still arriving when close() ran', async () => {
      const p = slowPost(s.url, call(1, 'never'), headers2026('tools/call', 'never'));
      // the server has the headers and half the body: the request is being read
      await new Promise((r) => setTimeout(r, 50));
      await s.mcp.close();
      p.rest();
      const answer = await p.answer;
      expect(answer.status).to.equal(503);
      expect(answer.text).to.match(/closing/);
      await new Promise((r) => setTimeout(r, 50));
      expect(s.mcp.inFlight()).to.equal(0);
      expect(ofType(s.seen.events, 'request-received')).to.deep.equal([]);
      expect(s.seen.cleanups).to.deep.equal([]);
    });
  });

  describe('2025-11-25: close() while a request is read', () => {
    beforeEach(async () => (s = await start()));

    it("should answer 503 to a session's POST and to an initialize whose bodies were read across close(), and open no session", async () => {
      const r = await post(s.url, initialize, json2025);
      const session = r.headers.get('mcp-session-id')!;
      await r.text();
      const inSession = { ...json2025, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
      const call2025 = slowPost(s.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'never' } }, inSession);
      const init = slowPost(s.url, initialize, json2025);
      await new Promise((r) => setTimeout(r, 50));
      await s.mcp.close();
      call2025.rest();
      init.rest();
      expect((await call2025.answer).status).to.equal(503);
      expect((await init.answer).status).to.equal(503);
      expect(ofType(s.seen.events, 'request-received').map((e) => e.method)).to.deep.equal(['initialize']);
      expect(ofType(s.seen.events, 'session-opened')).to.have.length(1);
      expect(s.mcp.inFlight()).to.equal(0);
    });
  });
});
