import { Client as ClientV2, type VersionNegotiationMode } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import type { Readable } from 'node:stream';
import { ERA_VERSIONS, META_PROTOCOL_VERSION } from '../../lib/codec/era.js';
import type { ToolStats } from '../../examples/mcp-handlers.js';
import { Lines, ROOT, example, tsNode, until } from './support.js';

// examples/stdio-server.ts in a child process, driven over real pipes by the official clients:
// SDK v2 (2.4) pinned to 2026-07-28, in 'auto' and in 'legacy' mode, and SDK v1 (1.32). One
// server answers both eras; a cancel runs the tool's cleanup once, which the client checks from
// outside with the `stats` tool, and nothing more is sent for the cancelled request.

type Rec = Record<string, unknown>;
const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});

interface CallOptions {
  readonly signal?: AbortSignal;
  readonly onprogress?: (p: { progress: number }) => void;
}

/** One client connected to its own server child, with the wire watched both ways. */
interface Side {
  readonly sent: Rec[];
  readonly received: Rec[];
  readonly stderr: Lines;
  readonly logs: string[];
  call(name: string, args: Rec, options?: CallOptions): Promise<Rec>;
  close(): Promise<void>;
}

type Wire = { send: (m: never, o?: never) => Promise<void>; onmessage?: ((m: never, e?: never) => void) | undefined };

/** Record what the client writes and what it reads, below the client (installed after connect). */
const watch = (transport: Wire, sent: Rec[], received: Rec[]): void => {
  const t = transport as unknown as { send: (m: Rec, o?: unknown) => Promise<void>; onmessage?: (m: Rec, e?: unknown) => void };
  const send = t.send.bind(t);
  t.send = (m, o) => {
    sent.push(m);
    return send(m, o);
  };
  const onmessage = t.onmessage;
  t.onmessage = (m, e) => {
    received.push(m);
    onmessage?.(m, e);
  };
};

const v2Side = async (mode: VersionNegotiationMode): Promise<Side & { client: ClientV2 }> => {
  const transport = new StdioV2({ ...tsNode(example('stdio-server.ts')), cwd: ROOT, stderr: 'pipe' });
  const stderr = new Lines(transport.stderr as Readable | null);
  const client = new ClientV2({ name: 'sdk-v2-client', version: '2.4.0' }, { versionNegotiation: { mode } });
  const logs: string[] = [];
  client.setNotificationHandler('notifications/message', (n) => void logs.push(String(n.params.data)));
  await client.connect(transport);
  const sent: Rec[] = [];
  const received: Rec[] = [];
  watch(transport as unknown as Wire, sent, received);
  return {
    client, sent, received, stderr, logs,
    call: async (name, args, options = {}) => rec(await client.callTool({ name, arguments: args }, options)),
    close: () => client.close(),
  };
};

const v1Side = async (): Promise<Side & { client: ClientV1 }> => {
  const transport = new StdioV1({ ...tsNode(example('stdio-server.ts')), cwd: ROOT, stderr: 'pipe' });
  const stderr = new Lines(transport.stderr as Readable | null);
  const client = new ClientV1({ name: 'sdk-v1-client', version: '1.32.2' });
  const logs: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(String(n.params.data)));
  await client.connect(transport);
  const sent: Rec[] = [];
  const received: Rec[] = [];
  watch(transport as unknown as Wire, sent, received);
  return {
    client, sent, received, stderr, logs,
    call: async (name, args, options = {}) => rec(await client.callTool({ name, arguments: args }, undefined, options)),
    close: () => client.close(),
  };
};

const statsOf = async (side: Side): Promise<ToolStats> => {
  const r = await side.call('stats', {});
  const s = rec(r['structuredContent']);
  // the text content carries the same JSON, for clients that read text only
  expect(r['content']).to.deep.equal([{ type: 'text', text: JSON.stringify(s) }]);
  return { inFlight: Number(s['inFlight']), cleanups: Number(s['cleanups']) };
};

