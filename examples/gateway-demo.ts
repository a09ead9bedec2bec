import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { firstValueFrom } from 'rxjs';
import { streamableHttpClient } from '../lib/http.js';
import { mcpClient } from '../lib/mcp.js';

// `npm run demo:gateway`: one timeline across three processes and two protocol eras.
//
//   this demo (a 2026-07-28 client) ──HTTP──▶ examples/gateway.ts ──stdio, 2025-11-25──▶ examples/stdio-server.ts
//
// The client calls the upstream's long tool (`slow_count`) through the gateway, then cancels the
// 2026 way: it closes the call's response stream, and sends nothing. The gateway sees its front
// request end (source 'close') and cancels the upstream call the 2025 way: notifications/cancelled,
// under the gateway's own upstream id. The upstream stops the work and runs its cleanup, once.

const root = fileURLToPath(new URL('..', import.meta.url));
const t0 = Date.now();
const print = (who: string, line: string): void => void process.stdout.write(`${String(Date.now() - t0).padStart(5)} ms  ${who.padEnd(8)} ${line}\n`);

const watchdog = setTimeout(() => {
  process.stderr.write('gateway-demo: timed out\n');
  process.exit(1);
}, 30_000);

const upstream = [process.execPath, '--import', 'tsx', 'examples/stdio-server.ts'];
const gateway = spawn(process.execPath, ['--import', 'tsx', 'examples/gateway.ts', '--port', '0', '--upstream-era', '2025-11-25', '--', ...upstream], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
const stop = (): void => void gateway.kill('SIGTERM');
process.on('exit', stop);

// the gateway's stderr is the middle and the right of the timeline: its own lines, and its child's
let cleaned: () => void = () => undefined;
const cleanup = new Promise<void>((r) => (cleaned = r));
createInterface({ input: gateway.stderr }).on('line', (line) => {
  const m = /^\[(gateway|upstream)\] (.*)$/.exec(line);
  if (m === null) return print('?', line);
  const [, who = '', text = ''] = m;
  // the upstream's own log of its events is noisy (every request): its cancel and its cleanup tell the story
  if (who === 'upstream' && !/cancel|cleanup|ready/.test(text)) return;
  print(who, text.replace(/^\[server\] /, ''));
  if (who === 'upstream' && text.includes('cleanup slow_count') && text.includes('cancelled')) cleaned();
});
const url = await new Promise<string>((resolve, reject) => {
  createInterface({ input: gateway.stdout }).on('line', (line) => {
    const m = /^listening on (\S+)$/.exec(line);
    if (m?.[1] !== undefined) resolve(m[1]);
  });
  gateway.on('exit', (code) => reject(new Error(`the gateway exited (${String(code)})`)));
});
print('client', `the gateway listens on ${url}`);

// a 2026-07-28 client: one POST per request; closing its stream is its cancel
const client = mcpClient(streamableHttpClient({ url }), { info: { name: 'gateway-demo', version: '0.1.0' }, era: '2026-07-28', timeoutMs: 10_000 });
const d = await firstValueFrom(client.connect());
print('client', `connected: ${d.serverInfo?.name ?? '?'} through the gateway, protocol ${d.protocolVersion}`);

let third: () => void = () => undefined;
const progressed = new Promise<void>((r) => (third = r));
print('client', 'calls slow_count { steps: 50, intervalMs: 100 }');
const call = client
  .callTool('slow_count', { steps: 50, intervalMs: 100 }, {
    onProgress: (p) => {
      print('client', `progress ${p.progress}/${p.total ?? '?'}`);
      if (p.progress >= 3) third();
    },
  })
  .subscribe({ next: () => print('client', 'UNEXPECTED: a result after the cancel'), error: (e: unknown) => print('client', `UNEXPECTED: ${String(e)}`) });
await progressed;
print('client', 'unsubscribes: its POST stream closes (the 2026-07-28 cancel; no notification is sent)');
call.unsubscribe();
await cleanup;

const stats = await firstValueFrom(client.callTool('stats'));
print('client', `upstream stats through the gateway: ${JSON.stringify(stats.structuredContent)}`);
client.close();
clearTimeout(watchdog);
gateway.kill('SIGTERM');
await new Promise((r) => gateway.on('exit', r));
process.exit(0);
