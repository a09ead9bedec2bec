import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import * as t from 'io-ts';
import { interval, map, take } from 'rxjs';
import { META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION } from '../../lib/codec/era.js';
import { CancellationManager, type CancelReason } from '../../lib/index.js';
import { streamableHttp, type StreamableHttp } from '../../lib/http.js';
import { inputRequired, mcpServer, tool, TASKS_EXTENSION, type McpServer, type TaskEvent } from '../../lib/mcp.js';
import { redisBus, redisTaskStore } from '../../lib/redis.js';
import { redisForSuite } from '../support/redis-server.js';
import { headers2026, post, until } from '../transport/http/support.js';

// Tasks across instances, on a real redis-server: two streamableHttp instances, each its own
// registry with a redisBus, one redisTaskStore. A task created on A is read, answered and
// cancelled on B; the work stops where it runs, every instance then reports the same terminal
// state; a tasks/cancel received during a Redis outage is applied once Redis is back.

type Rec = Record<string, unknown>;
const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});
const meta = { _meta: { [META_PROTOCOL_VERSION]: '2026-07-28', [META_CLIENT_CAPABILITIES]: { extensions: { [TASKS_EXTENSION]: {} }, elicitation: {} } } };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Instance {
  readonly name: string;
  readonly url: string;
  readonly server: McpServer;
  readonly cleanups: string[];
  readonly reasons: CancelReason[];
  readonly events: TaskEvent[];
  stop(): Promise<void>;
}

