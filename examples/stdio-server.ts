import type { Subscription } from 'rxjs';
import { connect, type Peer } from '../lib/index.js';
import { ndjson } from '../lib/stdio.js';
import { describeEvent } from './describe-event.js';
import { exampleServer } from './mcp-handlers.js';

// An MCP server on stdio, made with mcp-rx-cancel: any MCP client can spawn it
// (`node --import tsx examples/stdio-server.ts`, or `npx tsx examples/stdio-server.ts`).
// It answers both eras, per request: a 2025-11-25 client (`initialize`) and a 2026-07-28 one
// (`server/discover`, its version and capabilities in every request's `_meta`).
// stdout carries the protocol only; what happens is told on stderr, one line per event. The
// cleanup of a 2025 tool call is also sent to the client as a logging notification; a 2026
// client sees it with the `stats` tool instead (2026-07-28 sends no log message a request did
// not ask for, and nothing at all for a request after its cancel).

const log = (line: string): void => {
  process.stderr.write(`[server] ${line}\n`);
};

let peer: Peer | undefined;
const { peer: connected, subscription }: { peer: Peer; subscription: Subscription } = connect(
  // endOnClose: stdout is the process's; it ends with it
  ndjson(process.stdin, process.stdout, { endOnClose: false }),
  exampleServer({
    report: {
      cleanup: (requestId, tool, how, era) => {
        const line = `cleanup ${tool} #${JSON.stringify(requestId)}: ${how}`;
        log(line);
        // a connection-level notification: the request itself has ended, so ctx.notify would send nothing
        if (era === '2025-11-25') peer?.notify('notifications/message', { level: 'info', logger: 'stdio-server', data: line });
      },
    },
  }),
);
peer = connected;
peer.events$.subscribe((e) => {
  const line = describeEvent(e);
  if (line !== undefined) log(line);
  // the client closed stdin: nothing is left to do
  if (e.type === 'connection-closed') setImmediate(() => process.exit(0));
});
log(`ready (pid ${process.pid})`);

const stop = (): void => subscription.unsubscribe();
process.on('SIGTERM', stop);
process.on('SIGINT', () => {
  if (process.stdin.isTTY === true) return stop();
  // spawned by a client: a Ctrl-C in its terminal reaches us too, but it is the client's to act
  // on (it cancels its requests, then closes our stdin); stop on our own only if it does not
  log('SIGINT: waiting for the client to close stdin');
  setTimeout(stop, 3_000).unref();
});
