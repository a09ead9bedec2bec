// App 2 on mcp-rx-cancel: one Streamable HTTP endpoint on 127.0.0.1:PORT serving both eras, with the
// long tool of app 1. A 2025-11-25 client opens a session (initialize) and cancels with
// notifications/cancelled in it; a 2026-07-28 client sends each request on its own and cancels by
// closing its response stream. Either way the tool stops and its cleanup runs once.
// Run: PORT=3000 npx tsx examples/apps/http.ours.ts (the twin is http.sdk-v2.ts)
import { createServer } from 'node:http';
import { endWith, ignoreElements, interval, take, tap } from 'rxjs';
import { streamableHttp } from '../../lib/http.js';
import { mcpServer, tool } from '../../lib/mcp.js';
import { z } from 'zod';

const count = tool({
  name: 'count',
  description: 'Counts to n, one step every 50 ms',
  args: z.object({ n: z.number().int() }),
  run: ({ n }, ctx) => {
    ctx.onCleanup(() => void process.stderr.write(`cleanup: count #${ctx.requestId} ${ctx.signal.aborted ? 'cancelled' : 'done'}\n`));
    return interval(50).pipe(take(n), tap((i) => ctx.progress(i + 1, n)), ignoreElements(), endWith(`counted to ${n}`));
  },
});

const mcp = streamableHttp(mcpServer({ info: { name: 'counter', version: '1.0.0' }, tools: [count] }));
const port = Number(process.env['PORT'] ?? 3000);
createServer((req, res) => void mcp.handle(req, res)).listen(port, '127.0.0.1', () => process.stderr.write(`listening on ${port}\n`));
