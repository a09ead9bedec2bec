import { toNodeHandler } from '@modelcontextprotocol/node';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { ConnectionClosedError, connect, type Connection, type PeerEvent } from '../../lib/index.js';
import { streamableHttpClient } from '../../lib/http.js';
import { flush, ofType } from '../helpers.js';
import { until } from './support.js';

// Our 2026-07-28 client against the official SDK v2 server (`createMcpHandler`, its modern
// per-request leg), over real HTTP on 127.0.0.1: unsubscribing a request aborts its POST, and
// the server's handler sees its signal abort, with no notification sent.

interface Seen {
  started: number;
  aborted: number;
  posts: Array<{ method: string | undefined; name: string | undefined; version: string | undefined }>;
}

const sdkServer = (seen: Seen): Server => {
  const server = new Server({ name: 'sdk-v2', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const name = request.params.name;
    if (name === 'echo') return { content: [{ type: 'text', text: String(request.params.arguments?.['text']) }] };
    if (name !== 'slow') return { content: [{ type: 'text', text: `no tool ${name}` }], isError: true };
    seen.started++;
    const token = request.params._meta?.progressToken;
    const signal = ctx.mcpReq.signal;
    if (token !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 10 } });
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        seen.aborted++;
        resolve({ content: [] });
      }, { once: true });
    });
  });
  return server;
};

// the SDK v2 handler on node:http through its own adapter; each POST's mirrored headers noted first
const nodeFace = (handler: { fetch: (r: Request) => Promise<Response> }, seen: Seen) => {
  const serve = toNodeHandler(handler);
  return (req: IncomingMessage, res: ServerResponse): void => {
    const header = (n: string): string | undefined => (typeof req.headers[n] === 'string' ? req.headers[n] : undefined);
    if (req.method === 'POST') seen.posts.push({ method: header('mcp-method'), name: header('mcp-name'), version: header('mcp-protocol-version') });
    void serve(req, res);
  };
};

