/**
 * The example of docs/guides/gateway.md: a gateway in this process, a Streamable HTTP front on
 * 127.0.0.1 (both eras), and a stdio upstream in a child process (examples/stdio-server.ts,
 * spoken to in 2025-11-25). A 2026-07-28 client calls the upstream's long tool through the
 * gateway and cancels by closing its stream; two 2025-11-25 sessions call it with the same id,
 * and only one of them cancels. Every line printed is what happened, on which hop.
 *
 *   npx tsx examples/guides/gateway.ts
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mcpGateway } from '../../lib/gateway.js';
import { streamableHttp, streamableHttpClient } from '../../lib/http.js';
import { mcpClient } from '../../lib/mcp.js';
import { ndjson } from '../../lib/stdio.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const print = (line: string): void => void process.stdout.write(`${line}\n`);
const children: ChildProcess[] = [];
let cleanedUp: (line: string) => void = () => undefined;
const cleanups: string[] = [];

// the upstream: a stdio child, made on the first request (and again if it dies)
const gateway = mcpGateway({
  upstream: () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/stdio-server.ts'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (!line.includes('cleanup slow_count')) return;
      cleanups.push(line);
      cleanedUp(line);
    });
    return ndjson(child.stdout, child.stdin);
  },
  era: '2025-11-25',
  // what one front session may hold, checked before anything goes upstream
  maxInFlightPerSender: 10,
  requestsPerSecond: 50,
});

// what the gateway writes upstream: its own ids, its cancels
gateway.events$.subscribe((e) => {
  if (e.type !== 'upstream') return;
  const u = e.event;
  if (u.type === 'request-sent' && u.method === 'tools/call') print(`gateway → upstream  tools/call #${JSON.stringify(u.key.requestId)}`);
  if (u.type === 'cancel-sent') print(`gateway → upstream  notifications/cancelled #${JSON.stringify(u.key.requestId)} (${u.reason ?? ''})`);
});

// the front: both eras on one endpoint
const mcp = streamableHttp(gateway);
mcp.events$.subscribe((e) => {
  if (e.type === 'request-cancelled') print(`front               ${e.method} #${JSON.stringify(e.key.requestId)} cancelled (${e.reason.source})`);
});
const server = createServer((req, res) => void mcp.handle(req, res));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;

const nextCleanup = (): Promise<string> => new Promise((r) => (cleanedUp = r));

// 1. a 2026-07-28 client: closing its stream is its cancel
const modern = mcpClient(streamableHttpClient({ url }), { info: { name: 'guide-2026', version: '1.0.0' }, era: '2026-07-28' });
let third: () => void = () => undefined;
const progressed = new Promise<void>((r) => (third = r));
const call = modern.callTool('slow_count', { steps: 100, intervalMs: 20 }, { onProgress: (p) => p.progress >= 3 && third() }).subscribe();
await progressed;
let cleaned = nextCleanup();
call.unsubscribe(); // the POST stream closes: nothing else is sent
print(`upstream            ${(await cleaned).replace(/^\[server\] /, '')}`);
modern.close();

// 2. two 2025-11-25 sessions, each with its first call as id 1
const session = async (name: string): Promise<Client> => {
  const c = new Client({ name, version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  return c;
};
const a = await session('a');
const b = await session('b');
const stop = new AbortController();
let started: () => void = () => undefined;
const aStarted = new Promise<void>((r) => (started = r));
const callA = a.callTool({ name: 'slow_count', arguments: { steps: 100, intervalMs: 20 } }, undefined, { signal: stop.signal, onprogress: () => started() }).catch(() => 'aborted');
await aStarted;
const callB = b.callTool({ name: 'slow_count', arguments: { steps: 5, intervalMs: 20 } });
await new Promise((r) => setTimeout(r, 40));
cleaned = nextCleanup();
stop.abort('a stops');
print(`front               a: ${String(await callA)}`);
print(`upstream            ${(await cleaned).replace(/^\[server\] /, '')}`);
print(`front               b: ${JSON.stringify((await callB).content)}`);
await a.close();
await b.close();

print(`gateway             in flight: ${gateway.inFlight()}; cancelled cleanups upstream: ${cleanups.filter((l) => l.includes('cancelled')).length}`);
await mcp.close();
gateway.close();
server.closeAllConnections();
server.close();
for (const c of children) c.kill('SIGTERM');
