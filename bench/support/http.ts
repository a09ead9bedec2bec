// The HTTP figures: a server of one side on node:http at 127.0.0.1 (port 0), and one load
// generator for every side, so that only the server differs. The client is node's `http.request`
// on a keep-alive `Agent` (one socket per request in flight, reused), writing the POSTs an MCP
// client writes (the 2026-07-28 headers and `_meta`, or a 2025-11-25 session's `Mcp-Session-Id`)
// and reading each answer whole: one JSON body, or an SSE stream whose `data:` lines it parses.
// Ours is here; the SDK v1 is in ./http-sdk.ts and the SDK v2 in ./http-sdk2.ts, each imported
// only by the child that measures it.
import { Agent, createServer, request, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NEVER } from 'rxjs';
import type { Handler } from '../../lib/index.js';
import { streamableHttp } from '../../lib/http.js';
import { ECHO, HOLD, isHold } from './calls.js';
import { Counter, now, type Side } from './child.js';

/** `2026`: MCP 2026-07-28, one POST per request, no session; `2025`: a 2025-11-25 session. */
export type HttpEra = '2026' | '2025';

/** What the server's hold handler did: started, and cleaned up (with the time of the last cleanup). */
export class Tally {
  readonly started = new Counter();
  readonly cleanups = new Counter();
  /** `now()` when the last cleanup ran: a cancel is timed to here, not to an await after it. */
  lastCleanupAt = NaN;
  readonly cleaned = (): void => {
    this.lastCleanupAt = now();
    this.cleanups.hit();
  };
}

/** One side's server, listening. */
export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Listen on a free port of 127.0.0.1; `close` ends the transport first, then every socket. */
export const listen = async (listener: RequestListener, closeTransport: () => Promise<void>): Promise<HttpServer> => {
  const server: Server = createServer(listener);
  // the load generator keeps its sockets open between calls: no idle timeout may close one mid-run
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await closeTransport();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
};

export const PROTOCOL_2026 = '2026-07-28';
export const PROTOCOL_2025 = '2025-11-25';
export const META_2026 = { 'io.modelcontextprotocol/protocolVersion': PROTOCOL_2026, 'io.modelcontextprotocol/clientCapabilities': {} };
export const INITIALIZE_2025 = { protocolVersion: PROTOCOL_2025, capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } };

// ---------------------------------------------------------------- ours

const ourHandlers = (tally: Tally): Record<string, Handler> => ({
  initialize: () => Promise.resolve({ protocolVersion: PROTOCOL_2025, capabilities: { tools: {} }, serverInfo: { name: 'bench', version: '1.0.0' } }),
  'tools/call': (params, ctx) => {
    if (isHold(params)) {
      tally.started.hit();
      ctx.onCleanup(tally.cleaned);
      return NEVER;
    }
    return Promise.resolve(ctx.era === '2026-07-28' ? { content: [], resultType: 'complete' } : { content: [] });
  },
});

const ourServer = async (era: HttpEra, tally: Tally): Promise<HttpServer> => {
  // 2025 answers JSON, as the SDKs' `enableJsonResponse: true`; 2026 answers JSON anyway (`auto`:
  // nothing comes before the response)
  const mcp = streamableHttp({
    handlers: ourHandlers(tally),
    eras: [era === '2026' ? '2026-07-28' : '2025-11-25'],
    ...(era === '2025' ? { response: 'json' as const } : {}),
  });
  return listen((req, res) => void mcp.handle(req, res), () => mcp.close());
};

/**
 * The floor: bare node:http, no MCP. It reads and parses each POST, answers an echo with its
 * result as JSON, and for a hold counts a cleanup when the response closes (2026 only: it keeps
 * no session, and answers any initialize with a made-up one).
 */
export const floorServer = (tally: Tally): Promise<HttpServer> =>
  listen(
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const m = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: number; method?: string; params?: unknown };
        if (m.id === undefined) {
          res.writeHead(202).end();
          return;
        }
        if (isHold(m.params)) {
          tally.started.hit();
          res.on('close', tally.cleaned);
          return;
        }
        const result = m.method === 'initialize' ? { protocolVersion: PROTOCOL_2025, capabilities: {}, serverInfo: { name: 'floor', version: '1' } } : { content: [] };
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'floor' }).end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }));
      });
    },
    () => Promise.resolve(),
  );

