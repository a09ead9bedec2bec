// The libraries doing the same work: a client and a server in one process, wired in memory or
// over a framed byte stream, serving `tools/call` with the two tools of ./calls.ts (echo, hold).
// Ours and the official SDK v1 are here; the SDK v2 is in ./sdk2.ts, vscode-jsonrpc in ./vscode.ts,
// imported only by the child that runs them (a child loads no library it does not measure but v1).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolRequestSchema, CallToolResultSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { PassThrough } from 'node:stream';
import { NEVER, Subject, of, type Observable } from 'rxjs';
import * as t from 'io-ts';
import { connect, createPeer, type Handler, type Peer, type PeerOptions } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { ndjson } from '../../lib/stdio.js';
import { mcpServer, tool } from '../../lib/mcp.js';
import { mcpGateway } from '../../lib/gateway.js';
import { ECHO, HOLD, fail, isHold, mcpCancel, noop, type Pair, type PairOptions, type RawServer, type Wire } from './calls.js';
import { Counter, type Side } from './child.js';

export { ECHO, HOLD, fail, type Pair, type PairOptions, type RawServer, type Wire } from './calls.js';

// ---------------------------------------------------------------- ours

/** Caps out of the way: the bench measures the machinery, not the limits. */
const ourLimits = (capacity: number): PeerOptions => ({
  maxInFlight: capacity,
  maxPendingRequests: capacity,
  security: { maxCancellationsPerSecond: 1e12, burst: 1e12 },
});

const ourHandlers = (started: Counter, cleanups: Counter, syncEcho: boolean): Record<string, Handler> => ({
  'tools/call': (params, ctx) => {
    if (isHold(params)) {
      started.hit();
      ctx.onCleanup(cleanups.hit);
      return NEVER;
    }
    return syncEcho ? of({ content: [] }) : Promise.resolve({ content: [] });
  },
});

// the same two tools through the MCP layer: what a user of mcpServer pays over a raw handler
// (arguments validated by io-ts, the tool looked up, the result shaped for its era)
const ourMcpHandlers = (started: Counter, cleanups: Counter): Readonly<Record<string, Handler>> =>
  mcpServer({
    info: { name: 'bench', version: '1' },
    tools: [
      tool({ name: 'echo', args: t.UnknownRecord, run: () => Promise.resolve({ content: [] }) }),
      tool({
        name: 'hold',
        args: t.UnknownRecord,
        run: (_args, ctx) => {
          started.hit();
          ctx.onCleanup(cleanups.hit);
          return NEVER;
        },
      }),
    ],
  }).handlers;

/** How two of our peers are linked: returns the client and a way to close both. */
export type OurLink = (client: PeerOptions, server: PeerOptions) => Promise<{ client: Peer; close: () => Promise<void> }>;

const ourMemoryLink: OurLink = async (clientOptions, serverOptions) => {
  const toServer = new Subject<unknown>();
  const toClient = new Subject<unknown>();
  const server = createPeer(toServer, serverOptions);
  const client = createPeer(toClient, clientOptions);
  // each one's outgoing$ feeds the other's incoming: no copy, no framing
  const s1 = server.outgoing$.subscribe((m: JsonRpcMessage) => toClient.next(m));
  const s2 = client.outgoing$.subscribe((m: JsonRpcMessage) => toServer.next(m));
  return {
    client,
    close: async () => {
      s2.unsubscribe();
      s1.unsubscribe();
    },
  };
};

/**
 * The client before a gateway before the server, all in memory: the client's requests go to a
 * front peer serving `mcpGateway`'s handlers, which forwards each to the server under its own
 * upstream client's ids (a 2025-11-25 hop: the server answers `initialize` too). What a hop of
 * forwarding costs over the direct link.
 */
const ourGatewayLink: OurLink = async (clientOptions, serverOptions) => {
  const toUpstream = new Subject<unknown>();
  const toGateway = new Subject<unknown>();
  const initialize: Handler = () => of({ protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'bench', version: '1' } });
  const upstream = createPeer(toUpstream, { ...serverOptions, handlers: { ...serverOptions.handlers, initialize } });
  const s0 = upstream.outgoing$.subscribe((m: JsonRpcMessage) => toGateway.next(m));
  const capacity = clientOptions.maxInFlight ?? 1000;
  const gateway = mcpGateway({
    upstream: { incoming$: toGateway, send: (m: JsonRpcMessage) => toUpstream.next(m), close: () => toGateway.complete() },
    era: '2025-11-25',
    maxInFlight: capacity,
    maxInFlightPerSender: capacity,
  });
  const front = await ourMemoryLink(clientOptions, { ...clientOptions, ...gateway });
  return {
    client: front.client,
    close: async () => {
      await front.close();
      gateway.close();
      s0.unsubscribe();
    },
  };
};

const ourPair = async (link: OurLink, o: PairOptions): Promise<Pair> => {
  const started = new Counter();
  const cleanups = new Counter();
  const limits = ourLimits(o.capacity ?? 1000);
  const handlers = o.mcp === true ? ourMcpHandlers(started, cleanups) : ourHandlers(started, cleanups, o.syncEcho === true);
  const { client, close } = await link(limits, { ...limits, handlers });
  return {
    started,
    cleanups,
    echo: (done) => {
      client.request('tools/call', ECHO).subscribe({ complete: done, error: fail });
    },
    hold: () => {
      const s = client.request('tools/call', HOLD).subscribe({ error: noop });
      return () => s.unsubscribe();
    },
    close,
  };
};

