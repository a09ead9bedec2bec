// The official SDK v2 over HTTP, served on node:http with its node adapter
// `@modelcontextprotocol/node` (2.1.2, the last on npm, a pinned devDependency: its peer is
// `@modelcontextprotocol/server` ^2.4.0, and it runs on our 2.4.0 unchanged):
//   2026: `toNodeHandler(createMcpHandler(factory, { legacy: 'reject' }))`, the modern
//     per-request leg only, a fresh low-level `Server` per request as `createMcpHandler` asks
//   2025: `NodeStreamableHTTPServerTransport` (the node face of `WebStandardStreamableHTTPServerTransport`),
//     sessionful (`sessionIdGenerator`), one `Server` per session, `enableJsonResponse: true`
// The hold handler cleans up on `ctx.mcpReq.signal`, which the request's signal aborts when
// the adapter sees the response close before it finished.
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import { isHold } from './calls.js';
import { listen, type HttpEra, type HttpServer, type Tally } from './http.js';

const server2 = (tally: Tally): Server => {
  const server = new Server({ name: 'bench', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/call', async (request, ctx) => {
    if (!isHold(request.params)) return { content: [] };
    tally.started.hit();
    const signal = ctx.mcpReq.signal;
    return new Promise((resolve) => {
      const cleanup = (): void => {
        tally.cleaned();
        resolve({ content: [] });
      };
      if (signal.aborted) cleanup();
      else signal.addEventListener('abort', cleanup, { once: true });
    });
  });
  return server;
};

const modern = async (tally: Tally): Promise<HttpServer> => {
  const handler = createMcpHandler(() => server2(tally), { legacy: 'reject' });
  const node = toNodeHandler(handler);
  return listen((req, res) => void node(req, res), () => handler.close());
};

const sessions2025 = async (tally: Tally): Promise<HttpServer> => {
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
  return listen(
    (req, res) => {
      const sid = req.headers['mcp-session-id'];
      const known = typeof sid === 'string' ? sessions.get(sid) : undefined;
      if (known !== undefined) return void known.handleRequest(req, res);
      // no session yet: a fresh transport and Server, which accept an initialize only
      const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        enableJsonResponse: true,
        onsessioninitialized: (id) => void sessions.set(id, transport),
      });
      void server2(tally)
        .connect(transport)
        .then(() => transport.handleRequest(req, res));
    },
    async () => {
      for (const t of sessions.values()) await t.close();
    },
  );
};

export const sdk2HttpServer = (era: HttpEra, tally: Tally): Promise<HttpServer> => (era === '2026' ? modern(tally) : sessions2025(tally));
