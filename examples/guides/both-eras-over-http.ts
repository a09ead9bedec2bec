import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { connect, type Peer } from '../../lib/index.js';
import { streamableHttp, streamableHttpClient } from '../../lib/http.js';
import { exampleServer, type ToolStats } from '../mcp-handlers.js';

// One HTTP endpoint serving both protocol eras, and a client of each cancelling a tool call
// midway: the 2026-07-28 client by closing its request's stream, the 2025-11-25 client by a
// notifications/cancelled in its session. `stats` shows, from outside, that each cleanup ran.
// Run: npx tsx examples/guides/both-eras-over-http.ts

const print = (line: string): void => void process.stdout.write(`${line}\n`);

// the server: the example tools, on streamableHttp, on a free port of this machine
const mcp = streamableHttp(exampleServer());
mcp.events$.subscribe((e) => {
  if (e.type === 'request-cancelled') print(`server  ${e.method} #${String(e.key.requestId)} cancelled (source: ${e.reason.source})`);
  if (e.type === 'session-opened') print('server  a 2025 session opened');
});
const http = createServer((req, res) => void mcp.handle(req, res));
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
print(`server  listening on ${url}`);

const stats = async (peer: Peer): Promise<ToolStats> => {
  const r = await firstValueFrom(peer.request<{ structuredContent: ToolStats }>('tools/call', { name: 'stats', arguments: {} }));
  return r.structuredContent;
};

/** Call slow_count, and unsubscribe at its second progress: the cancel, in the client's era. */
const callAndCancel = async (peer: Peer, who: string): Promise<void> => {
  const before = (await stats(peer)).cleanups;
  let stop: () => void = () => undefined;
  const second = new Promise<void>((resolve) => (stop = resolve));
  const call = peer
    .request('tools/call', { name: 'slow_count', arguments: { steps: 100, intervalMs: 20 } }, { onProgress: (p) => void (p.progress >= 2 && stop()) })
    .subscribe({ error: (e: unknown) => print(`${who}  UNEXPECTED: ${String(e)}`) });
  await second;
  call.unsubscribe();
  print(`${who}  unsubscribed at progress 2`);
  // the cleanup runs on the server as soon as the cancel reaches it; stats says when it has
  let s = await stats(peer);
  while (s.cleanups === before) s = await stats(peer);
  print(`${who}  stats: ${s.cleanups - before} more cleanup, ${s.inFlight} in flight`);
};

// 2026-07-28: no handshake; every request names its version in _meta (era pins it); over HTTP a
// cancel closes the request's POST, and no notification is sent
const modern = connect(streamableHttpClient({ url }), { era: '2026-07-28', clientInfo: { name: 'guide', version: '1.0.0' } });
await callAndCancel(modern.peer, '2026  ');
modern.subscription.unsubscribe();

// 2025-11-25: the official SDK's client transport (sessions); initialize first, then a cancel is
// one notifications/cancelled in the session
const legacy = connect(new StreamableHTTPClientTransport(new URL(url)));
await firstValueFrom(legacy.peer.request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'guide', version: '1.0.0' } }));
legacy.peer.notify('notifications/initialized');
await callAndCancel(legacy.peer, '2025  ');
legacy.subscription.unsubscribe();

await mcp.close();
http.closeAllConnections();
http.close();
