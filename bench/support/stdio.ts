// The round trips over stdio: a client in this process, an MCP server in a child process (NDJSON
// over its pipes, ./stdio-server.ts), directly or through an mcpGateway in this process. What
// issue 22 targets: "the gateway adds at most 30% to a round trip over stdio".
//   ours:            mcpClient --ndjson--> child (our mcpServer)
//   ours, gateway:   mcpClient --memory--> mcpGateway --ndjson--> child (our mcpServer)
//   sdk:             SDK v1 Client --StdioClientTransport--> child (SDK v1 Server)
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { Subject } from 'rxjs';
import { connect, createPeer, type PeerOptions } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { mcpGateway } from '../../lib/gateway.js';
import { mcpClient, mcpClientHandlers } from '../../lib/mcp.js';
import { ndjson } from '../../lib/stdio.js';
import { ECHO, fail, noop, type Pair } from './calls.js';
import { Counter } from './child.js';

const child = join(dirname(fileURLToPath(import.meta.url)), 'stdio-server.js');
const info = { name: 'bench', version: '1' };
const limits = (capacity: number): PeerOptions => ({
  maxInFlight: capacity,
  maxPendingRequests: capacity,
  security: { maxCancellationsPerSecond: 1e12, burst: 1e12 },
});

/** The echo loop of an mcpClient, once its handshake is done; `close` ends it and its child. */
const ourPair = async (client: ReturnType<typeof mcpClient>, close: () => void): Promise<Pair> => {
  await new Promise<void>((resolve, reject) => client.connect().subscribe({ complete: resolve, error: reject }));
  return {
    started: new Counter(),
    cleanups: new Counter(),
    echo: (done) => {
      client.callTool(ECHO.name, ECHO.arguments).subscribe({ complete: done, error: fail });
    },
    hold: () => {
      throw new Error('the stdio pairs measure round trips only');
    },
    close: async () => close(),
  };
};

const spawnOurs = () => spawn(process.execPath, [child, '--side=ours'], { stdio: ['pipe', 'pipe', 'inherit'] });

/** ours, directly: our mcpClient on the child's pipes. */
const ourDirect = async (capacity: number): Promise<Pair> => {
  const proc = spawnOurs();
  // a peer of our own, for the same caps as the gateway's client (mcpClient over a transport takes the defaults)
  const { peer, subscription } = connect(ndjson(proc.stdout, proc.stdin), { ...limits(capacity), handlers: mcpClientHandlers({}) });
  const client = mcpClient(peer, { info, era: '2025-11-25' });
  return ourPair(client, () => {
    subscription.unsubscribe();
    proc.kill();
  });
};

/** ours, through the gateway: the client in memory before an mcpGateway, the gateway on the child's pipes. */
const ourGateway = async (capacity: number): Promise<Pair> => {
  const proc = spawnOurs();
  const gateway = mcpGateway({ upstream: ndjson(proc.stdout, proc.stdin), era: '2025-11-25', maxInFlight: capacity, maxInFlightPerSender: capacity });
  const toFront = new Subject<unknown>();
  const toClient = new Subject<unknown>();
  const front = createPeer(toFront, { ...limits(capacity), ...gateway });
  const peer = createPeer(toClient, { ...limits(capacity), handlers: mcpClientHandlers({}) });
  const s1 = front.outgoing$.subscribe((m: JsonRpcMessage) => toClient.next(m));
  const s2 = peer.outgoing$.subscribe((m: JsonRpcMessage) => toFront.next(m));
  const client = mcpClient(peer, { info, era: '2025-11-25' });
  return ourPair(client, () => {
    s2.unsubscribe();
    s1.unsubscribe();
    gateway.close();
    proc.kill();
  });
};

/** The SDK v1, directly: its Client spawning the child with its own StdioClientTransport. */
const sdkDirect = async (): Promise<Pair> => {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [child, '--side=sdk'], stderr: 'inherit' }));
  return {
    started: new Counter(),
    cleanups: new Counter(),
    echo: (done) => {
      client.request({ method: 'tools/call', params: ECHO }, CallToolResultSchema).then(done, fail);
    },
    hold: () => {
      throw new Error('the stdio pairs measure round trips only');
    },
    close: async () => {
      await client.close().catch(noop);
    },
  };
};

/** The stdio pair of a side: `gateway` for ours through mcpGateway. */
export const stdioPair = (side: string, capacity: number, gateway: boolean): Promise<Pair> => {
  if (side === 'ours') return gateway ? ourGateway(capacity) : ourDirect(capacity);
  if (side === 'sdk' && !gateway) return sdkDirect();
  throw new Error(`no stdio pair for --side=${side}${gateway ? ' through the gateway' : ''}`);
};