describe('streamableHttpClient: our 2026-07-28 client over HTTP', () => {
  let http: HttpServer;
  let url: string;
  let seen: Seen;
  let connection: Connection;
  let events: PeerEvent[];
  let closeHandler: () => Promise<void>;

  beforeEach(async () => {
    seen = { started: 0, aborted: 0, posts: [] };
    const handler = createMcpHandler(() => sdkServer(seen), { legacy: 'reject' });
    closeHandler = handler.close;
    const face = nodeFace(handler, seen);
    http = createServer((req, res) => face(req, res));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    connection = connect(streamableHttpClient({ url }), { era: '2026-07-28', clientInfo: { name: 'rx', version: '1.0.0' } });
    events = [];
    connection.peer.events$.subscribe((e) => events.push(e));
  });

  afterEach(async () => {
    connection.subscription.unsubscribe();
    await closeHandler();
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  });

  it('should call a tool of the SDK v2 server and read its result, with the headers the era requires', async () => {
    const r = await firstValueFrom(connection.peer.request<{ content: Array<{ text: string }> }>('tools/call', { name: 'echo', arguments: { text: 'hi' } }));
    expect(r.content[0]?.text).to.equal('hi');
    expect(seen.posts[0]).to.deep.include({ method: 'tools/call', name: 'echo', version: '2026-07-28' });
  });

  it('should encode a tool name that is not plain ASCII in Mcp-Name, and the server should accept it', async () => {
    const r = await firstValueFrom(connection.peer.request<{ content: Array<{ text: string }> }>('tools/call', { name: 'echo', arguments: { text: 'x' } }));
    expect(r.content).to.have.length(1);
    const error = await firstValueFrom(connection.peer.request('tools/call', { name: 'écho' })).catch((e: unknown) => e);
    // the SDK knows no tool of that name, but it read the header: a tool error, not a -32020
    expect(seen.posts[1]?.name).to.equal('=?base64?w6ljaG8=?=');
    expect(JSON.stringify(error)).to.not.include('-32020');
  });

  it('should abort the POST when the request is unsubscribed: the SDK handler stops, and no notification is sent', async () => {
    const progress: number[] = [];
    const s = connection.peer.request('tools/call', { name: 'slow' }, { onProgress: (p) => progress.push(p.progress) }).subscribe({ error: () => undefined });
    for (let i = 0; i < 200 && progress.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(progress).to.deep.equal([1]);
    s.unsubscribe();
    for (let i = 0; i < 200 && seen.aborted === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen.aborted).to.equal(1);
    expect(seen.posts.map((p) => p.method)).to.deep.equal(['tools/call']);
    expect(ofType(events, 'cancel-sent')).to.have.length(1);
    expect(connection.peer.inFlight().sending).to.equal(0);
  });

  it('should abort the POST when the request times out, and error it with RequestTimeoutError', async () => {
    const error = await lastValueFrom(connection.peer.request('tools/call', { name: 'slow' }, { timeoutMs: 100 }).pipe(toArray())).catch((e: unknown) => e);
    expect((error as Error).name).to.equal('RequestTimeoutError');
    for (let i = 0; i < 200 && seen.aborted === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen.aborted).to.equal(1);
  });

  it('should error a request at once when the server cannot be reached', async () => {
    const dead = connect(streamableHttpClient({ url: 'http://127.0.0.1:9/mcp' }), { era: '2026-07-28' });
    const error = await firstValueFrom(dead.peer.request('tools/list')).catch((e: unknown) => e);
    expect((error as Error).name).to.equal('RequestSendError');
    dead.subscription.unsubscribe();
  });

  it('should close every open POST when the connection is unsubscribed', async () => {
    connection.peer.request('tools/call', { name: 'slow' }).subscribe({ error: () => undefined });
    connection.peer.request('tools/call', { name: 'slow' }).subscribe({ error: () => undefined });
    for (let i = 0; i < 200 && seen.started < 2; i++) await new Promise((r) => setTimeout(r, 5));
    connection.subscription.unsubscribe();
    for (let i = 0; i < 200 && seen.aborted < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen.aborted).to.equal(2);
    await flush();
  });
});

describe('streamableHttpClient after close', () => {
  it('should reject a send after close with ConnectionClosedError, and raise no unhandled rejection when it is ignored', async () => {
    let posts = 0;
    const wire = streamableHttpClient({ url: 'http://127.0.0.1:9/mcp', fetch: () => (posts++, Promise.reject(new Error('no POST after close'))) });
    wire.incoming$.subscribe();
    await wire.close();
    const seen: unknown[] = [];
    const listen = (e: unknown): void => void seen.push(e);
    process.on('unhandledRejection', listen);
    try {
      const error = await Promise.resolve(wire.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).then(() => 'resolved', (e: unknown) => e);
      expect(error).to.be.instanceOf(ConnectionClosedError);
      for (let i = 0; i < 5; i++) void wire.send({ jsonrpc: '2.0', id: 2 + i, method: 'tools/list' });
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('unhandledRejection', listen);
    }
    expect(seen).to.deep.equal([]);
    expect(posts).to.equal(0);
  });
});

describe('streamableHttpClient against a server that misbehaves', () => {
  it('should release a stream the server leaves open once its response is in, and take that for no cancel', async () => {
    // each POST is answered on an SSE stream with a progress and the response, and the stream is
    // then left open, as a server may: the client is the one that must let go
    const methods: string[] = [];
    let released = 0;
    // the sockets that carried a request: the client may also open spare ones, idle, of no concern
    const sockets = new Set<Socket>();
    const raw = createServer((req, res) => {
      sockets.add(req.socket);
      req.socket.on('close', () => sockets.delete(req.socket));
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const m = JSON.parse(body) as { id?: number; method: string; params?: { _meta?: { progressToken?: unknown } } };
        methods.push(m.method);
        res.on('close', () => released++);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const token = m.params?._meta?.progressToken;
        if (token !== undefined) res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1 } })}\n\n`);
        res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { n: m.id } })}\n\n`);
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const c = connect(streamableHttpClient({ url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}/mcp` }), { era: '2026-07-28' });
    const events: PeerEvent[] = [];
    c.peer.events$.subscribe((e) => events.push(e));
    try {
      const progress: number[] = [];
      const results = await Promise.all([0, 1, 2].map(() => firstValueFrom(c.peer.request('tools/call', { name: 't' }, { timeoutMs: 200, onProgress: (p) => progress.push(p.progress) }))));
      expect(results).to.deep.equal([{ n: 0 }, { n: 1 }, { n: 2 }]);
      expect(progress).to.deep.equal([1, 1, 1]);
      // every stream is released, and no socket that carried a request is left open
      await until(() => released === 3 && sockets.size === 0, 2_000, `3 streams released (${released}) and no socket open (${sockets.size})`);
      // past the requests' timeout: releasing a stream after its response is no cancel, on either side
      await new Promise((r) => setTimeout(r, 250));
      expect(methods).to.deep.equal(['tools/call', 'tools/call', 'tools/call']);
      expect(ofType(events, 'cancel-sent')).to.deep.equal([]);
      expect(ofType(events, 'transport-error')).to.deep.equal([]);
      expect(ofType(events, 'request-timeout')).to.deep.equal([]);
      expect(c.peer.inFlight().sending).to.equal(0);
    } finally {
      c.subscription.unsubscribe();
      raw.closeAllConnections();
      await new Promise((r) => raw.close(r));
    }
  });

  it('should not take a response naming another request from a stream, and report it', async () => {
    // request 0's stream carries a forged response for request 1 first, then its own; request 1's
    // own answer comes later, on its own stream
    const raw = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { id } = JSON.parse(body) as { id: number };
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (id === 0) res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result: { forged: true } })}\n\n`);
        setTimeout(() => res.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { own: id } })}\n\n`), id === 1 ? 200 : 10);
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const c = connect(streamableHttpClient({ url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}/mcp` }), { era: '2026-07-28' });
    try {
      const events: PeerEvent[] = [];
      c.peer.events$.subscribe((e) => events.push(e));
      const first = firstValueFrom(c.peer.request('a')); // id 0
      const second = firstValueFrom(c.peer.request('b')); // id 1: only its own stream may answer it
      expect(await first).to.deep.equal({ own: 0 });
      expect(await second).to.deep.equal({ own: 1 });
      expect(ofType(events, 'transport-error').some((e) => /names another request/.test(e.error.message))).to.equal(true);
    } finally {
      c.subscription.unsubscribe();
      raw.closeAllConnections();
      await new Promise((r) => raw.close(r));
    }
  });
});
