import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamableHttp } from '../lib/index.js';
import { describeEvent } from './describe-event.js';
import { exampleServer } from './mcp-handlers.js';

// An MCP server over Streamable HTTP, made with mcp-rx-cancel, for both eras on one endpoint:
// a 2025-11-25 client (sessions, `initialize`, cancel by notification) and a 2026-07-28 one (one
// POST per request; closing its stream is the cancel). The tools are the stdio server's: `echo`,
// `slow_count` (progress, cancellable) and `stats` (`{ inFlight, cleanups }`, so a client can see
// from outside that a cancel ran its cleanup).
//
//   node --import tsx examples/http-server.ts [--port N]     (default 3000; 0 picks a free one)
//
// stdout says `listening on http://127.0.0.1:PORT/mcp` when ready; the rest is told on stderr.

const log = (line: string): void => {
  process.stderr.write(`[http-server] ${line}\n`);
};

const portArg = process.argv.indexOf('--port');
const port = portArg === -1 ? 3000 : Number(process.argv[portArg + 1]);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  log(`--port must be an integer from 0 to 65535, got ${String(process.argv[portArg + 1])}`);
  process.exit(2);
}

const mcp = streamableHttp(exampleServer({ report: { cleanup: (requestId, tool, how) => log(`cleanup ${tool} #${JSON.stringify(requestId)}: ${how}`) } }));
mcp.events$.subscribe((e) => {
  const line = describeEvent(e);
  if (line !== undefined) log(line);
});

const server = createServer((req, res) => {
  if (req.url === undefined || !(req.url === '/mcp' || req.url.startsWith('/mcp?'))) {
    res.writeHead(404).end();
    return;
  }
  void mcp.handle(req, res);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp\n`);
});

const stop = (): void => {
  log('stopping: cancelling what is in flight');
  void mcp.close().then(() => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
