import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { PeerEvent, WireTransport } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { mcpGateway, type GatewayEvent, type McpGateway, type McpGatewayOptions } from '../../lib/gateway.js';
import { streamableHttp, type HttpEvent, type StreamableHttp, type StreamableHttpOptions } from '../../lib/http.js';
import { ndjson } from '../../lib/stdio.js';
import { Lines, ROOT, example, tsNode } from '../transport/support.js';

// What the gateway specs share: a real upstream (examples/stdio-server.ts in a child process,
// whose wire is recorded as the gateway writes it), the gateway in this process behind a real
// Streamable HTTP front on 127.0.0.1, and the official SDK clients as front clients.

export { Lines, ROOT, example, tsNode, until } from '../transport/support.js';

type Rec = Record<string, unknown>;
export const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});

/** A stdio upstream made on demand: each start spawns examples/stdio-server.ts; what the gateway writes to it is recorded. */
export interface StdioUpstream {
  /** The gateway's `upstream` option. */
  readonly make: () => WireTransport;
  /** Every message the gateway wrote upstream, all children together. */
  readonly sent: JsonRpcMessage[];
  /** The stderr lines of every child (`[server] cleanup slow_count #3: cancelled (peer: ...)`). */
  readonly stderr: Lines;
  readonly children: Array<ChildProcessByStdio<Writable, Readable, Readable>>;
  killAll(): void;
}

export const stdioUpstream = (file = example('stdio-server.ts')): StdioUpstream => {
  const sent: JsonRpcMessage[] = [];
  const stderr = new Lines(undefined);
  const children: Array<ChildProcessByStdio<Writable, Readable, Readable>> = [];
  const make = (): WireTransport => {
    const { command, args } = tsNode(file);
    const child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    const lines = new Lines(child.stderr);
    const add = lines.add.bind(lines);
    lines.add = (line: string) => (add(line), stderr.add(line));
    const t = ndjson(child.stdout, child.stdin);
    return { incoming$: t.incoming$, send: (m, o) => (sent.push(m), t.send(m, o)), close: () => t.close() };
  };
  return { make, sent, stderr, children, killAll: () => children.forEach((c) => c.kill('SIGKILL')) };
};

/** The `tools/call` requests and `notifications/cancelled` the gateway wrote upstream. */
export const callsOf = (sent: readonly JsonRpcMessage[]): Array<{ id: unknown; name: unknown }> =>
  sent.flatMap((m) => ('method' in m && m.method === 'tools/call' && 'id' in m ? [{ id: m.id, name: rec(m.params)['name'] }] : []));
export const cancelsOf = (sent: readonly JsonRpcMessage[]): unknown[] =>
  sent.flatMap((m) => ('method' in m && m.method === 'notifications/cancelled' ? [rec(m.params)['requestId']] : []));

/** The gateway behind a `streamableHttp` front on a free port of 127.0.0.1, both eras. */
export interface Front {
  readonly url: string;
  readonly gateway: McpGateway;
  readonly mcp: StreamableHttp;
  readonly events: Array<GatewayEvent | PeerEvent | HttpEvent>;
  readonly server: Server;
  stop(): Promise<void>;
}

export const httpFront = async (options: McpGatewayOptions, front: Omit<StreamableHttpOptions, 'handlers' | 'notifications'> = {}): Promise<Front> => {
  const gateway = mcpGateway(options);
  const events: Array<GatewayEvent | PeerEvent | HttpEvent> = [];
  gateway.events$.subscribe((e) => events.push(e));
  const mcp = streamableHttp({ ...gateway, ...front });
  mcp.events$.subscribe((e) => events.push(e));
  const server = createServer((req, res) => void mcp.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    gateway,
    mcp,
    events,
    server,
    stop: async () => {
      await mcp.close();
      gateway.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
};

/** A front client: the official SDK's, of one era. */
export interface Side {
  call(name: string, args: Rec, options?: { signal?: AbortSignal; onprogress?: (p: { progress: number }) => void }): Promise<Rec>;
  close(): Promise<void>;
}

export const v1 = async (url: string, name = 'sdk-v1'): Promise<Side & { client: ClientV1; transport: HttpV1 }> => {
  const client = new ClientV1({ name, version: '1.32.2' });
  const transport = new HttpV1(new URL(url));
  await client.connect(transport);
  return { client, transport, call: async (n, args, o = {}) => rec(await client.callTool({ name: n, arguments: args }, undefined, o)), close: () => client.close() };
};

export const v2modern = async (url: string): Promise<Side> => {
  const client = new ClientV2({ name: 'sdk-v2', version: '2.4.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new HttpV2(new URL(url)));
  return { call: async (n, args, o = {}) => rec(await client.callTool({ name: n, arguments: args }, o)), close: () => client.close() };
};

export const textOf = (r: Rec): string => JSON.stringify(r['content'] ?? r);
