import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { ndjson } from '../../lib/stdio.js';
import { mcpClient } from '../../lib/mcp.js';
import { Lines, ROOT, example, tsNode } from '../transport/support.js';
import { v1 } from '../gateway/support.js';

// examples/gateway.ts as a program, between real processes: its --stdio front before a stdio
// upstream, its HTTP front before a 2026-07-28 HTTP upstream (examples/http-server.ts, the era
// found by probing), and `npm run demo:gateway` from end to end.

const node = (file: string, extra: readonly string[]): ChildProcess => {
  const { command, args } = tsNode(example(file));
  return spawn(command, [...args, ...extra], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
};
const upstreamCommand = (file: string): string[] => [process.execPath, '--import', 'tsx', example(file)];

describe('examples/gateway.ts', function () {
  this.timeout(40_000);
  const children: ChildProcess[] = [];
  after(() => children.forEach((c) => c.kill('SIGKILL')));

  it('should serve MCP on its stdin and stdout with --stdio, and cancel the upstream call when the front client cancels', async () => {
    const gw = node('gateway.ts', ['--stdio', '--upstream-era', '2025-11-25', '--', ...upstreamCommand('stdio-server.ts')]);
    children.push(gw);
    const stderr = new Lines(gw.stderr);
    if (gw.stdout === null || gw.stdin === null) throw new Error('no pipes');
    // the front client speaks 2026-07-28 on stdio (the probe decides), the upstream 2025-11-25
    const client = mcpClient(ndjson(gw.stdout, gw.stdin), { info: { name: 'spec', version: '1' }, timeoutMs: 15_000 });
    const d = await firstValueFrom(client.connect());
    expect(d.era).to.equal('2026-07-28');
    const tools = await lastValueFrom(client.listTools().pipe(toArray()));
    expect(tools.map((t) => t.name)).to.include('slow_count');
    let third: () => void = () => undefined;
    const progressed = new Promise<void>((r) => (third = r));
    const call = client.callTool('slow_count', { steps: 1_000, intervalMs: 10 }, { onProgress: (p) => p.progress >= 3 && third() }).subscribe();
    await progressed;
    call.unsubscribe();
    await stderr.waitFor(/\[gateway\] upstream cancel-sent tools\/call/);
    await stderr.waitFor(/\[upstream\] \[server\] cleanup slow_count #\d+: cancelled \(peer/);
    client.close();
    await new Promise((r) => gw.on('exit', r));
  });

  it('should find a 2026-07-28 HTTP upstream by probing, and close the upstream POST when a 2025 front client aborts', async () => {
    const up = node('http-server.ts', ['--port', '0']);
    children.push(up);
    const upOut = new Lines(up.stdout);
    const upErr = new Lines(up.stderr);
    const upstreamUrl = (await upOut.waitFor(/^listening on (\S+)$/, 15_000))[1] ?? '';
    const gw = node('gateway.ts', ['--port', '0', '--upstream-url', upstreamUrl]);
    children.push(gw);
    const gwErr = new Lines(gw.stderr);
    const url = (await new Lines(gw.stdout).waitFor(/^listening on (\S+)$/, 15_000))[1] ?? '';
    await gwErr.waitFor(/\(2026-07-28\)$/);
    const side = await v1(url);
    const ac = new AbortController();
    let progressed = 0;
    const error = await side.call('slow_count', { steps: 1_000, intervalMs: 10 }, { signal: ac.signal, onprogress: () => void (++progressed === 2 && ac.abort('user stop')) }).then(() => undefined, (e: unknown) => e);
    expect(error).to.not.equal(undefined);
    // the 2026 upstream sees its request's stream close: that is the cancel there
    await upErr.waitFor(/cleanup slow_count #\d+: cancelled \(close\)/, 10_000);
    await side.close();
    gw.kill('SIGTERM');
    up.kill('SIGTERM');
  });

  it('should show, with npm run demo:gateway, a 2026 client closing its stream and the 2025 upstream cancelled and cleaned up', async () => {
    const demo = node('gateway-demo.ts', []);
    children.push(demo);
    const out = new Lines(demo.stdout);
    const code = await new Promise<number | null>((resolve) => demo.on('exit', (c) => resolve(c)));
    const text = out.all.join('\n');
    expect(code, text).to.equal(0);
    expect(text).to.match(/client\s+connected: mcp-rx-cancel-example through the gateway, protocol 2026-07-28/);
    expect(text).to.match(/gateway\s+front request-cancelled tools\/call #\d+ \(close\)/);
    expect(text).to.match(/gateway\s+upstream cancel-sent tools\/call #\d+/);
    expect(text).to.match(/upstream\s+cleanup slow_count #\d+: cancelled \(peer/);
    expect(text).to.match(/"inFlight":0,"cleanups":1/);
    expect(text).to.not.match(/UNEXPECTED/);
  });
});
