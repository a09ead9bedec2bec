// App 3 on mcp-rx-cancel: an MCP server on a stream the app already has. Here it runs in a worker
// thread and talks to its host over `parentPort`, one JSON-RPC message per postMessage (no
// framing: structured clone). The long tool of app 1; a cancel stops it and its cleanup runs once.
// Run it from a host: new Worker('examples/apps/stream.ours.ts') (the twin is stream.sdk-v2.ts)
import { parentPort } from 'node:worker_threads';
import { endWith, fromEvent, ignoreElements, interval, map, take, tap } from 'rxjs';
import { createPeer } from '../../lib/index.js';
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

const port = parentPort!;
const server = mcpServer({ info: { name: 'counter', version: '1.0.0' }, tools: [count] });
createPeer(fromEvent<MessageEvent>(port, 'message').pipe(map((e) => e.data)), server).outgoing$.subscribe((m) => port.postMessage(m));
