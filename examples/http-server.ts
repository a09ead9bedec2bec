import { streamableHttp } from '../lib/http.js';
import { portArgument, serveHttp } from './http-main.js';
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

serveHttp(
  streamableHttp(exampleServer({ report: { cleanup: (requestId, tool, how) => log(`cleanup ${tool} #${JSON.stringify(requestId)}: ${how}`) } })),
  portArgument(log),
  log,
);