/** The server of `side` for `era` (a side without one throws: the figure shows no column for it). */
export const makeHttpServer = async (side: Side, era: HttpEra, tally: Tally): Promise<HttpServer> => {
  switch (side) {
    case 'ours':
      return ourServer(era, tally);
    case 'sdk':
      if (era === '2026') throw new Error('the SDK v1 has no 2026-07-28 server');
      return (await import('./http-sdk.js')).sdkHttpServer(tally);
    case 'sdk2':
      return (await import('./http-sdk2.js')).sdk2HttpServer(era, tally);
    case 'vscode':
      throw new Error('vscode-jsonrpc has no HTTP transport');
  }
};

// ---------------------------------------------------------------- the client

/** An answer read whole: status, headers, and the JSON-RPC messages of its body. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly messages: ReadonlyArray<unknown>;
}

const messagesOf = (type: string, text: string): unknown[] => {
  if (text.length === 0) return [];
  if (type.startsWith('text/event-stream'))
    return text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trim())
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as unknown);
  const body = JSON.parse(text) as unknown;
  return Array.isArray(body) ? body : [body];
};

/** A POST in flight: its answer, and the client's way to close its stream (destroying the request). */
export interface Posted {
  readonly answer: Promise<Answer>;
  abort(): void;
}

export class HttpLoad {
  private readonly agent: Agent;
  private nextId = 1;
  /** The session of a 2025 client, once `initialize` answered. */
  sessionId: string | undefined = undefined;
  /** The `content-type` of the last answer read (JSON or SSE: each server picks). */
  lastType = '';

  constructor(
    private readonly port: number,
    private readonly era: HttpEra,
    sockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  private headers(method: string, name: string | undefined): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (this.era === '2026') {
      h['mcp-protocol-version'] = PROTOCOL_2026;
      h['mcp-method'] = method;
      if (name !== undefined) h['mcp-name'] = name;
    } else {
      if (method !== 'initialize') h['mcp-protocol-version'] = PROTOCOL_2025;
      if (this.sessionId !== undefined) h['mcp-session-id'] = this.sessionId;
    }
    return h;
  }

  /** POST one message: a request when `id` is given, else a notification. */
  post(method: string, params: Readonly<Record<string, unknown>>, withId = true): Posted {
    const name = method === 'tools/call' && typeof params['name'] === 'string' ? params['name'] : undefined;
    const message = {
      jsonrpc: '2.0',
      ...(withId ? { id: this.nextId++ } : {}),
      method,
      params: this.era === '2026' ? { ...params, _meta: META_2026 } : params,
    };
    const body = JSON.stringify(message);
    const headers = { ...this.headers(method, name), 'content-length': String(Buffer.byteLength(body)) };
    const req = request({ agent: this.agent, host: '127.0.0.1', port: this.port, method: 'POST', path: '/mcp', headers });
    const answer = new Promise<Answer>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          try {
            const text = Buffer.concat(chunks).toString('utf8');
            this.lastType = String(res.headers['content-type'] ?? '');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, messages: messagesOf(String(res.headers['content-type'] ?? ''), text) });
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      });
    });
    req.end(body);
    return { answer, abort: () => req.destroy() };
  }

  /** A 2025 session: `initialize`, then `notifications/initialized`. */
  async open(): Promise<void> {
    const init = await this.post('initialize', INITIALIZE_2025).answer;
    const id = init.headers['mcp-session-id'];
    if (init.status !== 200 || typeof id !== 'string') throw new Error(`initialize: ${init.status} ${JSON.stringify(init.messages)}`);
    this.sessionId = id;
    const done = await this.post('notifications/initialized', {}, false).answer;
    if (done.status !== 202) throw new Error(`notifications/initialized: ${done.status}`);
  }

  /** One echo `tools/call`; rejects unless the answer is one result. */
  async echo(): Promise<void> {
    const a = await this.post('tools/call', ECHO).answer;
    const m = a.messages[a.messages.length - 1] as { result?: unknown; error?: unknown } | undefined;
    if (a.status !== 200 || m === undefined || m.result === undefined) throw new Error(`tools/call echo: ${a.status} ${JSON.stringify(a.messages).slice(0, 300)}`);
  }

  /** A hold `tools/call`, running until its stream is closed. */
  hold(): Posted {
    return this.post('tools/call', HOLD);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** `total` echo calls with `window` in flight: each answer starts the next. */
export const echoWindow = (load: HttpLoad, total: number, window: number): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    let failed = false;
    const next = (): void => {
      if (failed || sent >= total) return;
      sent++;
      load.echo().then(
        () => {
          done++;
          if (done === total) resolve();
          else next();
        },
        (e: unknown) => {
          failed = true;
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    };
    for (let i = 0; i < window; i++) next();
  });
