import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import * as t from 'io-ts';
import { NEVER, Subject, firstValueFrom, interval, lastValueFrom, map, take, toArray } from 'rxjs';
import { createPeer, type CancelReason, type PeerEvent } from '../../lib/index.js';
import { streamableHttp, streamableHttpClient } from '../../lib/http.js';
import { McpClientError, inputRequired, mcpClient, mcpServer, pollDelay, tool, type McpServer, type Task } from '../../lib/mcp.js';
import { until } from '../transport/support.js';

// Our MCP client following tasks of our MCP server over real HTTP on 127.0.0.1 (2026-07-28):
// callTool transparently (listen, or polls with backoff), input answered, states told, the
// caller's timeout applied to the whole task, and one tasks/cancel when the caller leaves first.

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('mcpClient and tasks (real HTTP, 2026-07-28)', function () {
  this.timeout(20_000);
  const seen = { cleanups: 0, reasons: [] as CancelReason[], cancels: 0, gets: 0, listens: 0 };
  let server: McpServer;
  let http: Server;
  let url = '';
  let stop: () => Promise<void>;

  beforeEach(async () => {
    Object.assign(seen, { cleanups: 0, reasons: [], cancels: 0, gets: 0, listens: 0 });
    const count = tool({
      name: 'count',
      task: 'optional',
      args: t.type({ steps: t.number, ms: t.number }),
      run: ({ steps, ms }, ctx) => {
        ctx.onCleanup(() => void seen.cleanups++);
        ctx.signal.addEventListener('abort', () => void seen.reasons.push(ctx.signal.reason as CancelReason));
        return interval(ms).pipe(
          take(steps),
          map((i) => (ctx.progress(i + 1, steps), `counted ${steps}`)),
        );
      },
    });
    const confirm = tool({
      name: 'confirm',
      task: 'required',
      run: (_a, ctx) => {
        const ok = ctx.inputResponses.accepted('ok', t.type({ sure: t.boolean }));
        if (ok !== undefined) return Promise.resolve(`sure=${String(ok.sure)}`);
        return Promise.resolve(inputRequired({ inputRequests: { ok: inputRequired.elicit({ message: 'Sure?', requestedSchema: { type: 'object', properties: { sure: { type: 'boolean' } } } }) } }));
      },
    });
    server = mcpServer({ info: { name: 's', version: '1' }, tools: [count, confirm], tasks: { pollIntervalMs: 50 } });
    const mcp = streamableHttp(server);
    mcp.events$.subscribe((e) => {
      const ev = e as PeerEvent;
      if (ev.type !== 'request-received') return;
      if (ev.method === 'tasks/cancel') seen.cancels++;
      if (ev.method === 'tasks/get') seen.gets++;
      if (ev.method === 'subscriptions/listen') seen.listens++;
    });
    http = createServer((req, res) => void mcp.handle(req, res));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    stop = async () => {
      server.close();
      await mcp.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    };
  });
  afterEach(() => stop());

  const client = (extra: Partial<Parameters<typeof mcpClient>[1]> = {}) =>
    mcpClient(streamableHttpClient({ url }), { info: { name: 'c', version: '1' }, era: '2026-07-28', handlers: { elicitation: () => Promise.resolve({ action: 'accept', content: { sure: true } }) }, ...extra });

  it('should follow a task to its result by listening, telling each state and its progress', async () => {
    const c = client();
    const states: Task[] = [];
    const progress: number[] = [];
    const r = await firstValueFrom(c.callTool('count', { steps: 4, ms: 30 }, { onTask: (task) => void states.push(task), onProgress: (p) => void progress.push(p.progress) }));
    expect(r.content).to.deep.equal([{ type: 'text', text: 'counted 4' }]);
    expect(states[states.length - 1]?.status).to.equal('completed');
    expect(states.some((s) => s.statusMessage === '2/4')).to.equal(true);
    expect(progress[progress.length - 1]).to.equal(4);
    expect(progress).to.deep.equal([...progress].sort((x, y) => x - y));
    expect(seen.listens).to.equal(1);
    expect(seen.cancels).to.equal(0);
    c.close();
  });

  it('should answer the input a task asks for, through the same handlers as input rounds', async () => {
    const c = client();
    const r = await firstValueFrom(c.callTool('confirm'));
    expect(r.content).to.deep.equal([{ type: 'text', text: 'sure=true' }]);
    c.close();
  });

  it('should send one tasks/cancel when the caller unsubscribes, and none after the end', async () => {
    const c = client();
    const sub = c.callTool('count', { steps: 10_000, ms: 20 }).subscribe();
    await until(() => server.tasks!.running() === 1, 3_000, 'the task to run');
    await sleep(50);
    sub.unsubscribe();
    await until(() => seen.cleanups === 1, 3_000, 'the task to stop');
    expect(seen.reasons).to.deep.equal([{ source: 'peer', reason: 'tasks/cancel', method: 'tasks/cancel' }]);
    await firstValueFrom(c.callTool('count', { steps: 1, ms: 1 }));
    await sleep(50);
    expect(seen.cancels).to.equal(1);
    c.close();
  });

  it("should apply the caller's timeout to the whole task, and cancel it", async () => {
    const c = client();
    const started = Date.now();
    const e: unknown = await firstValueFrom(c.callTool('count', { steps: 10_000, ms: 20 }, { timeoutMs: 300 })).catch((x: unknown) => x);
    expect((e as Error).name).to.equal('RequestTimeoutError');
    expect(Date.now() - started).to.be.lessThan(2_000);
    await until(() => seen.cleanups === 1, 3_000, 'the task to stop');
    expect(seen.cancels).to.equal(1);
    c.close();
  });

  it('should pick a task up again after a restart: follow it to its result; a cancel after its end changes nothing', async () => {
    const first = client();
    const states: Task[] = [];
    const sub = first.callTool('count', { steps: 10, ms: 30 }, { onTask: (task) => void states.push(task) }).subscribe();
    await until(() => states.length > 0, 3_000, 'the task id');
    const taskId = states[0]!.taskId;
    // the process "dies": its connection goes without a word (no tasks/cancel from a dead client)
    first.close();
    sub.unsubscribe();
    const second = client();
    const r = await firstValueFrom(second.followTask(taskId));
    expect(r.content).to.deep.equal([{ type: 'text', text: 'counted 10' }]);
    const cancelled = await firstValueFrom(second.cancelTask(taskId)).then(() => 'acked');
    expect(cancelled).to.equal('acked');
    expect((await firstValueFrom(second.getTask(taskId))).status).to.equal('completed');
    second.close();
  });

  it('should fall back to polls with backoff where it cannot listen (a Peer it did not build)', async () => {
    const built = client();
    const onPeer = mcpClient(built.peer, { info: { name: 'c', version: '1' }, era: '2026-07-28' });
    const r = await firstValueFrom(onPeer.callTool('count', { steps: 3, ms: 50 }));
    expect(r.content).to.deep.equal([{ type: 'text', text: 'counted 3' }]);
    expect(seen.listens).to.equal(0);
    expect(seen.gets).to.be.greaterThan(0);
    const e: unknown = await lastValueFrom(onPeer.listen({ taskIds: ['x'] })).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(McpClientError);
    expect((e as McpClientError).code).to.equal('NO_LISTEN');
    built.close();
  });

  it('should back off polls from the suggested interval, growing by half, bounded', () => {
    expect([0, 1, 2, 3].map((n) => pollDelay(1000, n))).to.deep.equal([1000, 1500, 2250, 3375]);
    expect(pollDelay(10, 0)).to.equal(250);
    expect(pollDelay(1000, 50)).to.equal(30_000);
  });

  it('should hear the server end a listen with its result, and complete', async () => {
    const c = client();
    const got = lastValueFrom(c.listen({ toolsListChanged: true }).pipe(toArray()));
    await until(() => seen.listens === 1, 3_000, 'the listen');
    await sleep(50);
    server.close();
    const all = await got;
    expect(all.map((n) => n.method)).to.deep.equal(['notifications/subscriptions/acknowledged']);
    c.close();
  });

  it('should also take a notifications/cancelled from the server as the end of a listen (cancellation.mdx), and complete', async () => {
    const toServer = new Subject<unknown>();
    const toClient = new Subject<unknown>();
    const fake = createPeer(toServer, {
      era: '2026-07-28',
      handlers: {
        'server/discover': () => Promise.resolve({ resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: {}, ttlMs: 0, cacheScope: 'private' }),
        'subscriptions/listen': (_p, ctx) => {
          const meta = { 'io.modelcontextprotocol/subscriptionId': ctx.requestId };
          ctx.notify('notifications/subscriptions/acknowledged', { _meta: meta, notifications: {} });
          // the other reading of the spec: the server ends the stream with a cancel of its own
          setTimeout(() => ctx.connection.notify('notifications/cancelled', { requestId: ctx.requestId }), 20);
          return NEVER;
        },
      },
    });
    fake.outgoing$.subscribe((m) => toClient.next(JSON.parse(JSON.stringify(m))));
    const wire = { incoming$: toClient.asObservable(), send: (m: unknown) => void toServer.next(JSON.parse(JSON.stringify(m))), close: () => toClient.complete() };
    const c = mcpClient(wire, { info: { name: 'c', version: '1' }, era: '2026-07-28' });
    const all = await lastValueFrom(c.listen({ toolsListChanged: true }).pipe(toArray()));
    expect(all.map((n) => n.method)).to.deep.equal(['notifications/subscriptions/acknowledged']);
    c.close();
  });
});
