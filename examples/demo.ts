import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

// `npm run demo`: an MCP server made with mcp-rx-cancel (examples/stdio-server.ts) runs as a child
// process on stdio, and the official SDK client drives it: a quick call, then a long tool call
// with live progress, cancelled on a timer (or by Ctrl-C), and the server's cleanup confirmed.
// What both sides do is printed as one timeline. It exits 0 by itself.

const CANCEL_AFTER_MS = 1_500;
const STEPS = 40;
const INTERVAL_MS = 100;

const root = fileURLToPath(new URL('../', import.meta.url));
const serverFile = fileURLToPath(new URL('./stdio-server.ts', import.meta.url));
const tty = process.stdout.isTTY === true;
const t0 = Date.now();

type Rec = Record<string, unknown>;
const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});

// ---- the terminal: a timeline, and a progress bar drawn only on a TTY -------------------------

let bar = '';
const clearBar = (): void => {
  if (tty && bar !== '') process.stdout.write('\r\x1b[2K');
};
const drawBar = (): void => {
  if (tty && bar !== '') process.stdout.write(bar);
};
const say = (side: 'client' | 'server' | 'wire →' | 'wire ←', text: string): void => {
  clearBar();
  const at = `+${((Date.now() - t0) / 1000).toFixed(3)}s`.padStart(9);
  process.stdout.write(`${at}  ${side.padEnd(7)} ${text}\n`);
  drawBar();
};
const progressBar = (progress: number, total: number, message: string | undefined): void => {
  if (!tty) return say('client', `progress ${progress}/${total}${message === undefined ? '' : ` (${message})`}`);
  const width = 30;
  const done = Math.round((progress / total) * width);
  clearBar();
  bar = `           [${'█'.repeat(done)}${'░'.repeat(width - done)}] ${progress}/${total}  ${message ?? ''}`;
  drawBar();
};
const endBar = (): void => {
  clearBar();
  bar = '';
};

/** One line about a message on the wire, or nothing for the ones the bar already shows. */
const describe = (m: Rec): string | undefined => {
  const params = rec(m['params']);
  if (m['method'] === 'notifications/progress') return undefined;
  if (typeof m['method'] === 'string') {
    const id = m['id'] === undefined ? '' : ` #${JSON.stringify(m['id'])}`;
    if (m['method'] === 'notifications/cancelled') return `notifications/cancelled for #${JSON.stringify(params['requestId'])} (${String(params['reason'] ?? 'no reason')})`;
    if (m['method'] === 'notifications/message') return `notifications/message: ${String(params['data'])}`;
    if (m['method'] === 'tools/call') return `tools/call${id} ${String(params['name'])}`;
    return `${m['method']}${id}`;
  }
  return `${'error' in m ? 'error' : 'result'} for #${JSON.stringify(m['id'])}`;
};

// ---- the client ----------------------------------------------------------------------------------

const transport = new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', serverFile], cwd: root, stderr: 'pipe' });
const responded = new Set<unknown>();
let confirmCleanup: ((line: string) => void) | undefined;

// the server tells its side on stderr, one line per event
(transport.stderr as Readable | null)?.setEncoding('utf8');
let pendingErr = '';
(transport.stderr as Readable | null)?.on('data', (chunk: string) => {
  const lines = (pendingErr + chunk).split('\n');
  pendingErr = lines.pop() ?? '';
  for (const line of lines) if (line.trim() !== '') say('server', line.replace(/^\[server\] /, ''));
});

// watch the wire itself: what the SDK client writes, and what the server answers
const send = transport.send.bind(transport);
transport.send = (m: Parameters<StdioClientTransport['send']>[0]) => {
  const line = describe(m as Rec);
  if (line !== undefined) say('wire →', line);
  return send(m);
};

const client = new Client({ name: 'mcp-rx-cancel-demo', version: '0.1.0' });
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
  const data = String(n.params.data);
  // only the long call's: the quick call's own report may still be on its way
  if (/^cleanup .*: cancelled/.test(data)) confirmCleanup?.(data);
});

const main = async (): Promise<number> => {
  say('client', `spawn ${process.execPath.split('/').pop() ?? 'node'} --import tsx examples/stdio-server.ts (the official SDK's StdioClientTransport)`);
  await client.connect(transport);
  const onmessage = transport.onmessage;
  transport.onmessage = (m) => {
    const r = m as Rec;
    if (r['id'] !== undefined && !('method' in r)) responded.add(r['id']);
    const line = describe(r);
    if (line !== undefined) say('wire ←', line);
    onmessage?.(m);
  };
  const info = client.getServerVersion();
  say('client', `initialized: ${info?.name ?? '?'} ${info?.version ?? ''}`);

  const { tools } = await client.listTools();
  say('client', `tools: ${tools.map((t) => t.name).join(', ')}`);
  const quick = await client.callTool({ name: 'slow_count', arguments: { steps: 3, intervalMs: 50 } });
  const [first] = Array.isArray(quick['content']) ? (quick['content'] as unknown[]) : [];
  say('client', `quick call answered: ${JSON.stringify(first)}`);

  // the long call: progress drawn live, cancelled by a timer or by Ctrl-C
  const ac = new AbortController();
  const timer = setTimeout(() => {
    say('client', `${CANCEL_AFTER_MS} ms passed: AbortController.abort()`);
    ac.abort('demo timer');
  }, CANCEL_AFTER_MS);
  const onSigint = (): void => {
    if (ac.signal.aborted) process.exit(130);
    say('client', 'Ctrl-C: AbortController.abort()');
    ac.abort('Ctrl-C');
  };
  process.on('SIGINT', onSigint);
  const cleanupConfirmed = new Promise<string>((resolve) => (confirmCleanup = resolve));
  say('client', `long call: slow_count ${STEPS} steps × ${INTERVAL_MS} ms, cancel in ${CANCEL_AFTER_MS} ms${tty ? ' (or press Ctrl-C)' : ''}`);
  const outcome = await client
    .callTool({ name: 'slow_count', arguments: { steps: STEPS, intervalMs: INTERVAL_MS } }, undefined, {
      signal: ac.signal,
      onprogress: (p) => progressBar(p.progress, p.total ?? STEPS, p.message),
    })
    .then(
      () => 'completed',
      (e: unknown) => `rejected: ${e instanceof Error ? e.message : String(e)}`,
    );
  clearTimeout(timer);
  endBar();
  say('client', `long call ${outcome}`);
  if (outcome.includes('-32001')) say('client', '(the official SDK reports a caller abort with its timeout code -32001: the two cannot be told apart)');

  const confirmed = await Promise.race([cleanupConfirmed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000).unref())]);
  // a round trip after the cleanup: anything the server wrote before it has arrived
  await client.ping();
  const ids = [...responded].map(String);
  say('client', confirmed === undefined ? 'no cleanup confirmation within 5 s' : `server confirmed: ${confirmed}`);
  say('client', `responses received after initialize, by id: ${ids.join(', ')} (the cancelled call got none)`);
  process.off('SIGINT', onSigint);
  await client.close();
  say('client', 'closed: the server saw the end of its stdin and exited');
  return confirmed === undefined ? 1 : 0;
};

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    endBar();
    process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
