import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NEVER, interval, map, take, tap } from 'rxjs';
import { META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION } from '../../../lib/codec/era.js';
import type { Handler, PeerEvent } from '../../../lib/index.js';
import { streamableHttp, type HttpEvent, type StreamableHttp, type StreamableHttpOptions } from '../../../lib/http.js';

/** What the test server's handlers saw: the cleanups that ran, and how each request ended. */
export interface Seen {
  readonly cleanups: string[];
  readonly events: Array<PeerEvent | HttpEvent>;
}

/** Handlers for the HTTP tests: `echo`, `slow` (progress every 20 ms, never ends by itself), `initialize`, `server/discover`. */
export const testHandlers = (seen: Seen): Record<string, Handler> => ({
  initialize: (p) => Promise.resolve({ protocolVersion: (p as { protocolVersion?: string }).protocolVersion ?? '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 't', version: '1' } }),
  'server/discover': () => Promise.resolve({ resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, ttlMs: 0 }),
  'tools/list': () => Promise.resolve({ tools: [{ name: 'echo', inputSchema: { type: 'object' } }, { name: 'slow', inputSchema: { type: 'object' } }] }),
  'tools/call': (params, ctx) => {
    const p = params as { name?: string; arguments?: { text?: string; steps?: number } };
    if (p.name === 'burst') {
      // `steps` messages of 100 kB, at once, then the result: what an unread stream must hold
      ctx.onCleanup(() => void seen.cleanups.push(`${String(ctx.requestId)}:${(ctx.signal.reason as { source?: string } | undefined)?.source ?? 'done'}`));
      const big = 'x'.repeat(100_000);
      for (let i = 0; i < (p.arguments?.steps ?? 1); i++) ctx.notify('notifications/message', { level: 'info', data: big });
      return Promise.resolve({ content: [], resultType: 'complete' });
    }
    if (p.name === 'flood') {
      ctx.onCleanup(() => void seen.cleanups.push(`${String(ctx.requestId)}:${(ctx.signal.reason as { source?: string } | undefined)?.source ?? 'done'}`));
      const big = 'x'.repeat(100_000);
      return interval(1).pipe(tap(() => ctx.notify('notifications/message', { level: 'info', data: big })), map(() => ({ content: [] })));
    }
    if (p.name !== 'slow' && p.name !== 'never') return Promise.resolve({ content: [{ type: 'text', text: p.arguments?.text ?? '' }], ...(ctx.era === '2026-07-28' ? { resultType: 'complete' } : {}) });
    ctx.onCleanup(() => void seen.cleanups.push(`${String(ctx.requestId)}:${(ctx.signal.reason as { source?: string } | undefined)?.source ?? 'done'}`));
    if (p.name === 'never') return NEVER;
    return interval(20).pipe(
      tap((i) => ctx.progress(i + 1)),
      take(p.arguments?.steps ?? 1_000),
      map(() => ({ content: [] })),
    );
  },
});

export interface Running {
  readonly url: string;
  readonly mcp: StreamableHttp;
  readonly seen: Seen;
  readonly server: Server;
  stop(): Promise<void>;
}

/** A streamableHttp on a free port of 127.0.0.1. */
export const start = async (options: StreamableHttpOptions = {}): Promise<Running> => {
  const seen: Seen = { cleanups: [], events: [] };
  const mcp = streamableHttp({ handlers: testHandlers(seen), ...options });
  mcp.events$.subscribe((e) => seen.events.push(e));
  const server = createServer((req, res) => void mcp.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return {
    url,
    mcp,
    seen,
    server,
    stop: async () => {
      await mcp.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
};

export const meta2026 = { [META_PROTOCOL_VERSION]: '2026-07-28', [META_CLIENT_CAPABILITIES]: {} };

/** The headers a 2026-07-28 POST of `method` must carry. */
export const headers2026 = (method: string, name?: string): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': method,
  ...(name === undefined ? {} : { 'mcp-name': name }),
});

export const post = (url: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> =>
  fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body), ...(signal === undefined ? {} : { signal }) });

/** Wait until `check` holds (polling every 5 ms), or fail after `ms`. */
export const until = async (check: () => boolean, ms = 3_000, what = 'the condition'): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** The JSON-RPC messages of an SSE body, read until it ends. */
export const sseMessages = async (r: Response): Promise<unknown[]> => {
  const text = await r.text();
  return text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as unknown);
};
