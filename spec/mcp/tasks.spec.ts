import { expect } from 'chai';
import fc from 'fast-check';
import * as t from 'io-ts';
import { defer, interval, map, take, tap, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ErrorCodes, JsonRpcError, type CancelReason } from '../../lib/index.js';
import { inputRequired, mcpServer, resource, tool, type McpContext } from '../../lib/mcp.js';
import { memoryTaskStore } from '../../lib/mcp/memory-task-store.js';
import { applyTaskChange, type TaskChange } from '../../lib/mcp/task-change.js';
import type { TaskRecord } from '../../lib/mcp/task-record.js';
import { TASK_CANCELLED, taskKey } from '../../lib/mcp/task-key.js';
import type { TaskEvent } from '../../lib/mcp/task-options.js';
import { taskRuntime } from '../../lib/mcp/tasks.js';
import { TASKS_EXTENSION, isTerminal } from '../../lib/mcp/task-wire.js';
import { until } from '../transport/support.js';
import { meta2026, rec, serving, type Rec } from './serving.js';

// The tasks extension on the server (MCP 2026-07-28, io.modelcontextprotocol/tasks), in process:
// who gets a task, its states, tasks/get, tasks/update, tasks/cancel, its TTL, its owner, and the
// race between a task's end and its cancel.

