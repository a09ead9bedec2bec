import { expect } from 'chai';
import * as t from 'io-ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { firstValueFrom, interval, map, take, tap, type Subscription } from 'rxjs';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { JsonRpcError, connect, type WireTransport } from '../../lib/index.js';
import { streamableHttp, streamableHttpClient, type StreamableHttp } from '../../lib/http.js';
import { mcpClient, mcpServer, tool, type McpClient } from '../../lib/mcp.js';
import type { TaskEvent } from '../../lib/mcp/task-options.js';
import { TASKS_EXTENSION } from '../../lib/mcp/task-wire.js';
import { mcpGateway } from '../../lib/gateway.js';
import { ndjson } from '../../lib/stdio.js';
import { httpFront, rec, textOf, until, v1, type Front } from './support.js';

// Upstream tasks through the gateway (MCP 2026-07-28, the tasks extension): the upstream is our
// own mcpServer over Streamable HTTP on 127.0.0.1, whose tool runs only as a task; what the
// gateway writes upstream is recorded. A front that cannot take a task gets the result, the
// gateway following the task and cancelling it once; a 2026 front that declared the extension
// gets the task, and its task requests are forwarded for its own tasks only.

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('gateway: upstream tasks', function () {
  this.timeout(30_000);
  const sent: JsonRpcMessage[] = [];
  const settled: TaskEvent[] = [];
  let cleanups = 0;
  let upstreamHttp: StreamableHttp;
  let upstreamServer: Server;
  let upstreamUrl = '';
  let front: Front;

  const long = tool({
    name: 'long',
    args: t.type({ steps: t.number, ms: t.number }),
    // a task or -32021: only a request that declared the extension may call it
    task: 'required',
    run: ({ steps, ms }, ctx) => {
      ctx.onCleanup(() => void cleanups++);
      return interval(ms).pipe(
        take(steps),
        tap((i) => ctx.progress(i + 1, steps)),
        map(() => `counted to ${steps}`),
      );
    },
  });

  const recorded = (): WireTransport => {
    const tr = streamableHttpClient({ url: upstreamUrl });
    return { incoming$: tr.incoming$, send: (m, o) => (sent.push(m), tr.send(m, o)), close: () => tr.close() };
  };
  /** The task requests the gateway wrote upstream (`method`, `taskId`). */
  const taskCalls = (method: string, taskId?: string): JsonRpcMessage[] =>
    sent.filter((m) => 'method' in m && m.method === method && (taskId === undefined || rec(m.params)['taskId'] === taskId));
  const toolCalls = (): JsonRpcMessage[] => sent.filter((m) => 'method' in m && m.method === 'tools/call');
  /** The task id of a CreateTaskResult the upstream answered: the one created last. */
  const lastCreated = (): string => {
    const e = settled.concat().reverse().find((x) => x.type === 'task-created');
    return e?.type === 'task-created' ? e.taskId : '';
  };
  const settledOf = (taskId: string): TaskEvent[] => settled.filter((e) => e.type === 'task-settled' && e.taskId === taskId);

  before(async () => {
    const server = mcpServer({ info: { name: 'tasks-upstream', version: '1.0.0' }, tools: [long], tasks: { pollIntervalMs: 50, events: (e) => void settled.push(e) } });
    upstreamHttp = streamableHttp(server);
    upstreamServer = createServer((req, res) => void upstreamHttp.handle(req, res));
    await new Promise<void>((r) => upstreamServer.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstreamServer.address() as AddressInfo).port}/mcp`;
    front = await httpFront({ upstream: recorded, era: '2026-07-28' });
  });
  after(async () => {
    await front.stop();
    await upstreamHttp.close();
    upstreamServer.closeAllConnections();
    await new Promise((r) => upstreamServer.close(r));
  });

  it('should give a 2025-11-25 front the plain result of an upstream task, its progress as progress', async () => {
    const a = await v1(front.url);
    try {
      const before = toolCalls().length;
      const progress: number[] = [];
      const r = await a.call('long', { steps: 3, ms: 20 }, { onprogress: (p) => void progress.push(p.progress) });
      expect(textOf(r)).to.include('counted to 3');
      expect(r['resultType'], 'no task reaches a 2025 front').to.not.equal('task');
      // first as the front asked; the tool requires a task (-32021), so once more declaring the extension
      const declared = toolCalls().slice(before).map((m) => TASKS_EXTENSION in rec(rec(rec(rec('params' in m ? m.params : {})['_meta'])['io.modelcontextprotocol/clientCapabilities'])['extensions']));
      expect(declared).to.deep.equal([false, true]);
      const taskId = lastCreated();
      expect(settledOf(taskId).map((e) => e.type === 'task-settled' && e.status)).to.deep.equal(['completed']);
      expect(progress.length, 'the task progress reached the front').to.be.greaterThan(0);
      expect(progress.at(-1)).to.be.at.most(3);
      expect(taskCalls('tasks/cancel', taskId), 'no cancel after a terminal state').to.deep.equal([]);
    } finally {
      await a.close();
    }
  });

  it('should send exactly one upstream tasks/cancel when a 2025-11-25 front cancels mid-task, and answer it nothing', async () => {
    const a = await v1(front.url);
    try {
      const cleanupsBefore = cleanups;
      const ac = new AbortController();
      const call = a.call('long', { steps: 1_000, ms: 20 }, { signal: ac.signal, onprogress: (p) => void (p.progress >= 2 && ac.abort('user stop')) }).then(
        () => 'answered',
        () => 'aborted',
      );
      expect(await call).to.equal('aborted');
      const taskId = lastCreated();
      await until(() => settledOf(taskId).length === 1, 5_000, 'the upstream task to settle');
      expect(settledOf(taskId)[0]).to.deep.include({ status: 'cancelled' });
      expect(cleanups, "the tool's cleanup ran once").to.equal(cleanupsBefore + 1);
      await sleep(200);
      expect(taskCalls('tasks/cancel', taskId), 'exactly one upstream tasks/cancel').to.have.length(1);
      const ended = front.events.filter((e) => (e.type === 'request-cancelled' || e.type === 'request-completed' || e.type === 'request-failed') && e.method === 'tools/call').at(-1);
      expect(ended?.type, 'the front request ended cancelled, with no response').to.equal('request-cancelled');
    } finally {
      await a.close();
    }
  });

  it('should pass the task to a 2026 front that declared the extension, and forward its tasks/get and tasks/cancel', async () => {
    const c = mcpClient(streamableHttpClient({ url: front.url }), { info: { name: 'modern-front', version: '1.0.0' }, era: '2026-07-28' });
    let call: Subscription | undefined;
    try {
      const cleanupsBefore = cleanups;
      let taskId = '';
      const states: string[] = [];
      call = c.callTool('long', { steps: 1_000, ms: 20 }, { onTask: (task) => void ((taskId = task.taskId), states.push(task.status)) }).subscribe({ error: () => undefined });
      await until(() => taskId !== '', 5_000, 'the task at the front');
      expect(taskId, 'the upstream task id itself').to.equal(lastCreated());
      await until(() => taskCalls('tasks/get', taskId).length >= 1, 5_000, 'a tasks/get forwarded upstream');
      expect(taskCalls('tasks/cancel', taskId)).to.deep.equal([]);
      call.unsubscribe();
      await until(() => taskCalls('tasks/cancel', taskId).length === 1, 5_000, 'the tasks/cancel forwarded upstream');
      await until(() => settledOf(taskId).length === 1, 5_000, 'the upstream task to settle');
      expect(settledOf(taskId)[0]).to.deep.include({ status: 'cancelled' });
      expect(cleanups).to.equal(cleanupsBefore + 1);
      expect(states[0]).to.equal('working');
    } finally {
      call?.unsubscribe();
      c.close();
    }
  });

  it("should answer another front session's task requests -32602 and forward nothing of them", async () => {
    // two 2026 front sessions over ndjson pipes, each its own principal (`sender`), one upstream
    const gateway = mcpGateway({ upstream: recorded, era: '2026-07-28', sender: (ctx) => ctx.sessionId });
    const session = (sessionId: string): { client: McpClient; close: () => void } => {
      const up = new PassThrough();
      const down = new PassThrough();
      const served = connect(ndjson(up, down), { ...gateway, sessionId });
      const client = mcpClient(ndjson(down, up), { info: { name: sessionId, version: '1.0.0' }, era: '2026-07-28' });
      return { client, close: () => (client.close(), served.subscription.unsubscribe()) };
    };
    const alice = session('alice');
    const mallory = session('mallory');
    try {
      const created = rec(await firstValueFrom(alice.client.request('tools/call', { name: 'long', arguments: { steps: 1_000, ms: 20 } })));
      expect(created['resultType']).to.equal('task');
      const taskId = String(created['taskId']);
      const codeOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'answered', (e: unknown) => (e instanceof JsonRpcError ? e.code : e));
      expect(await codeOf(firstValueFrom(mallory.client.getTask(taskId)))).to.equal(-32602);
      expect(await codeOf(firstValueFrom(mallory.client.cancelTask(taskId)))).to.equal(-32602);
      expect(await codeOf(firstValueFrom(mallory.client.request('tasks/update', { taskId, inputResponses: {} })))).to.equal(-32602);
      expect([...taskCalls('tasks/get', taskId), ...taskCalls('tasks/cancel', taskId), ...taskCalls('tasks/update', taskId)], 'nothing of them went upstream').to.deep.equal([]);
      expect((await firstValueFrom(alice.client.getTask(taskId))).status, "the owner's own tasks/get is forwarded").to.equal('working');
      await firstValueFrom(alice.client.cancelTask(taskId));
      expect(taskCalls('tasks/get', taskId)).to.have.length(1);
      expect(taskCalls('tasks/cancel', taskId)).to.have.length(1);
      await until(() => settledOf(taskId).length === 1, 5_000, 'the upstream task to settle');
    } finally {
      alice.close();
      mallory.close();
      gateway.close();
    }
  });
});
