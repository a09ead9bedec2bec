// A task created and cancelled (ours only: the official SDKs have no tasks to cancel; TS v2
// removed them). An `mcpServer` with one tool that runs as a task and never ends by itself,
// served to a client peer in this process (messages through JSON, as on a wire); each iteration
// sends a `tools/call` that declares the tasks extension, waits for its `CreateTaskResult`, sends
// `tasks/cancel` for it, and waits until the task's cleanup ran on the server.
//   --store=memory: one instance, `memoryTaskStore`
//   --store=redis: two instances A and B on one redis-server (`redisTaskStore`, `redisBus`, each
//     its own registry): created on A, cancelled on B, its cleanup awaited on A
// Metrics: createNs (tools/call sent → CreateTaskResult), cancelNs (tasks/cancel sent → the
// task's cleanup ran where it runs), cycleNs (the two), medians over `n` iterations after
// `warmup`. Without redis-server, --store=redis prints a `skipped` line.
import { Subject, firstValueFrom, NEVER } from 'rxjs';
import { Redis } from 'ioredis';
import { CancellationManager, createPeer, type Peer } from '../../lib/index.js';
import { mcpServer, tool, TASKS_EXTENSION, type McpServer, type TaskStore } from '../../lib/mcp.js';
import { redisBus, redisTaskStore } from '../../lib/redis.js';
import { haveRedisServer, startRedisServer, until } from '../support/redis.js';
import { Counter, args, intArg, main, median, now, report } from '../support/child.js';

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } },
};

/** A client peer wired to `server` in memory, each message through JSON. */
const wire = (server: McpServer, manager?: CancellationManager): Peer => {
  const toServer = new Subject<unknown>();
  const toClient = new Subject<unknown>();
  const s = createPeer(toServer, { ...server, era: '2026-07-28', ...(manager === undefined ? {} : { manager }) });
  const c = createPeer(toClient, { era: '2026-07-28' });
  s.outgoing$.subscribe((m) => toClient.next(JSON.parse(JSON.stringify(m))));
  c.outgoing$.subscribe((m) => toServer.next(JSON.parse(JSON.stringify(m))));
  return c;
};

main(async () => {
  const a = args();
  const store = a.get('store') ?? 'memory';
  if (store !== 'memory' && store !== 'redis') throw new Error(`--store=memory|redis expected, got ${store}`);
  const n = intArg(a, 'n', store === 'memory' ? 5_000 : 1_000);
  const warmup = intArg(a, 'warmup', store === 'memory' ? 1_000 : 200);
  if (store === 'redis' && !haveRedisServer()) {
    process.stdout.write(`${JSON.stringify({ skipped: 'redis-server is not installed (apt-get install redis-server): no cross-instance task figure' })}\n`);
    return;
  }
  const cleanups = new Counter();
  const job = tool({
    name: 'job',
    task: 'optional',
    run: (_args, ctx) => {
      ctx.onCleanup(cleanups.hit);
      return NEVER;
    },
  });
  const redisServer = store === 'redis' ? await startRedisServer() : undefined;
  const clients: Redis[] = [];
  const redis = (): Redis => {
    const c = new Redis({ port: redisServer!.port, host: '127.0.0.1', retryStrategy: () => 50 });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  try {
    let onA: Peer;
    let onB: Peer;
    if (redisServer === undefined) {
      onA = wire(mcpServer({ info: { name: 'bench', version: '1' }, tools: [job], tasks: { maxPerOwner: 1_000_000 } }));
      onB = onA;
    } else {
      const instance = (name: string): Peer => {
        const manager = new CancellationManager({ bus: redisBus({ publisher: redis(), subscriber: redis(), secret: 'bench secret', instanceId: name }) });
        const taskStore: TaskStore = redisTaskStore({ client: redis(), subscriber: redis() });
        return wire(mcpServer({ info: { name, version: '1' }, tools: [job], tasks: { store: taskStore, manager, maxPerOwner: 1_000_000 } }), manager);
      };
      onA = instance('A');
      onB = instance('B');
      await until(() => clients.every((c) => c.status === 'ready'), 10_000, 'redis-server ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    const create: number[] = [];
    const cancel: number[] = [];
    for (let i = 0; i < warmup + n; i++) {
      const t0 = now();
      const created = (await firstValueFrom(onA.request<{ taskId: string }>('tools/call', { name: 'job', _meta: META }))).taskId;
      const t1 = now();
      const before = cleanups.count;
      await firstValueFrom(onB.request('tasks/cancel', { taskId: created, _meta: META }));
      await cleanups.within(before + 1, 10_000, 'the cancelled task to clean up');
      const t2 = now();
      if (i >= warmup) {
        create.push((t1 - t0) * 1e6);
        cancel.push((t2 - t1) * 1e6);
      }
    }
    const cycle = create.map((c, i) => c + (cancel[i] as number));
    report({ createNs: median(create), cancelNs: median(cancel), cycleNs: median(cycle) }, { store, n, warmup });
  } finally {
    for (const c of clients) c.disconnect();
    redisServer?.server.kill('SIGKILL');
  }
});