const withTasks = (extra: Rec = {}): Rec => meta2026({ 'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} }, elicitation: {} }, ...extra });
const info = { name: 's', version: '1' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('mcpServer tasks', () => {
  const seen: { cleanups: number; reasons: unknown[] } = { cleanups: 0, reasons: [] };
  beforeEach(() => {
    seen.cleanups = 0;
    seen.reasons = [];
  });
  const slow = tool({
    name: 'slow',
    args: t.type({ steps: t.number }),
    task: 'optional',
    run: ({ steps }, ctx) => {
      ctx.onCleanup(() => void seen.cleanups++);
      ctx.signal.addEventListener('abort', () => void seen.reasons.push(ctx.signal.reason));
      return interval(10).pipe(
        take(steps),
        tap((i) => ctx.progress(i + 1, steps)),
        map(() => `counted ${steps}`),
      );
    },
  });
  const must = tool({ name: 'must', task: 'required', run: () => Promise.resolve('done') });
  const broken = tool({ name: 'broken', task: 'optional', run: () => Promise.reject(new JsonRpcError(ErrorCodes.InternalError, 'exploded')) });
  const failing = tool({ name: 'failing', task: 'optional', run: () => Promise.reject(new Error('the tool failed')) });
  const ask = tool({
    name: 'ask',
    task: 'optional',
    run: (_a, ctx) => {
      const a = ctx.inputResponses.accepted('a', t.type({ v: t.string }));
      const b = ctx.inputResponses.accepted('b', t.type({ v: t.string }));
      if (a !== undefined && b !== undefined) return Promise.resolve(`${a.v}+${b.v}`);
      const form = (message: string) => inputRequired.elicit({ message, requestedSchema: { type: 'object', properties: { v: { type: 'string' } } } });
      return Promise.resolve(inputRequired({ inputRequests: { a: form('a?'), b: form('b?') } }));
    },
  });
  const server = (options: Parameters<typeof mcpServer>[0]['tasks'] = {}) => serving(mcpServer({ info, tools: [slow, must, broken, failing, ask], tasks: options }));
  const getTask = async (s: ReturnType<typeof server>, id: number, taskId: unknown): Promise<Rec> => rec((await s.answer(id, 'tasks/get', { taskId, ...withTasks() }))['result']);
  const terminal = async (s: ReturnType<typeof server>, taskId: unknown, from = 1000): Promise<Rec> => {
    for (let i = from; ; i++) {
      const r = await getTask(s, i, taskId);
      if (r['status'] === 'completed' || r['status'] === 'failed' || r['status'] === 'cancelled') return r;
      await sleep(10);
    }
  };

  it('should name the extension in server/discover, and answer with a task only a request that declares it', async () => {
    const s = server();
    const d = rec((await s.answer(1, 'server/discover', meta2026()))['result']);
    expect(rec(d['capabilities'])['extensions']).to.deep.equal({ [TASKS_EXTENSION]: {} });
    const plain = rec((await s.answer(2, 'tools/call', { name: 'slow', arguments: { steps: 1 }, ...meta2026() }))['result']);
    expect(plain).to.deep.include({ resultType: 'complete', content: [{ type: 'text', text: 'counted 1' }] });
    const created = rec((await s.answer(3, 'tools/call', { name: 'slow', arguments: { steps: 2 }, ...withTasks() }))['result']);
    expect(created['resultType']).to.equal('task');
    expect(created['taskId']).to.match(/^[0-9a-f]{32}$/);
    expect(created).to.deep.include({ status: 'working', ttlMs: 3_600_000, pollIntervalMs: 1_000 });
    expect(created).to.not.have.any.keys('result', 'error', 'inputRequests', 'requestState', 'task');
    const required = rec((await s.answer(4, 'tools/call', { name: 'must', ...meta2026() }))['error']);
    expect(required).to.deep.equal({ code: -32021, message: 'Missing required client capability: io.modelcontextprotocol/tasks', data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } } });
    await terminal(s, created['taskId']);
  });

  it('should run a task to its result, keep a tool error completed and a protocol error failed, with its progress as statusMessage', async () => {
    const s = server();
    const created = rec((await s.answer(1, 'tools/call', { name: 'slow', arguments: { steps: 5 }, ...withTasks() }))['result']);
    await until(() => seen.cleanups === 1, 2_000, 'the task to end');
    const done = await terminal(s, created['taskId']);
    expect(done).to.deep.include({ status: 'completed', resultType: 'complete', statusMessage: '5/5', result: { content: [{ type: 'text', text: 'counted 5' }] } });
    const toolError = await terminal(s, rec((await s.answer(2, 'tools/call', { name: 'failing', ...withTasks() }))['result'])['taskId'], 2000);
    expect(toolError).to.deep.include({ status: 'completed', result: { content: [{ type: 'text', text: 'the tool failed' }], isError: true } });
    const failed = await terminal(s, rec((await s.answer(3, 'tools/call', { name: 'broken', ...withTasks() }))['result'])['taskId'], 3000);
    expect(failed).to.deep.include({ status: 'failed', error: { code: -32603, message: 'exploded' } });
    expect(failed).to.not.have.property('result');
  });

  it('should stop a task on tasks/cancel: an empty ack, its work unsubscribed, its signal aborted by tasks/cancel, its cleanups once', async () => {
    const s = server();
    const created = rec((await s.answer(1, 'tools/call', { name: 'slow', arguments: { steps: 1000 }, ...withTasks() }))['result']);
    const ack = await s.answer(2, 'tasks/cancel', { taskId: created['taskId'], ...withTasks() });
    expect(Object.keys(rec(ack['result'])).sort()).to.deep.equal(['_meta', 'resultType']);
    const done = await terminal(s, created['taskId']);
    expect(done).to.deep.include({ status: 'cancelled', statusMessage: 'cancelled by tasks/cancel' });
    expect(seen.reasons).to.deep.equal([{ source: 'peer', reason: 'tasks/cancel', method: 'tasks/cancel' } satisfies CancelReason]);
    expect(seen.cleanups).to.equal(1);
    // a terminal task: the same empty ack, and nothing changes
    expect(rec((await s.answer(3, 'tasks/cancel', { taskId: created['taskId'], ...withTasks() }))['result'])['resultType']).to.equal('complete');
    expect((await getTask(s, 4, created['taskId']))['status']).to.equal('cancelled');
    expect(seen.cleanups).to.equal(1);
  });

  it('should refuse what the extension forbids: unknown ids -32602, a client without it -32021, tasks/result -32601, bad params -32602', async () => {
    const s = server();
    const code = async (id: number, method: string, params: Rec): Promise<unknown> => rec((await s.answer(id, method, params))['error'])['code'];
    expect(await code(1, 'tasks/get', { taskId: 'nope', ...withTasks() })).to.equal(-32602);
    expect(await code(2, 'tasks/cancel', { taskId: 'nope', ...withTasks() })).to.equal(-32602);
    expect(await code(3, 'tasks/update', { taskId: 'nope', inputResponses: {}, ...withTasks() })).to.equal(-32602);
    for (const [i, m] of ['tasks/get', 'tasks/cancel'].entries()) expect(await code(10 + i, m, { taskId: 'x', ...meta2026() })).to.equal(-32021);
    expect(await code(20, 'tasks/result', { taskId: 'x', ...withTasks() })).to.equal(-32601);
    expect(await code(21, 'tasks/list', withTasks())).to.equal(-32601);
    expect(await code(22, 'tasks/get', { taskId: 'x'.repeat(129), ...withTasks() })).to.equal(-32602);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, {}]));
    expect(await code(23, 'tasks/update', { taskId: 'x', inputResponses: many, ...withTasks() })).to.equal(-32602);
  });

  it("should keep a task to its owner: another owner's get, update and cancel are -32602, and its work runs on", async () => {
    // the owner is read from the request: here from a made-up _meta member the test controls
    const s = serving(mcpServer({ info, tools: [slow], tasks: { owner: (ctx) => (rec(ctx.clientCapabilities)['user'] as string | undefined) ?? 'nobody' } }));
    const as = (user: string, extra: Rec = {}): Rec => meta2026({ 'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} }, user }, ...extra });
    const created = rec((await s.answer(1, 'tools/call', { name: 'slow', arguments: { steps: 1000 }, ...as('alice') }))['result']);
    for (const [i, m] of ['tasks/get', 'tasks/cancel'].entries())
      expect(rec((await s.answer(2 + i, m, { taskId: created['taskId'], ...as('mallory') }))['error'])).to.deep.equal({ code: -32602, message: 'Failed to retrieve task: Task not found or expired' });
    expect(rec((await s.answer(5, 'tasks/get', { taskId: created['taskId'], ...as('alice') }))['result'])['status']).to.equal('working');
    expect(seen.reasons).to.deep.equal([]);
    await s.answer(6, 'tasks/cancel', { taskId: created['taskId'], ...as('alice') });
    await until(() => seen.cleanups === 1, 2_000, 'the task to end');
  });

  it('should post the input a task needs and take tasks/update answers, partially, with keys never reused', async () => {
    const s = server();
    const created = rec((await s.answer(1, 'tools/call', { name: 'ask', ...withTasks() }))['result']);
    const id = created['taskId'];
    let task: Rec = {};
    for (let i = 100; task['status'] !== 'input_required'; i++) task = await getTask(s, i, id);
    const keys = Object.keys(rec(task['inputRequests']));
    expect(keys).to.deep.equal(['1:a', '1:b']);
    const ack = rec((await s.answer(2, 'tasks/update', { taskId: id, inputResponses: { '1:a': { action: 'accept', content: { v: 'x' } }, stranger: {} }, ...withTasks() }))['result']);
    expect(ack['resultType']).to.equal('complete');
    const partial = await getTask(s, 3, id);
    expect(partial['status']).to.equal('input_required');
    expect(Object.keys(rec(partial['inputRequests']))).to.deep.equal(['1:b']);
    await s.answer(4, 'tasks/update', { taskId: id, inputResponses: { '1:b': { action: 'accept', content: { v: 'y' } } }, ...withTasks() });
    const done = await terminal(s, id);
    expect(done).to.deep.include({ status: 'completed', result: { content: [{ type: 'text', text: 'x+y' }] } });
  });

  it('should run again at once a task round that keeps a state and asks nothing, never showing input_required', async () => {
    const stepped = tool({ name: 'stepped', task: 'optional', run: (_a, ctx) => Promise.resolve(ctx.requestState === undefined ? inputRequired({ requestState: { step: 2 } }) : `done at ${JSON.stringify(ctx.requestState)}`) });
    const s = serving(mcpServer({ info, tools: [stepped] }));
    const created = rec((await s.answer(1, 'tools/call', { name: 'stepped', ...withTasks() }))['result']);
    const statuses: unknown[] = [];
    let task: Rec = {};
    for (let i = 10; task['status'] !== 'completed' && i < 200; i++) statuses.push((task = await getTask(s, i, created['taskId']))['status']);
    expect(task['result']).to.deep.equal({ content: [{ type: 'text', text: 'done at {"step":2}' }] });
    expect(statuses).to.not.include('input_required');
  });

  it('should end the work when the TTL passes, and forget the task', async () => {
    const s = server({ ttlMs: 150 });
    const created = rec((await s.answer(1, 'tools/call', { name: 'slow', arguments: { steps: 1000 }, ...withTasks() }))['result']);
    expect(created['ttlMs']).to.equal(150);
    await until(() => seen.cleanups === 1, 2_000, 'the expiry to end the work');
    expect(seen.reasons).to.deep.equal([{ source: 'timeout', reason: 'the task outlived its ttlMs' }]);
    expect(rec((await s.answer(2, 'tasks/get', { taskId: created['taskId'], ...withTasks() }))['error'])['code']).to.equal(-32602);
  });

  it('should bound the tasks one owner holds', async () => {
    const s = server({ maxPerOwner: 2 });
    const ids: unknown[] = [];
    for (let i = 1; i <= 2; i++) ids.push(rec((await s.answer(i, 'tools/call', { name: 'slow', arguments: { steps: 1000 }, ...withTasks() }))['result'])['taskId']);
    const refused = rec((await s.answer(3, 'tools/call', { name: 'slow', arguments: { steps: 1000 }, ...withTasks() }))['error']);
    expect(refused).to.deep.include({ code: -32603, data: { maxPerOwner: 2 } });
    for (const [i, id] of ids.entries()) await s.answer(10 + i, 'tasks/cancel', { taskId: id, ...withTasks() });
    await until(() => seen.cleanups === 2, 2_000, 'both to end');
  });

  it('should not stop a task when its tools/call connection closes after CreateTaskResult', async () => {
    const s = server();
    const created = rec((await s.answer(1, 'tools/call', { name: 'slow', arguments: { steps: 3 }, ...withTasks() }))['result']);
    s.incoming.complete();
    await until(() => seen.cleanups === 1, 2_000, 'the task to finish');
    expect(seen.reasons).to.deep.equal([]);
    expect(created['status']).to.equal('working');
  });

  it('should never start a task whose call was cancelled before its CreateTaskResult, and settle it cancelled', async () => {
    const store = memoryTaskStore();
    const created: string[] = [];
    // a store slow to write: the call's cancel comes while the task is being stored
    const slowStore = { ...store, create: (r: TaskRecord, max: number) => sleep(50).then(() => (created.push(r.taskId), store.create(r, max))) };
    const events: TaskEvent[] = [];
    const s = serving(mcpServer({ info, tools: [slow], tasks: { store: slowStore, events: (e) => void events.push(e) } }));
    s.incoming.next({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: { steps: 1000 }, ...withTasks() } });
    await sleep(10);
    s.incoming.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } });
    await until(() => events.length === 1, 2_000, 'the task to settle');
    expect(events[0]).to.deep.include({ type: 'task-settled', status: 'cancelled' });
    expect((await store.get(created[0]!))?.status).to.equal('cancelled');
    // its work never started, and the cancelled call got no response
    expect([seen.cleanups, seen.reasons.length]).to.deep.equal([0, 0]);
    expect(s.out.filter((m) => rec(m)['id'] === 1)).to.deep.equal([]);
  });

  it('should cancel every task running on close, each settling cancelled with its cleanups once', async () => {
    const m = mcpServer({ info, tools: [slow] });
    const s = serving(m);
    const created = rec((await s.answer(1, 'tools/call', { name: 'slow', arguments: { steps: 1000 }, ...withTasks() }))['result']);
    m.close();
    expect(seen.reasons).to.deep.equal([{ source: 'close', reason: 'the server closed' }]);
    expect(seen.cleanups).to.equal(1);
    const done = await terminal(s, created['taskId']);
    expect(done['status']).to.equal('cancelled');
    expect(m.tasks?.running()).to.equal(0);
  });
});

