// `npx tsx scripts/bus-outage.ts`: a real redis-server killed for 15 s while cancels flow at ~1,000/s from
// instance A to requests running on instance B (the scenario that lost cancels before): how many are lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { CancellationManager } from '../lib/index.js';
import { redisBus, type BusEvent } from '../lib/redis.js';

const freePort = (): Promise<number> => new Promise((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => r(typeof a === 'object' && a ? a.port : 0)); }); });
const port = await freePort();
const startRedis = (): ChildProcess => spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
let server = startRedis();
await new Promise((r) => setTimeout(r, 300));
const client = () => { const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 200 }); c.on('error', () => undefined); return c; };
const secret = 's';
const busA = redisBus({ publisher: client(), subscriber: client(), secret, instanceId: 'A' });
const busB = redisBus({ publisher: client(), subscriber: client(), secret, instanceId: 'B' });
const counts: Record<string, number> = {};
busA.events$.subscribe((e: BusEvent) => { const k = `A:${e.type}${e.type === 'bus-record-failed' && e.dropped ? ':dropped' : ''}`; counts[k] = (counts[k] ?? 0) + 1; });
busB.events$.subscribe((e: BusEvent) => void (counts[`B:${e.type}`] = (counts[`B:${e.type}`] ?? 0) + 1));
const a = new CancellationManager({ bus: busA });
const b = new CancellationManager({ bus: busB });
await new Promise((r) => setTimeout(r, 300));
const N = 20_000;
const done = new Set<number>();
for (let i = 0; i < N; i++) { b.register({ sessionId: 'X', requestId: i }); b.cancelled({ sessionId: 'X', requestId: i }).subscribe(() => void done.add(i)); }
const t0 = Date.now();
let i = 0;
const pump = setInterval(() => { for (let k = 0; k < 10 && i < N; k++) a.cancel({ sessionId: 'X', requestId: i++ }, 'x'); }, 10);
setTimeout(() => { server.kill('SIGKILL'); console.log(`killed at ${Date.now() - t0} ms, ${i} sent, ${done.size} applied`); }, 3_000);
setTimeout(() => { server = startRedis(); console.log(`restarted at ${Date.now() - t0} ms, ${i} sent, ${done.size} applied`); }, 18_000);
const end = Date.now() + 60_000;
while (done.size < N && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
clearInterval(pump);
console.log(`after ${Date.now() - t0} ms: sent ${i}, applied ${done.size}, lost ${N - done.size}; events`, counts);
server.kill('SIGKILL');
process.exit(0);
