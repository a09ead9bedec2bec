// App 1 on the official SDK v2 (@modelcontextprotocol/server 2.4): an MCP server on stdio with one
// long tool. `count` counts to n, one step every 50 ms, with progress; a cancel aborts its signal
// (the sleep rejects), and its cleanup runs once, whatever the end. Both eras (serveStdio).
// Run: npx tsx examples/apps/stdio.sdk-v2.ts (spawned by an MCP client; the twin is stdio.ours.ts)
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
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

serveStdio(counter);