describe('mcpServer subscriptions/listen', () => {
  const job = tool({ name: 'job', task: 'optional', args: t.type({ steps: t.number }), run: ({ steps }) => interval(10).pipe(take(steps), map((i) => `step ${i + 1}`)) });
  const notes = resource({ uri: 'notes://today', name: 'today', read: () => Promise.resolve([{ uri: 'notes://today', text: 'x' }]) });
  const messagesOf = (out: readonly unknown[], id: number): Rec[] => out.map(rec).filter((m) => rec(rec(m['params'])['_meta'])['io.modelcontextprotocol/subscriptionId'] === id || m['id'] === id);

  it('should acknowledge first, then send each state of the tasks asked for, then end with its result once they are terminal', async () => {
    const s = serving(mcpServer({ info, tools: [job] }));
    const created = rec((await s.answer(1, 'tools/call', { name: 'job', arguments: { steps: 3 }, ...withTasks() }))['result']);
    s.incoming.next({ jsonrpc: '2.0', id: 2, method: 'subscriptions/listen', params: { notifications: { taskIds: [created['taskId'], 'not-a-task'], toolsListChanged: true }, ...withTasks() } });
    await until(() => s.out.some((m) => rec(m)['id'] === 2), 2_000, 'the listen to end');
    const stream = messagesOf(s.out, 2);
    expect(stream[0]).to.deep.include({ method: 'notifications/subscriptions/acknowledged', params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 2 }, notifications: { taskIds: [created['taskId']] } } });
    const states = stream.filter((m) => m['method'] === 'notifications/tasks').map((m) => rec(m['params'])['status']);
    expect(states[states.length - 1]).to.equal('completed');
    expect(states.every((st) => st === 'working' || st === 'completed')).to.equal(true);
    const last = stream[stream.length - 1]!;
    expect(rec(last['result'])).to.deep.include({ resultType: 'complete' });
    expect(rec(rec(last['result'])['_meta'])['io.modelcontextprotocol/subscriptionId']).to.equal(2);
  });

  it('should refuse task ids from a request without the extension (-32021), and end a listen with its result when the server closes', async () => {
    const m = mcpServer({ info, tools: [job], resources: [notes] });
    const s = serving(m);
    expect(rec((await s.answer(1, 'subscriptions/listen', { notifications: { taskIds: ['x'] }, ...meta2026() }))['error'])['code']).to.equal(-32021);
    s.incoming.next({ jsonrpc: '2.0', id: 2, method: 'subscriptions/listen', params: { notifications: { resourceSubscriptions: ['notes://today'] }, ...meta2026() } });
    await until(() => messagesOf(s.out, 2).length === 1, 2_000, 'the acknowledgement');
    m.resourceUpdated('notes://today');
    await until(() => messagesOf(s.out, 2).length === 2, 2_000, 'the update');
    expect(messagesOf(s.out, 2)[1]).to.deep.include({ method: 'notifications/resources/updated', params: { uri: 'notes://today', _meta: { 'io.modelcontextprotocol/subscriptionId': 2 } } });
    m.close();
    await until(() => s.out.some((x) => rec(x)['id'] === 2), 2_000, 'the result');
    m.resourceUpdated('notes://today');
    await sleep(20);
    expect(messagesOf(s.out, 2).map((x) => x['method'] ?? 'result')).to.deep.equal(['notifications/subscriptions/acknowledged', 'notifications/resources/updated', 'result']);
  });

  it('should end a listen the client cancels with nothing more sent, and stop watching', async () => {
    const s = serving(mcpServer({ info, tools: [job], resources: [notes] }));
    s.incoming.next({ jsonrpc: '2.0', id: 3, method: 'subscriptions/listen', params: { notifications: { resourceSubscriptions: ['notes://today'] }, ...meta2026() } });
    await until(() => messagesOf(s.out, 3).length === 1, 2_000, 'the acknowledgement');
    s.incoming.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3 } });
    await sleep(20);
    expect(messagesOf(s.out, 3)).to.have.length(1);
    expect(s.peer.inFlight().serving).to.equal(0);
  });
});

