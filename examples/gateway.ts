import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { firstValueFrom } from 'rxjs';
import { connect, type ConnectTransport } from '../lib/index.js';
import type { ProtocolEra } from '../lib/codecs.js';
import { mcpGateway, type GatewayEvent, type UpstreamSource } from '../lib/gateway.js';
import { streamableHttp, streamableHttpClient } from '../lib/http.js';
import { mcpClient } from '../lib/mcp.js';
import { ndjson } from '../lib/stdio.js';
import { describeEvent } from './describe-event.js';
import { portArgument, serveHttp } from './http-main.js';

// An MCP gateway that carries cancellation hop by hop, as a program:
//
//   tsx examples/gateway.ts [--port N] [--stdio] [--upstream-era 2025-11-25|2026-07-28|auto]
//                           (--upstream-url URL | -- <upstream command...>)
//
// Front: Streamable HTTP on 127.0.0.1 (both eras on one endpoint; prints
// `listening on http://127.0.0.1:PORT/mcp` when ready), or MCP on its own stdin and stdout with
// --stdio. Upstream: a stdio child (started on the first request, restarted on the first request
// after it died), or a Streamable HTTP server of either era. What happens is told on stderr:
// the front's events, the gateway's, the upstream's requests and cancels, the child's stderr.

const log = (line: string): void => void process.stderr.write(`[gateway] ${line}\n`);
const fail = (why: string): never => {
  log(why);
  log('usage: gateway.ts [--port N] [--stdio] [--upstream-era 2025-11-25|2026-07-28|auto] (--upstream-url URL | -- <upstream command...>)');
  process.exit(2);
};

const argv = process.argv.slice(2);
const dashes = argv.indexOf('--');
const own = dashes === -1 ? argv : argv.slice(0, dashes);
const command = dashes === -1 ? [] : argv.slice(dashes + 1);
const valueOf = (flag: string): string | undefined => {
  const at = own.indexOf(flag);
  return at === -1 ? undefined : own[at + 1];
};
const url = valueOf('--upstream-url');
const eraArg = valueOf('--upstream-era') ?? 'auto';
if (eraArg !== 'auto' && eraArg !== '2025-11-25' && eraArg !== '2026-07-28') fail(`--upstream-era must be 2025-11-25, 2026-07-28 or auto, got ${eraArg}`);
if ((url === undefined) === (command.length === 0)) fail('give one upstream: --upstream-url URL, or -- and a command');
const asked = eraArg as ProtocolEra | 'auto';

/** A stdio child per start: its stderr told line by line, killed when the gateway goes. */
const children = new Set<ChildProcess>();
const child = (cmd: readonly string[]): UpstreamSource => () => {
  const [file, ...args] = cmd as [string, ...string[]];
  const c = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(c);
  c.on('exit', (code, signal) => {
    children.delete(c);
    log(`upstream exited (${signal ?? String(code)})`);
  });
  createInterface({ input: c.stderr }).on('line', (line) => process.stderr.write(`[upstream] ${line}\n`));
  log(`upstream started: ${cmd.join(' ')} (pid ${String(c.pid)})`);
  return ndjson(c.stdout, c.stdin);
};

/**
 * The era of an HTTP upstream, when not given: a 2026-07-28 `server/discover` over our client
 * transport; a server that answers it is a 2026 one, anything else is taken for a 2025 one.
 */
const eraOfUrl = async (u: string): Promise<ProtocolEra> => {
  const probe = mcpClient(streamableHttpClient({ url: u }), { info: { name: 'mcp-rx-cancel-gateway', version: '0.1.0' }, era: '2026-07-28', timeoutMs: 5_000 });
  try {
    await firstValueFrom(probe.connect());
    return '2026-07-28';
  } catch {
    return '2025-11-25';
  } finally {
    probe.close();
  }
};

/** An HTTP upstream: our client transport for 2026-07-28, the official SDK's (sessions, initialize) for 2025-11-25. */
const http = (u: string, era: ProtocolEra): UpstreamSource => () =>
  era === '2026-07-28' ? streamableHttpClient({ url: u }) : (new StreamableHTTPClientTransport(new URL(u)) as ConnectTransport);

const era: ProtocolEra | 'auto' = url === undefined ? asked : asked === 'auto' ? await eraOfUrl(url) : asked;
const gateway = mcpGateway({ upstream: url === undefined ? child(command) : http(url, era as ProtocolEra), era });

/** One line per gateway event worth telling (an upstream's own events: its requests, cancels, late answers). */
const describeGatewayEvent = (e: GatewayEvent): string | undefined => {
  switch (e.type) {
    case 'upstream-started':
    case 'upstream-closed':
      return `${e.type} (generation ${e.generation})`;
    case 'request-refused':
      return `${e.type} ${e.method} for ${e.sender} (${e.refusal.why}, limit ${e.refusal.limit})`;
    case 'relay-dropped':
      return `${e.type} ${e.method} (${e.why}, ${e.calls} calls in flight)`;
    case 'upstream': {
      const u = e.event;
      const id = 'key' in u && u.key !== undefined ? ` #${JSON.stringify(u.key.requestId)}` : '';
      if (u.type === 'request-sent' && u.method !== 'server/discover') return `upstream ${u.type} ${u.method}${id}`;
      if (u.type === 'cancel-sent') return `upstream ${u.type} ${u.method}${id} (${u.source}${u.reason === undefined ? '' : `: ${u.reason}`})`;
      if (u.type === 'late-response-dropped') return `upstream ${u.type}${id}`;
      if (u.type === 'era-decided' || u.type === 'connection-closed') return `upstream ${describeEvent(u) ?? u.type}`;
      return undefined;
    }
  }
};
gateway.events$.subscribe((e) => {
  const line = describeGatewayEvent(e);
  if (line !== undefined) log(line);
});

const stopChildren = (): void => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('exit', stopChildren);
log(`upstream ${url ?? command.join(' ')} (${era})`);

if (own.includes('--stdio')) {
  // the front is our own stdin and stdout: one front client, both eras (decided by what it sends)
  const { peer } = connect(ndjson(process.stdin, process.stdout, { endOnClose: false }), gateway);
  peer.events$.subscribe((e) => {
    const line = describeEvent(e);
    if (line !== undefined) log(`front ${line}`);
    if (e.type === 'connection-closed') {
      gateway.close();
      setImmediate(() => process.exit(0));
    }
  });
} else {
  const mcp = streamableHttp(gateway);
  serveHttp(mcp, portArgument(log), (line) => log(`front ${line}`));
  process.on('SIGTERM', () => gateway.close());
  process.on('SIGINT', () => gateway.close());
}
