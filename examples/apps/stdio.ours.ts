// App 1 on mcp-rx-cancel: an MCP server on stdio with one long tool. `count` counts to n, one step
// every 50 ms, with progress; a cancel (notifications/cancelled, or stdin closing) stops it, and
// its cleanup runs once, whatever the end. Both eras, per request.
// Run: npx tsx examples/apps/stdio.ours.ts (spawned by an MCP client; the twin is stdio.sdk-v2.ts)
import { endWith, ignoreElements, interval, take, tap } from 'rxjs';
import { connect } from '../../lib/index.js';
import { ndjson } from '../../lib/stdio.js';
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

connect(ndjson(process.stdin, process.stdout), mcpServer({ info: { name: 'counter', version: '1.0.0' }, tools: [count] }));