describe('a task ending and its cancel in the same frame', () => {
  // one record per run, in a store of its own; the work and the cancel in virtual time
  const recordOf = (taskId: string): TaskRecord => {
    const at = new Date().toISOString();
    return { taskId, owner: 'o', status: 'working', createdAt: at, lastUpdatedAt: at, ttlMs: 60_000, pollIntervalMs: 1000, expiresAt: Date.now() + 60_000, version: 0 };
  };
  const race = async (workMarbles: string, cancelMarbles: string, subs?: string): Promise<{ record: TaskRecord | undefined; cleanups: number; writes: number }> => {
    const store = memoryTaskStore();
    let writes = 0;
    const counted = { ...store, update: (id: string, c: Parameters<typeof store.update>[1]) => (c.kind === 'settle' && writes++, store.update(id, c)) };
    const runtime = taskRuntime({ store: counted });
    const record = recordOf('race');
    await store.create(record, 10);
    let cleanups = 0;
    new TestScheduler((a, b) => void expect(a).to.deep.equal(b)).run(({ cold, hot, expectSubscriptions }) => {
      const work = cold<string>(workMarbles, { r: 'done' });
      const tool = (ctx: McpContext): Observable<unknown> =>
        defer(() => {
          ctx.onCleanup(() => void cleanups++);
          return work.pipe(map((text) => ({ content: [{ type: 'text', text }] })));
        });
      runtime.start(record, {}, tool, {});
      hot(cancelMarbles).subscribe(() => runtime.manager.cancel(taskKey('o', 'race'), TASK_CANCELLED));
      if (subs !== undefined) expectSubscriptions(work.subscriptions).toBe(subs);
    });
    await sleep(5);
    return { record: await store.get('race'), cleanups, writes };
  };

  it('should settle cancelled when the cancel comes first, and unsubscribe the work', async () => {
    const { record, cleanups, writes } = await race('----r|', '--c', '^-!');
    expect([record?.status, cleanups, writes]).to.deep.equal(['cancelled', 1, 1]);
  });

  it('should settle completed when the work ends first, and ignore the late cancel', async () => {
    const { record, cleanups, writes } = await race('-r|', '----c', '^-!');
    expect([record?.status, cleanups, writes]).to.deep.equal(['completed', 1, 1]);
  });

  it('should settle exactly once, with cleanups once, whatever the frames of end and cancel (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), async (end, cancelAt) => {
        const { record, cleanups, writes } = await race(`${'-'.repeat(end)}r|`, `${'-'.repeat(cancelAt)}c`);
        expect(cleanups).to.equal(1);
        expect(writes).to.equal(1);
        // a cancel strictly before the end wins; strictly after it finds the task finished
        if (cancelAt < end) expect(record?.status).to.equal('cancelled');
        else if (cancelAt > end) expect(record?.status).to.equal('completed');
        else expect(['cancelled', 'completed']).to.include(record?.status);
      }),
      { numRuns: 60 },
    );
  });

  it('should settle once when the end and the cancel both come at frame 0', async () => {
    const { record, cleanups, writes } = await race('r|', 'c', '(^!)');
    expect(['cancelled', 'completed']).to.include(record?.status);
    expect([cleanups, writes]).to.deep.equal([1, 1]);
  });
});

