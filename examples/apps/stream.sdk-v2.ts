// App 3 on the official SDK v2 (@modelcontextprotocol/server 2.4): an MCP server on a stream the
// app already has. Here it runs in a worker thread and talks to its host over `parentPort`, one
// JSON-RPC message per postMessage (no framing: structured clone); the SDK needs a Transport for
// it, and serveStdio takes one to serve both eras on it. The long tool of app 1.
// Run it from a host: new Worker('examples/apps/stream.sdk-v2.ts') (the twin is stream.ours.ts)
import { McpServer, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort } from 'node:worker_threads';
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

const port = parentPort!;
const transport: Transport = {
  start: async () => void port.on('message', (message: JSONRPCMessage) => transport.onmessage?.(message)),
  send: async (message) => port.postMessage(message),
  close: async () => port.close(),
};
serveStdio(counter, { transport });
