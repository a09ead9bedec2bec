import { toNodeHandler } from '@modelcontextprotocol/node';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { interval, last, map, take, tap } from 'rxjs';
import { META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION } from '../../../lib/codec/era.js';
import type { Handler, PeerEvent } from '../../../lib/index.js';
import { streamableHttp, type HttpEvent, type StreamableHttp, type StreamableHttpOptions } from '../../../lib/http.js';

// A real node:http server on 127.0.0.1:0 around streamableHttp, the handlers the specs watch, and
// small clients: fetch, and raw http.request for what fetch hides (a socket dropped mid-stream).

type Rec = Record<string, unknown>;
export const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});

/** What the handlers saw: each `slow` call's abort reason and cleanups, by request id. */
export interface Seen {
  readonly started: unknown[];
  readonly aborted: Array<{ id: unknown; reason: unknown }>;
  readonly cleanups: unknown[];
}

/**
 * `tools/call` with `slow` (progress every `intervalMs`, `steps` of them, cancellable; its abort
 * and cleanup recorded) and `echo`; `server/discover` and `initialize` for both eras' clients.
 */
export const probeHandlers = (seen: Seen): Record<string, Handler> => ({
  initialize: () => Promise.resolve({ protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'probe', version: '0' } }),
  'server/discover': () => Promise.resolve({ resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, ttlMs: 0 }),
  'tools/call': (params, ctx) => {
    const p = rec(params);
    const args = rec(p['arguments']);
    const done = (text: string) => ({ content: [{ type: 'text', text }], ...(ctx.era === '2026-07-28' ? { resultType: 'complete' } : {}) });
    if (p['name'] === 'echo') return Promise.resolve(done(String(args['text'] ?? '')));
    seen.started.push(ctx.requestId);
    ctx.onCleanup(() => void seen.cleanups.push(ctx.requestId));
    ctx.signal.addEventListener('abort', () => void seen.aborted.push({ id: ctx.requestId, reason: ctx.signal.reason }));
    const steps = typeof args['steps'] === 'number' ? args['steps'] : 1000;
    const intervalMs = typeof args['intervalMs'] === 'number' ? args['intervalMs'] : 10;
    return interval(intervalMs).pipe(
      take(steps),
      tap((i) => ctx.progress(i + 1, steps)),
      last(),
      map(() => done(`counted to ${steps}`)),
    );
  },
});

export interface Running {
  readonly http: StreamableHttp;
  readonly url: URL;
  readonly events: Array<PeerEvent | HttpEvent>;
  readonly seen: Seen;
  stop(): Promise<void>;
}

/** streamableHttp behind node:http on a free port, its events recorded. */
export const start = async (options: StreamableHttpOptions = {}, face: 'node' | 'fetch' = 'node'): Promise<Running> => {
  const seen: Seen = { started: [], aborted: [], cleanups: [] };
  const http = streamableHttp({ handlers: probeHandlers(seen), ...options });
  const events: Array<PeerEvent | HttpEvent> = [];
  http.events$.subscribe((e) => void events.push(e));
  const fetchFace = toNodeHandler({ fetch: (request: Request) => http.fetch(request) });
  const server: Server = createServer((req, res) => {
    if (face === 'node') return void http.handle(req, res);
    // the fetch face behind node:http, through the official SDK's own adapter
    void fetchFace(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  return {
    http, url, events, seen,
    stop: async () => {
      await http.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export const V2026 = '2026-07-28';
export const meta2026 = { [META_PROTOCOL_VERSION]: V2026, [META_CLIENT_CAPABILITIES]: {} };

/** A 2026-07-28 request body and the headers that mirror it. */
export const request2026 = (id: number | string, method: string, params: Rec = {}, name?: string): { body: Rec; headers: Record<string, string> } => ({
  body: { jsonrpc: '2.0', id, method, params: { ...params, _meta: { ...meta2026, ...rec(params['_meta']) } } },
  headers: {
    'mcp-protocol-version': V2026,
    'mcp-method': method,
    ...(name === undefined ? {} : { 'mcp-name': name }),
  },
});

export const BASE = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** A POST with fetch; the whole answer read. */
export const post = async (url: URL, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> => {
  const r = await fetch(url, { method: 'POST', headers: { ...BASE, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, headers: r.headers, text: await r.text() };
};

/** An SSE response read as it comes: the messages so far, whether it ended, and the response once it has (rejected if it was cut). */
export const readSse = (response: Promise<Response>): { readonly messages: Rec[]; readonly done: Promise<Response>; readonly headers: Promise<void>; ended(): boolean } => {
  const messages: Rec[] = [];
  let ended = false;
  const done = response.then(async (r) => {
    const reader = r.body?.getReader();
    let text = '';
    for (;;) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
      messages.splice(0, messages.length, ...sseMessages(text.slice(0, text.lastIndexOf('\n\n') + 2)));
    }
    return r;
  }).finally(() => {
    // read to its end, or cut (an abort, a dropped socket): either way it ended
    ended = true;
  });
  // its headers came back (the stream is open): resolved once, never rejected
  const headers = response.then(() => undefined, () => undefined);
  return { messages, done, headers, ended: () => ended };
};

/** The JSON-RPC messages of an SSE body. */
export const sseMessages = (text: string): Rec[] =>
  text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => rec(JSON.parse(l.slice(6))));

/**
 * A raw POST whose answer is read event by event: `until` says when to stop; then the socket is
 * destroyed (the client drops the stream) and what arrived is returned, with the bytes that came after.
 */
export const rawPost = (url: URL, body: unknown, headers: Record<string, string>, until: (messages: Rec[]) => boolean): Promise<{ status: number; messages: Rec[]; after: () => string }> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { ...BASE, ...headers } }, (res) => {
      let text = '';
      let dropped = false;
      let afterDrop = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (dropped) return void (afterDrop += chunk);
        text += chunk;
        const messages = sseMessages(text.slice(0, text.lastIndexOf('\n\n') + 2));
        if (until(messages)) {
          dropped = true;
          req.destroy();
          resolve({ status: res.statusCode ?? 0, messages, after: () => afterDrop });
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', (e) => reject(e));
    req.end(JSON.stringify(body));
  });

/** Wait until `check` holds, polling. */
export const until = async (check: () => boolean, what = 'condition', ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