const ourRawServer = async (capacity: number): Promise<{ server: RawServer; responses$: Observable<JsonRpcMessage> }> => {
  const started = new Counter();
  const cleanups = new Counter();
  const incoming$ = new Subject<unknown>();
  const peer = createPeer(incoming$, { ...ourLimits(capacity), handlers: ourHandlers(started, cleanups, false) });
  return {
    server: { started, cleanups, send: (m) => incoming$.next(m), cancelMessage: mcpCancel, close: async () => incoming$.complete() },
    responses$: peer.outgoing$,
  };
};

// ---------------------------------------------------------------- SDK

const sdkServer = (started: Counter, cleanups: Counter): Server => {
  const server = new Server({ name: 'bench', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    if (request.params.name !== 'hold') return { content: [] };
    started.hit();
    // the SDK's cleanup idiom: the handler's signal; a cancel that came first has aborted it already
    return new Promise((resolve) => {
      const cleanup = () => {
        cleanups.hit();
        resolve({ content: [] });
      };
      if (extra.signal.aborted) cleanup();
      else extra.signal.addEventListener('abort', cleanup, { once: true });
    });
  });
  return server;
};

const streamPair = (): { client: Transport; server: Transport } => {
  const up = new PassThrough();
  const down = new PassThrough();
  // StdioServerTransport is symmetric (reads one stream, writes the other): one per side
  return { client: new StdioServerTransport(down, up), server: new StdioServerTransport(up, down) };
};

const sdkPair = async (wire: Wire): Promise<Pair> => {
  const started = new Counter();
  const cleanups = new Counter();
  const server = sdkServer(started, cleanups);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  let ct: Transport;
  let st: Transport;
  if (wire === 'memory') [ct, st] = InMemoryTransport.createLinkedPair();
  else ({ client: ct, server: st } = streamPair());
  await server.connect(st);
  await client.connect(ct);
  return {
    started,
    cleanups,
    echo: (done) => {
      client.request({ method: 'tools/call', params: ECHO }, CallToolResultSchema).then(done, fail);
    },
    hold: () => {
      const ac = new AbortController();
      client.request({ method: 'tools/call', params: HOLD }, CallToolResultSchema, { signal: ac.signal }).catch(noop);
      return () => ac.abort('bench');
    },
    close: async () => {
      await client.close();
      await server.close();
    },
  };
};

const sdkRawServer = async (): Promise<{ server: RawServer; onResponse: (f: (m: JSONRPCMessage) => void) => void }> => {
  const started = new Counter();
  const cleanups = new Counter();
  const server = sdkServer(started, cleanups);
  const [ct, st] = InMemoryTransport.createLinkedPair();
  await server.connect(st);
  await ct.start();
  return {
    server: {
      started,
      cleanups,
      send: (m) => void ct.send(m as JSONRPCMessage),
      cancelMessage: mcpCancel,
      close: () => server.close(),
    },
    onResponse: (f) => {
      ct.onmessage = f;
    },
  };
};

// ---------------------------------------------------------------- choosing

/** Our framed link: `connect(ndjson(...))` on each side of a pair of PassThrough streams. */
const ourNdjsonLink: OurLink = async (clientOptions, serverOptions) => {
  const up = new PassThrough();
  const down = new PassThrough();
  const server = connect(ndjson(up, down), serverOptions);
  const client = connect(ndjson(down, up), clientOptions);
  return {
    client: client.peer,
    close: async () => {
      client.subscription.unsubscribe();
      server.subscription.unsubscribe();
    },
  };
};

export const makePair = async (side: Side, wire: Wire, o: PairOptions = {}): Promise<Pair> => {
  switch (side) {
    case 'ours':
      return ourPair(o.gateway === true ? ourGatewayLink : wire === 'memory' ? ourMemoryLink : ourNdjsonLink, o);
    case 'sdk':
      return sdkPair(wire);
    case 'sdk2':
      return (await import('./sdk2.js')).sdk2Pair(wire);
    case 'vscode':
      return (await import('./vscode.js')).vscodePair(wire);
  }
};

/** The serving side alone; `onResponse` receives every message it writes. */
export const makeRawServer = async (side: Side, capacity: number, onResponse: (m: unknown) => void): Promise<RawServer> => {
  switch (side) {
    case 'sdk': {
      const { server, onResponse: on } = await sdkRawServer();
      on(onResponse);
      return server;
    }
    case 'sdk2':
      return (await import('./sdk2.js')).sdk2RawServer(onResponse);
    case 'vscode':
      return (await import('./vscode.js')).vscodeRawServer(onResponse);
    case 'ours': {
      const { server, responses$ } = await ourRawServer(capacity);
      const s = responses$.subscribe(onResponse);
      return { ...server, close: async () => { await server.close(); s.unsubscribe(); } };
    }
  }
};
