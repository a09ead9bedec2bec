import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StreamableHttp } from '../lib/http.js';
import { describeEvent } from './describe-event.js';

// What the example HTTP servers share as programs: `--port N` (default 3000; 0 picks a free one),
// `/mcp` on 127.0.0.1 served by a `streamableHttp`, the line `listening on http://127.0.0.1:PORT/mcp`
// on stdout when ready (scripts and specs wait for it), events on stderr, and on SIGTERM or SIGINT
// a close that cancels what is in flight before the process exits.

/** The `--port` argument, checked: a wrong one is said on stderr and the process exits with 2. */
export const portArgument = (log: (line: string) => void): number => {
  const at = process.argv.indexOf('--port');
  const port = at === -1 ? 3000 : Number(process.argv[at + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    log(`--port must be an integer from 0 to 65535, got ${String(process.argv[at + 1])}`);
    process.exit(2);
  }
  return port;
};

/**
 * Serve `mcp` on `/mcp` of 127.0.0.1:`port` until a signal: anything else is 404, every event is a
 * line on `log`, and a signal closes the transport (what is in flight is cancelled) before exiting,
 * after `beforeStop` (an MCP server's `close`: its tasks cancelled, its listen streams ended).
 *
 * @example
 * serveHttp(streamableHttp(exampleServer()), portArgument(log), log);
 */
export const serveHttp = (mcp: StreamableHttp, port: number, log: (line: string) => void, beforeStop?: () => void): void => {
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
    beforeStop?.();
    void mcp.close().then(() => {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
};
