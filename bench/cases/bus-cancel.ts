// Cross-instance cancel latency over Redis on loopback (ours only: no other side routes cancels
// between instances). A `redis-server` on a free port of 127.0.0.1, two `CancellationManager`s A
// and B in this process, each with its own `redisBus` (its own publisher and subscriber ioredis
// connections, one shared secret). `n` keys are registered on B, each with a `manager.cancelled`
// observer; A, which holds none of them, cancels them (each is recorded and announced on the
// bus), and every cancel is timed from `A.cancel(key)` to B's observer firing.
//   --mode=paced: `n` cancels at `rate`/s (the due ones sent on each 1 ms timer turn)
//   --mode=burst: `n` cancels in one synchronous loop; also the time until the last one applied
// The case fails if any cancel is not applied within 10 s. Without redis-server it prints a
// `skipped` line and the orchestrator leaves the figure out.
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { CancellationManager, RequestKey } from '../../lib/index.js';
import { redisBus } from '../../lib/redis.js';
import { haveRedisServer, startRedisServer, until } from '../support/redis.js';
import { args, fullGc, intArg, main, now, report } from '../support/child.js';

const DEADLINE_MS = 10_000;
const SECRET = 'the bench deployment secret';


const quantile = (sorted: ReadonlyArray<number>, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] as number;

main(async () => {
  const a = args();
  const mode = a.get('mode') ?? 'paced';
  if (mode !== 'paced' && mode !== 'burst') throw new Error(`--mode=paced|burst expected, got ${mode}`);
  const n = intArg(a, 'n', 10_000);
  const rate = intArg(a, 'rate', 2_000);
  const warmup = intArg(a, 'warmup', 2_000);
  if (!haveRedisServer()) {
    process.stdout.write(`${JSON.stringify({ skipped: 'redis-server is not installed (apt-get install redis-server): no cross-instance figures' })}\n`);
    return;
  }
  const { port, server } = await startRedisServer();
  const clients: Redis[] = [];
  try {
    const client = (): Redis => {
      const c = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 50 });
      c.on('error', () => undefined); // refused until the server is up
      clients.push(c);
      return c;
    };
    const pubA = client();
    const subA = client();
    const pubB = client();
    const subB = client();
    await until(() => clients.every((c) => c.status === 'ready'), 10_000, 'redis-server ready');
    const busA = redisBus({ publisher: pubA, subscriber: subA, secret: SECRET, instanceId: 'A' });
    const busB = redisBus({ publisher: pubB, subscriber: subB, secret: SECRET, instanceId: 'B' });
    const A = new CancellationManager({ bus: busA });
    const B = new CancellationManager({ bus: busB });

    let applied = 0;
    /** Register keys [from, from + count) on B; returns the arrays their send and apply times go into. */
    const registerOnB = (from: number, count: number): { sent: Float64Array; got: Float64Array; keys: RequestKey[] } => {
      const sent = new Float64Array(count);
      const got = new Float64Array(count);
      const keys: RequestKey[] = [];
      for (let i = 0; i < count; i++) {
        const key = RequestKey.of(from + i, 'S');
        keys.push(key);
        if (!B.register(key)) throw new Error(`duplicate key ${from + i}`);
        B.cancelled(key).subscribe(() => {
          got[i] = now();
          applied++;
          // the request's teardown: it ends once cancelled
          queueMicrotask(() => B.complete(key));
        });
      }
      return { sent, got, keys };
    };
    /** Cancel every key through A, paced or in one loop; resolves once all are applied on B. */
    const run = async (batch: ReturnType<typeof registerOnB>, how: 'paced' | 'burst'): Promise<void> => {
      const { sent, keys } = batch;
      const target = applied + keys.length;
      // B's registrations check the records (one MGET per tick): let them finish first
      await new Promise((r) => setTimeout(r, 50));
      if (how === 'burst') {
        for (let i = 0; i < keys.length; i++) {
          sent[i] = now();
          if (A.cancel(keys[i] as RequestKey, 'bench') !== 'forwarded') throw new Error('A held a key of B');
        }
      } else {
        const t0 = now();
        let i = 0;
        await new Promise<void>((resolve, reject) => {
          const turn = (): void => {
            const due = Math.min(keys.length, Math.floor(((now() - t0) * rate) / 1000) + 1);
            for (; i < due; i++) {
              sent[i] = now();
              if (A.cancel(keys[i] as RequestKey, 'bench') !== 'forwarded') {
                reject(new Error('A held a key of B'));
                return;
              }
            }
            if (i < keys.length) setTimeout(turn, 0);
            else resolve();
          };
          turn();
        });
      }
      const last = sent[keys.length - 1] as number;
      await until(() => applied >= target, Math.max(0, last + DEADLINE_MS - now()) + 50, `${target - applied} of ${keys.length} cancels not applied on B within ${DEADLINE_MS / 1000} s`);
    };

    // wait until both buses are subscribed: a cancel from A reaches B
    const probe = registerOnB(2_000_000, 1);
    await until(
      () => {
        if (applied === 0) A.cancel(probe.keys[0] as RequestKey, 'probe');
        return applied === 1;
      },
      10_000,
      'first cancel across the bus',
    );
    // warm-up (JIT, connections), paced, not counted
    await run(registerOnB(1_000_000, warmup), 'paced');
    await fullGc();
    const measured = registerOnB(0, n);
    await run(measured, mode);
    const lat: number[] = [];
    for (let i = 0; i < n; i++) lat.push(((measured.got[i] as number) - (measured.sent[i] as number)) * 1e6);
    const sorted = [...lat].sort((x, y) => x - y);
    const maxNs = sorted[n - 1] as number;
    if (!(maxNs <= DEADLINE_MS * 1e6)) throw new Error(`a cancel took ${(maxNs / 1e9).toFixed(1)} s to apply (limit ${DEADLINE_MS / 1000} s)`);
    const firstSent = measured.sent[0] as number;
    const lastGot = Math.max(...measured.got);
    const sendNs = ((measured.sent[n - 1] as number) - firstSent) * 1e6;
    report(
      { medianNs: quantile(sorted, 0.5), p99Ns: quantile(sorted, 0.99), lastAppliedNs: (lastGot - firstSent) * 1e6, sendNs },
      { mode, n, rate: mode === 'paced' ? rate : undefined, warmup, p90Ns: quantile(sorted, 0.9), maxNs, redis: spawnSync('redis-server', ['--version']).stdout.toString().trim() },
    );
    A.dispose();
    B.dispose();
  } finally {
    for (const c of clients) c.disconnect();
    server.kill('SIGKILL');
  }
});