describe('applyTaskChange, the one change function of every store', () => {
  const at = '2026-12-01T00:00:00.000Z';
  const base: TaskRecord = { taskId: 't', owner: 'o', status: 'working', createdAt: at, lastUpdatedAt: at, ttlMs: 1000, pollIntervalMs: 100, expiresAt: 1, version: 0 };
  const key = fc.constantFrom('a', 'b', 'c');
  const change: fc.Arbitrary<TaskChange> = fc.oneof(
    fc.dictionary(key, fc.constant({ method: 'roots/list' })).map((inputRequests) => ({ kind: 'ask' as const, inputRequests })),
    fc.dictionary(key, fc.constant({ action: 'accept' })).map((inputResponses) => ({ kind: 'answer' as const, inputResponses })),
    fc.array(key).map((keys) => ({ kind: 'take' as const, keys })),
    fc.nat(10).map((n) => ({ kind: 'progress' as const, progress: { progress: n }, statusMessage: String(n) })),
    fc.constant({ kind: 'cancel-requested' as const }),
    fc.constantFrom('completed', 'failed', 'cancelled').map((status) => ({ kind: 'settle' as const, status })),
  );

  it('should write a terminal state once, never change it after, answer only outstanding keys, and count every change in the version', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 30 }), (changes) => {
        let r = base;
        let terminalAt: TaskRecord | undefined;
        for (const c of changes) {
          const outstanding = new Set(Object.keys(r.inputRequests ?? {}));
          const next = applyTaskChange(r, c, at);
          if (terminalAt !== undefined) {
            expect(next, 'a terminal task changes no more').to.equal(undefined);
            continue;
          }
          if (next === undefined) continue;
          expect(next.version).to.equal(r.version + 1);
          if (c.kind === 'answer') for (const k of Object.keys(next.answers ?? {})) expect(outstanding.has(k) || Object.keys(r.answers ?? {}).includes(k)).to.equal(true);
          if (c.kind === 'settle') {
            expect(next.status).to.equal(c.status);
            expect(next).to.not.have.any.keys('inputRequests', 'answers');
            terminalAt = next;
          }
          // input_required exactly while something is outstanding, before the end
          if (!isTerminal(next.status)) expect(next.status === 'input_required').to.equal(Object.keys(next.inputRequests ?? {}).length > 0);
          r = next;
        }
      }),
      { numRuns: 500 },
    );
  });
});
