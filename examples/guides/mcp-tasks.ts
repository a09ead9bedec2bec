import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import * as t from 'io-ts';
import { firstValueFrom, interval, map, take } from 'rxjs';
import { CancellationManager, type CancelReason } from '../../lib/index.js';
import { streamableHttp, streamableHttpClient } from '../../lib/http.js';
import { inputRequired, mcpClient, mcpServer, tool, type McpServer, type TaskStore } from '../../lib/mcp.js';
import { redisBus, redisTaskStore } from '../../lib/redis.js';

// Long work as MCP 2026-07-28 tasks (the io.modelcontextprotocol/tasks extension): a tool that
// runs as a task, a client that follows it to its result without knowing it was one, input the
// task asks for while it runs, a cancel that is one unsubscribe, a task picked up again after the
// client restarts, and two instances sharing their tasks on Redis (when redis-server is there).
// Run: npx tsx examples/guides/mcp-tasks.ts

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- the server: a tool that runs as a task ---------------------------------------------------
let cleanups = 0;
const report = tool({
  name: 'build_report',
  description: 'Builds a report, one section every `ms`; long, so it runs as a task',
  args: t.type({ sections: t.number, ms: t.number }),
  // a task whenever the request declares the extension; a plain call otherwise
  task: 'optional',
  run: ({ sections, ms }, ctx) => {
    // once, whatever the end: completed, tasks/cancel, its TTL, the server's close
    ctx.onCleanup(() => {
      cleanups++;
      const why = ctx.signal.aborted ? ` (${(ctx.signal.reason as CancelReason).method ?? (ctx.signal.reason as CancelReason).source})` : '';
      print(`server  cleanup of task ${short(ctx.requestId)}${why}`);
    });
    return interval(ms).pipe(
      take(sections),
      // a task sends no progress notification: this becomes its statusMessage (and onProgress)
      map((i) => (ctx.progress(i + 1, sections, `section ${i + 1}/${sections}`), `A report of ${sections} sections`)),
    );
  },
});
const publish = tool({
  name: 'publish',
  description: 'Publishes, once someone approves (asked while the task runs)',
  task: 'optional',
  run: (_args, ctx) => {
    // the same input API as a plain call's input rounds: in a task it is answered by tasks/update
    const ok = ctx.inputResponses.accepted('approve', t.type({ approved: t.boolean }));
    if (ok === undefined) return Promise.resolve(inputRequired({ inputRequests: { approve: inputRequired.elicit({ message: 'Publish the report?', requestedSchema: { type: 'object', properties: { approved: { type: 'boolean' } } } }) } }));
    return Promise.resolve(ok.approved ? 'Published' : 'Not published');
  },
});

const short = (id: unknown): string => String(id).slice(0, 8);

/** An mcpServer over Streamable HTTP on 127.0.0.1: its URL, and how to stop it. */
const serve = async (server: McpServer, manager?: CancellationManager): Promise<{ url: string; stop: () => Promise<void> }> => {
  const mcp = streamableHttp({ ...server, ...(manager === undefined ? {} : { manager }) });
  const http: Server = createServer((req, res) => void mcp.handle(req, res));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    stop: async () => {
      server.close();
      await mcp.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    },
  };
};

const one = mcpServer({ info: { name: 'reports', version: '1.0.0' }, tools: [report, publish], tasks: { pollIntervalMs: 100 } });
const { url, stop } = await serve(one);

// ---- the client: callTool follows a task to its result -----------------------------------------
const client = mcpClient(streamableHttpClient({ url }), {
  info: { name: 'reports-app', version: '1.0.0' },
  era: '2026-07-28',
  // answers what a task asks while it runs, as it answers input rounds
  handlers: { elicitation: (p) => (print(`client  asked: ${p.message}`), Promise.resolve({ action: 'accept', content: { approved: true } })) },
});
const built = await firstValueFrom(
  client.callTool('build_report', { sections: 3, ms: 50 }, {
    onTask: (task) => print(`client  task ${task.status}${task.statusMessage === undefined ? '' : `: ${task.statusMessage}`}`),
    onProgress: (p) => print(`client  progress ${p.progress}/${p.total ?? '?'}`),
  }),
);
print(`client  result: ${built.content.map((c) => c.text).join('')}`);

