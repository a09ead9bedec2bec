/**
 * The example of docs/guides/mcp-client.md: an MCP client made with `mcpClient`. It spawns an
 * MCP server on stdio (examples/stdio-server.ts), connects (era 'auto': server/discover first),
 * lists the tools, calls one, then calls `slow_count` with progress and cancels it midway by
 * unsubscribing, and closes. Then the same client code against the official SDK's 2025 server,
 * where the probe fails and the client falls back to initialize.
 * Run: `npx tsx examples/guides/mcp-client.ts`.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { ndjson } from '../../lib/stdio.js';
import { mcpClient } from '../../lib/mcp.js';

const print = (line: string): void => void process.stdout.write(`${line}\n`);

const root = fileURLToPath(new URL('../../', import.meta.url));
const OUR_SERVER = fileURLToPath(new URL('../stdio-server.ts', import.meta.url));
// the official SDK's McpServer on stdio, as the interop tests run it
const SDK_SERVER = fileURLToPath(new URL('../../spec/transport/fixtures/sdk-stdio-server.ts', import.meta.url));

/** `promise`, or undefined after `ms`; the timer is cleared, so it never holds the process open. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });

/** A server in a child process, and the lines it writes on stderr (its log, not the protocol). */
interface Server {
  readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly exited: Promise<number | null>;
  /** The first stderr line, already written or to come, that matches; undefined after 5 s. */
  readonly line: (re: RegExp) => Promise<string | undefined>;
}

// the servers spawned, so that a failure midway does not leave one running
const children = new Set<ChildProcessByStdio<Writable, Readable, Readable>>();

const spawnServer = (file: string): Server => {
  // `node --import tsx file.ts`: stdin and stdout carry the protocol, stderr the server's log
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    for (const l of chunk.split('\n').filter((x) => x !== '')) {
      lines.push(l);
      for (const w of waiters) w(l);
    }
  });
  const line = (re: RegExp): Promise<string | undefined> => {
    const seen = lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return within(new Promise<string>((resolve) => waiters.push((l) => void (re.test(l) && resolve(l)))), 5_000);
  };
  return { child, exited, line };
};

/** Our example server, which speaks both eras: era 'auto' probes with server/discover and stays modern. */
async function againstOurServer(server: Server): Promise<boolean> {
  print('-- our server (examples/stdio-server.ts)');
  const client = mcpClient(ndjson(server.child.stdout, server.child.stdin), {
    info: { name: 'mcp-rx-cancel-guide', version: '0.1.0' },
    // 'auto' is the default: server/discover first, initialize if the server is a 2025 one
    era: 'auto',
    // this server confirms each tool call's cleanup with a logging notification
    notifications: { 'notifications/message': (params) => print(`server  log: ${String((params as { data?: unknown }).data)}`) },
    timeoutMs: 10_000,
  });
  client.peer.events$.subscribe((e) => {
    if (e.type === 'cancel-sent') print(`client  sent notifications/cancelled for #${String(e.key.requestId)} (${e.reason ?? 'no reason'})`);
  });

  const server$ = await firstValueFrom(client.connect());
  print(`client  connected: ${server$.serverInfo?.name ?? '?'} ${server$.serverInfo?.version ?? ''}, protocol ${server$.protocolVersion}`);
  const tools = await lastValueFrom(client.listTools().pipe(toArray()));
  print(`client  tools: ${tools.map((t) => t.name).join(', ')}`);
  const echoed = await firstValueFrom(client.callTool('echo', { text: 'hello' }));
  print(`client  echo answered: ${echoed.content.map((c) => c.text ?? '').join('')}`);

  // onProgress makes the library add its own progress token to the request
  let third: () => void = () => undefined;
  const progressed = new Promise<void>((resolve) => (third = resolve));
  const call = client
    .callTool('slow_count', { steps: 50, intervalMs: 50 }, {
      reason: 'the user pressed stop',
      onProgress: (p) => {
        print(`client  progress ${p.progress}/${p.total ?? '?'} ${p.message ?? ''}`);
        if (p.progress >= 3) third();
      },
    })
    .subscribe({
      next: () => print('client  UNEXPECTED: a result after the cancel'),
      error: (e: unknown) => print(`client  UNEXPECTED: ${String(e)}`),
    });
  await progressed;
  // unsubscribing is the cancel: one notifications/cancelled, and the server sends no response
  call.unsubscribe();
  const cleanup = await server.line(/cleanup slow_count .*cancelled/);
  print(`server  stderr: ${cleanup ?? 'no cleanup line within 5 s'}`);
  // a round trip after the cancel: anything the server sent before it has arrived
  await firstValueFrom(client.callTool('echo', { text: 'still here' }));
  print(`client  in flight: ${JSON.stringify(client.peer.inFlight())}`);

  // closing ends the server's stdin: it exits on its own
  client.close();
  const code = await server.exited;
  print(`client  closed; the server exited with code ${String(code)}`);
  return cleanup !== undefined && code === 0;
}

/** The official SDK's McpServer, a 2025 one: the same client code falls back to initialize. */
async function againstTheSdkServer(server: Server): Promise<boolean> {
  print('-- the official SDK server (@modelcontextprotocol/sdk McpServer)');
  const client = mcpClient(ndjson(server.child.stdout, server.child.stdin), { info: { name: 'mcp-rx-cancel-guide', version: '0.1.0' }, timeoutMs: 10_000 });
  const described = await firstValueFrom(client.connect());
  print(`client  connected: ${described.serverInfo?.name ?? '?'} ${described.serverInfo?.version ?? ''}, protocol ${described.protocolVersion}`);
  const tools = await lastValueFrom(client.listTools().pipe(toArray()));
  print(`client  tools: ${tools.map((t) => t.name).join(', ')}`);

  const call = client.callTool('slow', { ms: 30_000 }, { reason: 'the user pressed stop' }).subscribe();
  const started = await server.line(/^started/);
  call.unsubscribe();
  // the SDK aborts its handler's extra.signal when our cancel arrives
  const aborted = await server.line(/^aborted/);
  print(`server  stderr: ${started ?? 'not started'}, then ${aborted ?? 'no abort within 5 s'}`);

  client.close();
  const code = await server.exited;
  print(`client  closed; the server exited with code ${String(code)}`);
  return aborted !== undefined && code === 0;
}

async function main(): Promise<number> {
  // both spawned at once: the second one's start-up (a second or so) overlaps the first part
  const first = spawnServer(OUR_SERVER);
  const second = spawnServer(SDK_SERVER);
  const ours = await againstOurServer(first);
  const sdk = await againstTheSdkServer(second);
  return ours && sdk ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`example failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
    for (const child of children) child.kill();
  },
);
