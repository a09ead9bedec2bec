// App 2 on the official SDK v2 (@modelcontextprotocol/server 2.4, @modelcontextprotocol/node 2.1):
// one Streamable HTTP endpoint on 127.0.0.1:PORT serving both eras, with the long tool of app 1.
// createMcpHandler serves 2026-07-28; its own 2025 fallback is stateless (no sessions, so a
// notifications/cancelled, POSTed on its own, reaches no running call), so 2025-11-25 sessions are
// routed by isLegacyRequest to a sessionful transport per session, as the SDK's documentation shows.
// Run: PORT=3000 npx tsx examples/apps/http.sdk-v2.ts (the twin is http.ours.ts)
import { localhostOriginValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { McpServer, WebStandardStreamableHTTPServerTransport, createMcpHandler, isLegacyRequest } from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

const counter = (): McpServer => {
  const server = new McpServer({ name: 'counter', version: '1.0.0' });
  server.registerTool('count', { description: 'Counts to n, one step every 50 ms', inputSchema: z.object({ n: z.number().int() }) }, async ({ n }, ctx) => {
    const { signal, notify, _meta: { progressToken } = {} } = ctx.mcpReq;
    try {
      for (let i = 1; i <= n; i++) {
        await sleep(50, undefined, { signal });
        if (progressToken !== undefined) await notify({ method: 'notifications/progress', params: { progressToken, progress: i, total: n } });
      }
      return { content: [{ type: 'text', text: `counted to ${n}` }] };
    } finally {
      process.stderr.write(`cleanup: count #${ctx.mcpReq.id} ${signal.aborted ? 'cancelled' : 'done'}\n`);
    }
  });
  return server;
};

const modern = createMcpHandler(counter, { legacy: 'reject' });
const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
const legacy = async (request: Request): Promise<Response> => {
  const known = sessions.get(request.headers.get('mcp-session-id') ?? '');
  if (known !== undefined) return known.handleRequest(request);
  if (request.headers.has('mcp-session-id')) return new Response('Not Found: no such session', { status: 404 });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => void sessions.set(id, transport),
    onsessionclosed: (id) => void sessions.delete(id),
  });
  await counter().connect(transport);
  return transport.handleRequest(request);
};
const mcp = toNodeHandler({ fetch: async (request) => ((await isLegacyRequest(request)) ? legacy(request) : modern.fetch(request)) });
const validOrigin = localhostOriginValidation();
const port = Number(process.env['PORT'] ?? 3000);
createServer((req, res) => void (validOrigin(req, res) && mcp(req, res))).listen(port, '127.0.0.1', () => process.stderr.write(`listening on ${port}\n`));
