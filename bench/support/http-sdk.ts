// The official SDK v1 over HTTP: its node `StreamableHTTPServerTransport` (hono's request
// listener over the web-standard transport), sessionful (`sessionIdGenerator`), one `Server` per
// session as its examples do, answering JSON (`enableJsonResponse: true`). The SDK v1 speaks
// 2025-11-25 and older: it has no 2026-07-28 server.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import { isHold } from './calls.js';
import { listen, type HttpServer, type Tally } from './http.js';

const sdkServer = (tally: Tally): Server => {
  const server = new Server({ name: 'bench', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    if (!isHold(request.params)) return { content: [] };
    tally.started.hit();
    return new Promise((resolve) => {
      const cleanup = (): void => {
        tally.cleaned();
        resolve({ content: [] });
      };
      if (extra.signal.aborted) cleanup();
      else extra.signal.addEventListener('abort', cleanup, { once: true });
    });
  });
  return server;
};

export const sdkHttpServer = async (tally: Tally): Promise<HttpServer> => {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  return listen(
    (req, res) => {
      const sid = req.headers['mcp-session-id'];
      const known = typeof sid === 'string' ? sessions.get(sid) : undefined;
      if (known !== undefined) return void known.handleRequest(req, res);
      // no session yet: a fresh transport and Server, which accept an initialize only
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        enableJsonResponse: true,
        onsessioninitialized: (id) => void sessions.set(id, transport),
      });
      void sdkServer(tally)
        .connect(transport)
        .then(() => transport.handleRequest(req, res));
    },
    async () => {
      for (const t of sessions.values()) await t.close();
    },
  );
};
