import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { ErrorCodes } from '../../../lib/index.js';
import { BASE, post, rec, request2026, sseMessages, start, until, type Running } from './server.js';

// What every request gets, whatever its era, and the transport's own end; then the fetch face.

const echo = request2026(1, 'tools/call', { name: 'echo', arguments: { text: 'x' } }, 'echo');
const errorOf = (text: string): Record<string, unknown> => rec(rec(JSON.parse(text))['error']);

describe('streamableHttp, every request', function () {
  this.timeout(10_000);
  let s: Running;
  afterEach(async () => s?.stop());

  it('should refuse a Content-Type other than application/json with 415', async () => {
    s = await start();
    const r = await post(s.url, echo.body, { ...echo.headers, 'content-type': 'text/plain; a=application/json' });
    expect(r.status).to.equal(415);
    expect(s.events.some((e) => e.type === 'http-rejected' && e.status === 415)).to.equal(true);
  });

  it('should refuse an Accept without both types with 406, as the SDK does', async () => {
    s = await start();
    const r = await post(s.url, echo.body, { ...echo.headers, accept: 'application/json' });
    expect(r.status).to.equal(406);
  });

  it('should refuse bad JSON with 400 and -32700', async () => {
    s = await start();
    const r = await post(s.url, '{"jsonrpc":', echo.headers);
    expect(r.status).to.equal(400);
    expect(errorOf(r.text)['code']).to.equal(ErrorCodes.ParseError);
  });

  it('should refuse a body declared over maxBodyBytes with 413', async () => {
    s = await start({ maxBodyBytes: 100 });
    const r = await post(s.url, { ...echo.body, pad: 'x'.repeat(200) }, echo.headers);
    expect(r.status).to.equal(413);
  });

  it('should answer 413 to a chunked body over the limit without reading the rest', async () => {
    s = await start({ maxBodyBytes: 1000 });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(s.url, { method: 'POST', headers: { ...BASE, ...echo.headers } }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      // over the limit, and never ended: an answer can only come from a server that stopped reading
      req.write('x'.repeat(2000));
    });
    expect(status).to.equal(413);
  });

  it('should refuse a foreign Origin with 403, and allow localhost or a configured one', async () => {
    s = await start();
    expect((await post(s.url, echo.body, { ...echo.headers, origin: 'https://evil.example' })).status).to.equal(403);
    expect((await post(s.url, echo.body, { ...echo.headers, origin: 'http://localhost:5173' })).status).to.equal(200);
    await s.stop();
    s = await start({ allowedOrigins: ['https://app.example'] });
    expect((await post(s.url, echo.body, { ...echo.headers, origin: 'https://app.example' })).status).to.equal(200);
    expect((await post(s.url, echo.body, { ...echo.headers, origin: 'http://localhost:5173' })).status).to.equal(403);
  });

  it('should answer another HTTP method with 405', async () => {
    s = await start();
    const r = await fetch(s.url, { method: 'PUT', headers: BASE, body: '{}' });
    expect(r.status).to.equal(405);
    expect(r.headers.get('allow')).to.equal('GET, POST, DELETE');
  });

  it('should end every stream and cancel all in flight on close()', async () => {
    s = await start();
    const init = await post(s.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '0' } } });
    const session = init.headers.get('mcp-session-id') ?? '';
    const slow = request2026(1, 'tools/call', { name: 'slow', arguments: {}, _meta: { progressToken: 1 } }, 'slow');
    const a = fetch(s.url, { method: 'POST', headers: { ...BASE, ...slow.headers }, body: JSON.stringify(slow.body) }).then((r) => r.text());
    const b = fetch(s.url, { method: 'POST', headers: { ...BASE, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: {}, _meta: { progressToken: 1 } } }) }).then((r) => r.text());
    await until(() => s.seen.started.length === 2 && s.http.inFlight() === 2, 'both running');
    await s.http.close();
    const [ta, tb] = await Promise.all([a, b]);
    expect(s.seen.aborted.map((x) => x.reason)).to.deep.equal([{ source: 'close' }, { source: 'close' }]);
    expect(s.seen.cleanups).to.have.length(2);
    expect(s.http.inFlight()).to.equal(0);
    expect(sseMessages(ta).some((m) => 'id' in m) || sseMessages(tb).some((m) => 'id' in m)).to.equal(false);
    expect((await post(s.url, echo.body, echo.headers)).status).to.equal(503);
  });

  it('should never reject handle(), whatever the request', async () => {
    s = await start();
    const settled: string[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => void s.http.handle(req, res).then(() => settled.push('ok'), () => settled.push('rejected')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    for (const body of ['', '[]', 'null', '{"a":1}', '[1,2]']) await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: BASE, body }).then((r) => r.text());
    server.closeAllConnections();
    server.close();
    expect(settled).to.deep.equal(['ok', 'ok', 'ok', 'ok', 'ok']);
  });
});

describe('streamableHttp, the fetch face', function () {
  this.timeout(10_000);
  let s: Running;
  afterEach(async () => s?.stop());

  it('should answer a 2026 request with JSON', async () => {
    s = await start({}, 'fetch');
    const r = await post(s.url, echo.body, echo.headers);
    expect(r.status).to.equal(200);
    expect(rec(JSON.parse(r.text))['result']).to.deep.include({ resultType: 'complete' });
  });

  it('should stream progress on SSE, and cancel when the reader of the body is cancelled', async () => {
    s = await start({}, 'fetch');
    const slow = request2026(2, 'tools/call', { name: 'slow', arguments: { intervalMs: 5 }, _meta: { progressToken: 't' } }, 'slow');
    const direct = await s.http.fetch(new Request(s.url, { method: 'POST', headers: { ...BASE, ...slow.headers }, body: JSON.stringify(slow.body) }));
    expect(direct.headers.get('content-type')).to.equal('text/event-stream');
    const reader = direct.body!.getReader();
    let text = '';
    while (sseMessages(text).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    await until(() => s.seen.cleanups.length === 1, 'the cleanup');
    expect(s.seen.aborted).to.deep.equal([{ id: 2, reason: { source: 'close' } }]);
  });

  it('should open a 2025 session on initialize', async () => {
    s = await start({}, 'fetch');
    const r = await s.http.fetch(new Request(s.url, {
      method: 'POST', headers: BASE,
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '0' } } }),
    }));
    expect(r.status).to.equal(200);
    expect(r.headers.get('mcp-session-id')).to.match(/^[0-9a-f-]{36}$/);
    expect(rec(rec(await r.json())['result'])['protocolVersion']).to.equal('2025-06-18');
  });

  it('should answer 413 without reading past the limit', async () => {
    s = await start({ maxBodyBytes: 10 }, 'fetch');
    const r = await s.http.fetch(new Request(s.url, { method: 'POST', headers: { ...BASE, ...echo.headers }, body: JSON.stringify(echo.body) }));
    expect(r.status).to.equal(413);
  });
});