const lastRequest = (side: Side, method: string): Rec => side.sent.filter((m) => m['method'] === method).at(-1) as Rec;

/**
 * A long slow_count aborted through the client's AbortSignal at its second progress: the client
 * sends notifications/cancelled, the server's cleanup runs once (stats: one more cleanup, nothing
 * in flight), and no response nor any progress for the request ever follows.
 */
const abortMidCall = async (side: Side): Promise<{ id: unknown }> => {
  const before = await statsOf(side);
  expect(before.inFlight).to.equal(0);
  const ac = new AbortController();
  let progressed = 0;
  const error: unknown = await side
    .call('slow_count', { steps: 1000, intervalMs: 10 }, { signal: ac.signal, onprogress: () => void (++progressed === 2 && ac.abort('user stop')) })
    .then(() => undefined, (e: unknown) => e);
  expect(error, 'the aborted call rejects').to.be.instanceOf(Error);
  const request = lastRequest(side, 'tools/call');
  const id = request['id'];
  const token = rec(rec(request['params'])['_meta'])['progressToken'];
  const cancel = side.sent.find((m) => m['method'] === 'notifications/cancelled' && rec(m['params'])['requestId'] === id);
  expect(cancel, 'notifications/cancelled on the wire').to.not.equal(undefined);
  await side.stderr.waitFor(new RegExp(`cleanup slow_count #${JSON.stringify(id)}: cancelled \\(peer: user stop\\)`));
  // the server reads stats after the cancel (one pipe, in order): its cleanup has run, once
  const after = await statsOf(side);
  expect(after).to.deep.equal({ inFlight: 0, cleanups: before.cleanups + 1 });
  // what the server wrote for the call before it read the cancel has arrived by now; a tool left
  // running would go on sending a progress every 10 ms: wait for five of them, see none
  const seen = side.received.length;
  await new Promise((r) => setTimeout(r, 50));
  await statsOf(side);
  const late = side.received.slice(seen).filter((m) => rec(m['params'])['progressToken'] === token || m['id'] === id);
  expect(late, 'nothing for the cancelled request after its cleanup').to.deep.equal([]);
  expect(side.received.some((m) => m['id'] === id), 'no response to the cancelled request').to.equal(false);
  return { id };
};

