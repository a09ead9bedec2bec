// Heap bytes per cancel that `redisBus` keeps to retry while Redis is down (ours only). A
// `redis-server` on a free port of 127.0.0.1 is started, the bus's two ioredis connections
// reach it, then it is killed; `n` cancels for keys not in flight here are published (each
// under one of `sessions` random-UUID sessions, with a reason of `reason` characters), and once
// every one of them is a `bus-record-failed` event the heap after a full GC, less the heap before,
// is divided by `n`. The handles the case itself keeps (the keys) live before the baseline.
//   --n=20000 --sessions=20 --reason=1 (a short reason) or --reason=1024 (the longest a peer's is kept)
//   --phase=pending: measure right after the publishes, without waiting for them to fail
//   --client=default: ioredis's defaults (a command waits for 20 reconnects) instead of failing fast;
//     with both, what a cancel costs while it waits in a client that is down (none, now: the bus
//     sends nothing to a client that is not ready)
// Run with --expose-gc. Without redis-server it prints a `skipped` line.
import { Redis } from 'ioredis';
import { CancelReason, RequestKey } from '../../lib/index.js';
import { redisBus } from '../../lib/redis.js';
import { haveRedisServer, startRedisServer, until } from '../support/redis.js';
import { args, fullGc, heapUsed, intArg, main, report } from '../support/child.js';


main(async () => {
  const a = args();
  const n = intArg(a, 'n', 20_000);
  const sessions = intArg(a, 'sessions', 20);
  const reasonLength = intArg(a, 'reason', 1);
  if (!haveRedisServer()) {
    process.stdout.write(`${JSON.stringify({ skipped: 'redis-server is not installed (apt-get install redis-server)' })}\n`);
    return;
  }
  const { port, server } = await startRedisServer();
  // as a deployment would configure them: reconnect for ever, fail a command after one attempt
  const client = (): Redis => {
    const c = a.get('client') === 'default' ? new Redis({ port, host: '127.0.0.1' }) : new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    c.on('error', () => undefined);
    return c;
  };
  const publisher = client();
  const subscriber = client();
  await until(() => publisher.status === 'ready' && subscriber.status === 'ready', 5_000, 'redis-server up');
  const bus = redisBus({ publisher, subscriber, secret: 'the bench deployment secret', maxRetries: n, maxRetryBytes: Number.MAX_SAFE_INTEGER });
  let failed = 0;
  let dropped = 0;
  bus.events$.subscribe((e) => {
    if (e.type === 'bus-record-failed') (e.dropped ? dropped++ : failed++);
  });
  bus.cancellations$.subscribe();
  server.kill('SIGKILL');
  await until(() => publisher.status !== 'ready', 5_000, 'redis-server down');
  // what the case holds, before the baseline: the keys and reasons as a peer's cancels would bring them
  const ids = Array.from({ length: sessions }, () => globalThis.crypto.randomUUID());
  const keys = Array.from({ length: n }, (_, i) => RequestKey.of(i, ids[i % sessions]));
  const filler = 'r'.repeat(Math.max(0, reasonLength - 6));
  const pending = a.get('phase') === 'pending';
  await fullGc();
  const before = heapUsed();
  // each cancel brings its own reason, as each peer's message does: the bus is then its one holder
  for (const [i, key] of keys.entries()) bus.publish(key, CancelReason.of('peer', `${filler}${String(i).padStart(6, '0')}`.slice(-reasonLength)));
  if (!pending) await until(() => failed + dropped === n, 60_000, 'every publish failed');
  await fullGc();
  const after = heapUsed();
  report({ retryBytesPerCancel: (after - before) / n }, { n, sessions, reasonLength, failed, dropped, before, after, kept: keys.length });
  publisher.disconnect();
  subscriber.disconnect();
});