describe('tasks across instances (real redis-server)', function () {
  this.timeout(30_000);
  const redisServer = redisForSuite();
  const running: Instance[] = [];
  let ns = 0;
  afterEach(async () => {
    for (const i of running.splice(0)) await i.stop();
  });

  const instance = async (name: string, namespace: string, maxPerOwner = 1_000): Promise<Instance> => {
    const cleanups: string[] = [];
    const reasons: CancelReason[] = [];
    const events: TaskEvent[] = [];
    const count = tool({
      name: 'count',
      task: 'optional',
      args: t.type({ steps: t.number }),
      run: ({ steps }, ctx) => {
        ctx.onCleanup(() => void cleanups.push(name));
        ctx.signal.addEventListener('abort', () => void reasons.push(ctx.signal.reason as CancelReason));
        return interval(20).pipe(
          take(steps),
          map(() => `${name} counted ${steps}`),
        );
      },
    });
    const confirm = tool({
      name: 'confirm',
      task: 'optional',
      run: (_a, ctx) => {
        const ok = ctx.inputResponses.accepted('ok', t.type({ sure: t.boolean }));
        if (ok !== undefined) return Promise.resolve(`${name}: sure=${String(ok.sure)}`);
        // the first round: the task's one cleanup
        ctx.onCleanup(() => void cleanups.push(name));
        return Promise.resolve(inputRequired({ inputRequests: { ok: inputRequired.elicit({ message: 'Sure?', requestedSchema: { type: 'object', properties: { sure: { type: 'boolean' } } } }) } }));
      },
    });
    const bus = redisBus({ publisher: redisServer().client(), subscriber: redisServer().client(), secret: 'tasks spec secret', namespace, instanceId: name });
    const manager = new CancellationManager({ bus });
    const store = redisTaskStore({ client: redisServer().client(), subscriber: redisServer().client(), namespace });
    const server = mcpServer({ info: { name, version: '1' }, tools: [count, confirm], tasks: { store, manager, maxPerOwner, events: (e) => void events.push(e) } });
    const mcp: StreamableHttp = streamableHttp({ ...server, manager });
    const http: Server = createServer((req, res) => void mcp.handle(req, res));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    const i: Instance = {
      name,
      url,
      server,
      cleanups,
      reasons,
      events,
      stop: async () => {
        server.close();
        await mcp.close();
        http.closeAllConnections();
        await new Promise((r) => http.close(r));
        manager.dispose();
      },
    };
    running.push(i);
    return i;
  };
  const pair = async (maxPerOwner?: number): Promise<[Instance, Instance]> => {
    const namespace = `tasks-${++ns}`;
    const a = await instance('A', namespace, maxPerOwner);
    const b = await instance('B', namespace, maxPerOwner);
    await sleep(100); // both buses subscribed
    return [a, b];
  };

  let id = 0;
  const call = async (i: Instance, method: string, params: Rec, name?: string): Promise<Rec> => {
    const r = await post(i.url, { jsonrpc: '2.0', id: ++id, method, params: { ...params, ...meta } }, headers2026(method, name));
    const text = await r.text();
    const line = text.split('\n').find((l) => l.startsWith('{') || l.startsWith('data: {')) ?? text;
    return rec(JSON.parse(line.startsWith('data: ') ? line.slice(6) : line));
  };
  const status = async (i: Instance, taskId: string): Promise<unknown> => rec((await call(i, 'tasks/get', { taskId }, taskId))['result'])['status'];

  it('should read on B a task created on A, stop it on A when B receives tasks/cancel, and agree on cancelled', async () => {
    const [a, b] = await pair();
    const created = rec((await call(a, 'tools/call', { name: 'count', arguments: { steps: 10_000 } }, 'count'))['result']);
    const taskId = created['taskId'] as string;
    expect(await status(b, taskId)).to.equal('working');
    const ack = rec((await call(b, 'tasks/cancel', { taskId }, taskId))['result']);
    expect(ack['resultType']).to.equal('complete');
    await until(() => a.cleanups.length === 1, 5_000, 'the work on A to stop');
    expect(a.reasons).to.deep.equal([{ source: 'peer', reason: 'tasks/cancel', method: 'tasks/cancel', via: 'bus' }]);
    await until(() => a.events.some((e) => e.type === 'task-settled'), 2_000, 'A to settle it');
    for (let k = 0; k < 50 && (await status(b, taskId)) !== 'cancelled'; k++) await sleep(20);
    expect([await status(a, taskId), await status(b, taskId)]).to.deep.equal(['cancelled', 'cancelled']);
    expect(b.cleanups).to.deep.equal([]);
    expect(a.cleanups).to.deep.equal(['A']);
  });

  it('should take on B the answer to input a task on A waits for, and finish it on A', async () => {
    const [a, b] = await pair();
    const taskId = rec((await call(a, 'tools/call', { name: 'confirm' }, 'confirm'))['result'])['taskId'] as string;
    let task: Rec = {};
    for (let k = 0; k < 100 && task['status'] !== 'input_required'; k++) task = rec((await call(b, 'tasks/get', { taskId }, taskId))['result']);
    const [key] = Object.keys(rec(task['inputRequests']));
    await call(b, 'tasks/update', { taskId, inputResponses: { [key!]: { action: 'accept', content: { sure: true } } } }, taskId);
    for (let k = 0; k < 100 && task['status'] !== 'completed'; k++) {
      await sleep(20);
      task = rec((await call(b, 'tasks/get', { taskId }, taskId))['result']);
    }
    expect(task['result']).to.deep.equal({ content: [{ type: 'text', text: 'A: sure=true' }] });
    expect(a.cleanups).to.deep.equal(['A']);
  });

  it('should refuse on B a task id it cannot know, and keep one owner to at most maxPerOwner tasks across instances', async () => {
    const [a, b] = await pair(2);
    expect(rec((await call(b, 'tasks/get', { taskId: 'f'.repeat(32) }, 'f'.repeat(32)))['error'])['code']).to.equal(-32602);
    const ids: string[] = [];
    for (const i of [a, b]) ids.push(rec((await call(i, 'tools/call', { name: 'count', arguments: { steps: 10_000 } }, 'count'))['result'])['taskId'] as string);
    expect(rec((await call(a, 'tools/call', { name: 'count', arguments: { steps: 10_000 } }, 'count'))['error'])).to.deep.include({ code: -32603, data: { maxPerOwner: 2 } });
    for (const taskId of ids) await call(b, 'tasks/cancel', { taskId }, taskId);
    await until(() => a.cleanups.length + b.cleanups.length === 2, 5_000, 'both tasks to stop where they run');
    expect([a.cleanups, b.cleanups]).to.deep.equal([['A'], ['B']]);
  });

  it('should apply a tasks/cancel received during a Redis outage once Redis is back, and settle the task cancelled', async () => {
    const [a, b] = await pair();
    const taskId = rec((await call(a, 'tools/call', { name: 'count', arguments: { steps: 100_000 } }, 'count'))['result'])['taskId'] as string;
    redisServer().kill();
    await sleep(200);
    // B cannot read the store: the bus keeps the cancel, and B acks
    const ack = await call(b, 'tasks/cancel', { taskId }, taskId);
    expect(rec(ack['result'])['resultType']).to.equal('complete');
    await sleep(500);
    expect(a.cleanups).to.deep.equal([]);
    redisServer().restart();
    await until(() => a.cleanups.length === 1, 15_000, 'the cancel to reach A after the outage');
    expect(a.reasons.map((r) => r.method)).to.deep.equal(['tasks/cancel']);
    // Redis lost its data: A writes its task again, settled
    let s: unknown;
    for (let k = 0; k < 200 && s !== 'cancelled'; k++) {
      await sleep(50);
      s = rec((await call(b, 'tasks/get', { taskId }, taskId))['result'])['status'];
    }
    expect(s).to.equal('cancelled');
  });

  it('should write the result of a task that finished during a Redis outage once Redis is back, for every instance to read', async () => {
    const [a, b] = await pair();
    const taskId = rec((await call(a, 'tools/call', { name: 'count', arguments: { steps: 15 } }, 'count'))['result'])['taskId'] as string;
    redisServer().kill();
    await until(() => a.cleanups.length === 1, 5_000, 'the task to finish while Redis is down');
    await sleep(300);
    redisServer().restart();
    let task: Rec = {};
    for (let k = 0; k < 200 && task['status'] !== 'completed'; k++) {
      await sleep(50);
      task = rec((await call(b, 'tasks/get', { taskId }, taskId))['result']);
    }
    expect(task).to.deep.include({ status: 'completed', result: { content: [{ type: 'text', text: 'A counted 15' }] } });
    expect(a.events.filter((e) => e.type === 'task-store-failed').length).to.be.greaterThan(0);
  });
});
