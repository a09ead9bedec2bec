import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { CancellationManager } from '../../lib/index.js';
import { streamableHttp, type StreamableHttp } from '../../lib/http.js';
import { redisBus, redisSessions } from '../../lib/redis.js';
import { exampleServer } from '../mcp-handlers.js';
import { roundRobinProxy, type Hop } from './round-robin-proxy.js';

// Cancellation across instances, for real: a redis-server, two instances of our Streamable HTTP
// server (A and B) sharing it for their 2025 sessions (redisSessions) and their cancellations
// (redisBus), and a round-robin proxy with no stickiness in front. The official SDK 1.32 client
// talks to the proxy only: its initialize, its tool call and its cancel land on whichever
// instance the proxy picks, and the cancel still stops the call where it runs.
//
//   npm run demo:cluster            (needs redis-server on the PATH; says so and exits 0 if not)

const t0 = Date.now();
const print = (who: string, line: string): void => void process.stdout.write(`${String(Date.now() - t0).padStart(5)} ms  ${who.padEnd(6)} ${line}\n`);

if (spawnSync('redis-server', ['--version']).status !== 0) {
  process.stdout.write('redis-server is not installed (`apt-get install redis-server`): nothing to show.\n');
  process.exit(0);
}

// the whole demo takes a second or two; if anything hangs, say so and fail
const watchdog = setTimeout(() => {
  process.stderr.write('cluster-demo: timed out\n');
  process.exit(1);
}, 15_000);

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
const waitFor = async (check: () => boolean | Promise<boolean>, what: string): Promise<void> => {
  const end = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

// 1. redis-server on a free port, nothing saved to disk
const redisPort = await freePort();
const redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const clients: Redis[] = [];
const redis = (): Redis => {
  const c = new Redis({ port: redisPort, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  c.on('error', () => undefined); // refused until the server is up
  clients.push(c);
  return c;
};
const admin = redis();
await waitFor(() => admin.status === 'ready', 'redis-server');
print('redis', `redis-server on 127.0.0.1:${redisPort}`);

// 2. two instances, each its own process-local registry, sharing sessions and cancels via Redis;
// the bus's messages are signed with a secret every instance of the deployment shares
const BUS_SECRET = randomBytes(32).toString('hex');
let cleanedUp: (where: string) => void = () => undefined;
const cleanup = new Promise<string>((r) => (cleanedUp = r));
interface Instance {
  readonly name: string;
  readonly url: string;
  readonly mcp: StreamableHttp;
  readonly server: Server;
  readonly manager: CancellationManager;
}
const instance = async (name: string): Promise<Instance> => {
  const manager = new CancellationManager({ bus: redisBus({ publisher: redis(), subscriber: redis(), secret: BUS_SECRET }) });
  const mcp = streamableHttp({
    ...exampleServer({
      report: {
        cleanup: (id, tool, how) => {
          print(name, `cleanup of ${tool} #${JSON.stringify(id)} ran here: ${how}`);
          cleanedUp(name);
        },
      },
    }),
    sessions: redisSessions({ client: redis() }),
    manager,
  });
  mcp.events$.subscribe((e) => {
    // the session opens where initialize landed; anywhere else it is taken over from the store
    if (e.type === 'session-opened')
      print(name, `session ${e.sessionId.slice(0, 8)}… ${lastHopTo(name)?.rpc.includes('initialize') === true ? 'opened here' : 'taken over here from Redis'}`);
    if (e.type === 'request-received' && e.method === 'tools/call') print(name, `runs tools/call #${JSON.stringify(e.key.requestId)}`);
    if (e.type === 'cancel-ignored') print(name, `got a cancel${e.key === undefined ? '' : ` for #${JSON.stringify(e.key.requestId)}`} it does not hold (${e.why}): published on the bus`);
    if (e.type === 'request-cancelled') print(name, `${e.method} #${JSON.stringify(e.key.requestId)} cancelled (source: ${e.reason.source}${e.reason.reason === undefined ? '' : `, reason: ${e.reason.reason}`})`);
  });
  const server = createServer((req, res) => void mcp.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  print(name, `listening on ${url}`);
  return { name, url, mcp, server, manager };
};
let lastHopTo: (name: string) => Hop | undefined = () => undefined;
const a = await instance('A');
const b = await instance('B');
// both buses listen before anything is cancelled
await waitFor(async () => Number(((await admin.call('PUBSUB', 'NUMSUB', 'mcp-rx-cancel:cancellations')) as unknown[])[1]) >= 2, 'the buses');

// 3. the round-robin proxy: each request to the next instance in turn
const lb = await roundRobinProxy([{ name: 'A', url: a.url }, { name: 'B', url: b.url }], (h) =>
  print('proxy', `${h.httpMethod} ${h.rpc.length === 0 ? '(stream)' : h.rpc.join(', ')} -> ${h.to}`),
);
lastHopTo = (name) => [...lb.hops].reverse().find((h) => h.to === name);
print('proxy', `listening on ${lb.url} (round robin, no stickiness)`);

// 4. the SDK 1.32 client, through the proxy only
const client = new Client({ name: 'cluster-demo', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(lb.url)));
print('client', 'initialized');
// the SDK opens its GET stream after notifications/initialized: wait for it, so the turns are plain
await waitFor(() => lb.hops.some((h) => h.httpMethod === 'GET'), 'the GET stream');

const ac = new AbortController();
let progress = 0;
const call = client
  .callTool({ name: 'slow_count', arguments: { steps: 100, intervalMs: 50 } }, undefined, {
    signal: ac.signal,
    onprogress: (p) => {
      progress = p.progress;
      print('client', `progress ${p.progress}/${p.total ?? '?'}`);
      if (p.progress === 2) {
        print('client', 'aborting the call');
        ac.abort('user stop');
      }
    },
  })
  .then(() => 'answered', (e: unknown) => `rejected (${e instanceof Error ? e.message : String(e)})`);
print('client', `the call is ${await call}`);
let giveUp: NodeJS.Timeout | undefined;
const where = await Promise.race([cleanup, new Promise<string>((r) => (giveUp = setTimeout(() => r('nowhere'), 5_000)))]);
clearTimeout(giveUp);

const hop = (rpc: string): string => lb.hops.find((h) => h.rpc.includes(rpc))?.to ?? '?';
process.stdout.write(
  `\ninitialize -> ${hop('initialize')}, tools/call -> ${hop('tools/call')}, notifications/cancelled -> ${hop('notifications/cancelled')}; ` +
    `the cleanup ran on ${where} after ${progress} progress notifications.\n`,
);

// 5. shut everything down: the client, the proxy, both instances, Redis
await client.close();
await lb.close();
for (const i of [a, b]) {
  await i.mcp.close();
  i.server.closeAllConnections();
  await new Promise((r) => i.server.close(r));
  i.manager.dispose();
}
for (const c of clients) c.disconnect();
redisServer.kill('SIGKILL');
clearTimeout(watchdog);
process.exitCode = where === hop('tools/call') ? 0 : 1;