describe('interop over stdio, both eras, against the official SDK v2 and v1 clients', function () {
  this.timeout(20_000);

  describe('SDK v2 pinned to 2026-07-28', () => {
    let side: Side & { client: ClientV2 };
    before(async () => (side = await v2Side({ pin: '2026-07-28' })));
    after(async () => side?.close());

    it('should negotiate the 2026-07-28 era by server/discover, with no initialize', async () => {
      expect(side.client.getProtocolEra()).to.equal('modern');
      expect(side.client.getNegotiatedProtocolVersion()).to.equal('2026-07-28');
      expect(side.client.getServerVersion()?.name).to.equal('mcp-rx-cancel-example');
      // the SDK probed on a sibling process of its own: ask again on this connection, and read the wire
      const d = await side.client.discover();
      expect(d.supportedVersions).to.deep.equal([...ERA_VERSIONS['2026-07-28']]);
      expect(d.capabilities).to.deep.equal({ tools: {}, logging: {} });
      const request = lastRequest(side, 'server/discover');
      expect(rec(rec(request['params'])['_meta'])[META_PROTOCOL_VERSION]).to.equal('2026-07-28');
      const raw = rec(side.received.find((m) => m['id'] === request['id'])?.['result']);
      expect(raw).to.include({ resultType: 'complete', cacheScope: 'public' });
      expect(raw['ttlMs']).to.be.a('number');
      expect(side.stderr.all.some((l) => l.includes('initialize'))).to.equal(false);
    });

    it('should list the tools and call echo, each request naming its version in _meta', async () => {
      const { tools } = await side.client.listTools();
      expect(tools.map((t) => t.name)).to.deep.equal(['echo', 'slow_count', 'stats']);
      const r = await side.call('echo', { text: 'hello 2026' });
      expect(r['content']).to.deep.equal([{ type: 'text', text: 'hello 2026' }]);
      const call = lastRequest(side, 'tools/call');
      expect(rec(rec(call['params'])['_meta'])[META_PROTOCOL_VERSION]).to.equal('2026-07-28');
      expect(rec(side.received.find((m) => m['id'] === call['id'])?.['result'])['resultType']).to.equal('complete');
    });

    it('should deliver slow_count progress, then its result', async () => {
      const seen: number[] = [];
      const r = await side.call('slow_count', { steps: 3, intervalMs: 10 }, { onprogress: (p) => void seen.push(p.progress) });
      expect(r['content']).to.deep.equal([{ type: 'text', text: 'counted to 3' }]);
      const token = rec(rec(lastRequest(side, 'tools/call')['params'])['_meta'])['progressToken'];
      const onWire = side.received.filter((m) => m['method'] === 'notifications/progress' && rec(m['params'])['progressToken'] === token);
      expect(onWire.map((m) => rec(m['params'])['progress'])).to.deep.equal([1, 2, 3]);
      expect(seen).to.deep.equal([1, 2, 3].slice(0, seen.length));
    });

    it('should stop a call aborted mid-way: one cleanup, nothing in flight, nothing more sent for it', async () => {
      await abortMidCall(side);
      // 2026-07-28 sends no log message the request did not ask for (its logLevel), and nothing after its cancel
      expect(side.logs).to.deep.equal([]);
      expect(side.received.some((m) => m['method'] === 'notifications/message')).to.equal(false);
    });
  });

  describe("SDK v2 in 'auto' mode", () => {
    let side: Side & { client: ClientV2 };
    before(async () => (side = await v2Side('auto')));
    after(async () => side?.close());

    it('should settle on 2026-07-28, the server answering its probe', async () => {
      expect(side.client.getProtocolEra()).to.equal('modern');
      expect(side.client.getNegotiatedProtocolVersion()).to.equal('2026-07-28');
      expect((await statsOf(side)).inFlight).to.equal(0);
    });
  });

  describe("SDK v2 in 'legacy' mode: the 2025 path", () => {
    let side: Side & { client: ClientV2 };
    before(async () => (side = await v2Side('legacy')));
    after(async () => side?.close());

    it('should initialize, with 2025 results (no resultType)', async () => {
      expect(side.client.getProtocolEra()).to.equal('legacy');
      expect(ERA_VERSIONS['2025-11-25']).to.include(side.client.getNegotiatedProtocolVersion());
      const r = await side.call('echo', { text: 'hello 2025' });
      expect(r['content']).to.deep.equal([{ type: 'text', text: 'hello 2025' }]);
      const call = lastRequest(side, 'tools/call');
      expect(rec(call['params'])).to.not.have.property('_meta');
      expect(rec(side.received.find((m) => m['id'] === call['id'])?.['result'])).to.not.have.property('resultType');
    });

    it('should stop a call aborted mid-way by notifications/cancelled, and report its cleanup as a log message', async () => {
      const { id } = await abortMidCall(side);
      await until(() => side.logs.some((l) => l.startsWith(`cleanup slow_count #${JSON.stringify(id)}: cancelled`)), 5_000, 'the cleanup log message');
    });
  });

  describe('SDK v1 1.32: the 2025 path', () => {
    let side: Side & { client: ClientV1 };
    before(async () => (side = await v1Side()));
    after(async () => side?.close());

    it('should stop a call aborted mid-way by notifications/cancelled: one cleanup, nothing in flight', async () => {
      expect(side.client.getServerVersion()?.name).to.equal('mcp-rx-cancel-example');
      const { id } = await abortMidCall(side);
      await until(() => side.logs.some((l) => l.startsWith(`cleanup slow_count #${JSON.stringify(id)}: cancelled`)), 5_000, 'the cleanup log message');
    });
  });
});
