import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { firstValueFrom } from 'rxjs';
import type { ToolStats } from '../../examples/mcp-handlers.js';
import { streamableHttpClient } from '../../lib/http.js';
import { mcpClient, TASKS_EXTENSION, type McpClient, type Task } from '../../lib/mcp.js';
import { redisForSuite } from '../support/redis-server.js';
import { Lines, ROOT, example, tsNode, until } from '../transport/support.js';

// Two processes of examples/http-server.ts started with the same --redis URL (a real
// redis-server): a slow_count task created on A is read and cancelled on B, stops on A, and
// `stats` counts its work on A only (inFlight while it runs, a cleanup when it ends).

describe('examples/http-server.ts --redis: two instances, one task', function () {
  this.timeout(40_000);
  const redis = redisForSuite();
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  const errs: Lines[] = [];

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const { command, args } = tsNode(example('http-server.ts'));
      const child = spawn(command, [...args, '--port', '0', '--redis', `redis://127.0.0.1:${redis().port}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MCP_BUS_SECRET: 'spec secret' } });
      children.push(child);
      errs.push(new Lines(child.stderr));
      urls.push((await new Lines(child.stdout).waitFor(/^listening on (\S+)$/, 20_000))[1] ?? '');
    }
  });
  after(() => {
    for (const c of children) c.kill('SIGTERM');
  });

  const client = (url: string): McpClient => mcpClient(streamableHttpClient({ url }), { info: { name: 'spec', version: '1' }, era: '2026-07-28' });
  const stats = async (c: McpClient): Promise<ToolStats> => (await firstValueFrom(c.callTool('stats'))).structuredContent as unknown as ToolStats;

  it('should name the tasks extension in server/discover', async () => {
    const a = client(urls[0]!);
    const d = await firstValueFrom(a.connect());
    expect((d.capabilities['extensions'] as Record<string, unknown>)[TASKS_EXTENSION]).to.deep.equal({});
    a.close();
  });

  it('should stop on A a slow_count task cancelled on B, and count its work on A only', async () => {
    const a = client(urls[0]!);
    const b = client(urls[1]!);
    const before = { a: await stats(a), b: await stats(b) };
    const states: Task[] = [];
    // the caller on A never ends it: B cancels it
    const call = a.callTool('slow_count', { steps: 10_000, intervalMs: 20 }, { onTask: (t) => void states.push(t) }).subscribe({ error: () => undefined });
    await until(() => states.length > 0, 5_000, 'the task to be created');
    const taskId = states[0]!.taskId;
    await until(() => errs[0]!.all.some((l) => l.includes(`task-created ${taskId}`)), 5_000, 'A to run it');
    expect((await stats(a)).inFlight).to.equal(before.a.inFlight + 1);
    expect((await firstValueFrom(b.getTask(taskId))).status).to.equal('working');
    await firstValueFrom(b.cancelTask(taskId));
    await until(() => errs[0]!.all.some((l) => l.includes(`cleanup slow_count #${JSON.stringify(taskId)}: cancelled (peer: tasks/cancel)`)), 5_000, 'the cleanup on A');
    let onB = (await firstValueFrom(b.getTask(taskId))).status;
    for (let i = 0; i < 50 && onB !== 'cancelled'; i++) onB = (await firstValueFrom(b.getTask(taskId))).status;
    expect(onB).to.equal('cancelled');
    expect((await firstValueFrom(a.getTask(taskId))).status).to.equal('cancelled');
    expect(await stats(a)).to.deep.equal({ inFlight: before.a.inFlight, cleanups: before.a.cleanups + 1 });
    expect(await stats(b)).to.deep.equal(before.b);
    expect(errs[1]!.all.some((l) => l.includes('cleanup slow_count'))).to.equal(false);
    call.unsubscribe();
    a.close();
    b.close();
  });
});