const published = await firstValueFrom(client.callTool('publish'));
print(`client  result: ${published.content.map((c) => c.text).join('')}`);

// ---- cancelling is unsubscribing: one tasks/cancel ---------------------------------------------
let taskId = '';
const call = client.callTool('build_report', { sections: 1_000, ms: 20 }, { onTask: (task) => void (taskId = task.taskId) }).subscribe();
while (taskId === '') await sleep(5);
const before = cleanups;
call.unsubscribe();
while (cleanups === before) await sleep(5);
print(`client  after the cancel: ${(await firstValueFrom(client.getTask(taskId))).status}`);

// ---- picked up again after a restart: the task id is all it takes ------------------------------
let saved = '';
client.callTool('build_report', { sections: 5, ms: 40 }, { onTask: (task) => void (saved = task.taskId) }).subscribe({ error: () => print('client  the app stops; its task runs on') });
while (saved === '') await sleep(5);
// the app stops: its connection closes, and no tasks/cancel can leave it; the task runs on
client.close();
const restarted = mcpClient(streamableHttpClient({ url }), { info: { name: 'reports-app', version: '1.0.0' }, era: '2026-07-28' });
const again = await firstValueFrom(restarted.followTask(saved));
print(`client  after a restart: ${again.content.map((c) => c.text).join('')}`);
restarted.close();
await stop();

// ---- two instances, one Redis: created on A, cancelled on B, stopped on A ----------------------
if (spawnSync('redis-server', ['--version']).status !== 0) {
  print('redis-server is not installed: no two-instance part');
  process.exit(0);
}
const port = 20_000 + Math.floor(Math.random() * 20_000);
const redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const clients: Redis[] = [];
const redis = (): Redis => {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
};
while (clients.length === 0 || clients[0]!.status !== 'ready') {
  if (clients.length === 0) redis();
  await sleep(10);
}

/** One instance: its own registry on the shared bus, the shared task store. */
const instance = (name: string) => {
  const manager = new CancellationManager({ bus: redisBus({ publisher: redis(), subscriber: redis(), secret: 'the secret every instance shares' }) });
  const store: TaskStore = redisTaskStore({ client: redis(), subscriber: redis() });
  return serve(mcpServer({ info: { name, version: '1.0.0' }, tools: [report], tasks: { store, manager } }), manager);
};
const a = await instance('A');
const b = await instance('B');
await sleep(100);
const onA = mcpClient(streamableHttpClient({ url: a.url }), { info: { name: 'app', version: '1.0.0' }, era: '2026-07-28' });
const onB = mcpClient(streamableHttpClient({ url: b.url }), { info: { name: 'app', version: '1.0.0' }, era: '2026-07-28' });
let shared = '';
onA.callTool('build_report', { sections: 1_000, ms: 20 }, { onTask: (task) => void (shared = task.taskId) }).subscribe({ error: () => undefined });
while (shared === '') await sleep(5);
print(`client  on B, the task created on A is ${(await firstValueFrom(onB.getTask(shared))).status}`);
const running = cleanups;
await firstValueFrom(onB.cancelTask(shared));
// the work stops where it runs: on A
while (cleanups === running) await sleep(5);
let status = '';
for (let i = 0; i < 100 && status !== 'cancelled'; i++) status = (await firstValueFrom(onB.getTask(shared))).status;
print(`client  on B after its tasks/cancel: ${status}`);
onA.close();
onB.close();
await a.stop();
await b.stop();
for (const c of clients) c.disconnect();
redisServer.kill('SIGKILL');
