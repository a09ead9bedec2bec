import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { firstValueFrom } from 'rxjs';
import { ConnectionClosedError, connect, type PeerEvent } from '../../lib/index.js';
import { fromSdkTransport, type SdkTransport } from '../../lib/sdk.js';
import { mcpHandlers } from '../../examples/mcp-handlers.js';
import { until } from './support.js';

const assignable: (t: InMemoryTransport) => SdkTransport = (t) => t;
void assignable;

/** Our example server on one end of the SDK's in-memory pair, the SDK Client on the other. */
const pair = async (capabilities: Record<string, object> = {}) => {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const cleanups: string[] = [];
  const connection = connect(serverSide, { handlers: mcpHandlers({ report: { cleanup: (id, _t, how) => void cleanups.push(`#${JSON.stringify(id)} ${how}`) } }) });
  const events: PeerEvent[] = [];
  connection.peer.events$.subscribe((e) => events.push(e));
  const client = new Client({ name: 'sdk-client', version: '1.0.0' }, { capabilities });
  // a sampling request the SDK client never answers: it stays pending on our side
  if ('sampling' in capabilities) client.setRequestHandler(CreateMessageRequestSchema, () => new Promise<never>(() => undefined));
  await client.connect(clientSide);
  return { client, connection, events, cleanups, serverSide };
};

describe('fromSdkTransport and connect with the SDK in-memory transport', () => {
  it('should serve the SDK Client (the in-memory transport sends params: undefined)', async () => {
    const { client, connection } = await pair();
    expect(client.getServerVersion()?.name).to.equal('mcp-rx-cancel-example');
    expect((await client.listTools()).tools.map((t) => t.name)).to.deep.equal(['echo', 'slow_count', 'stats']);
    await client.ping();
    await client.close();
    connection.subscription.unsubscribe();
  });

  it('should turn the SDK onerror into a transport-error event, not a close', async () => {
    const { client, connection, events, serverSide } = await pair();
    serverSide.onerror?.(new Error('boom'));
    const e = events.find((x) => x.type === 'transport-error');
    expect(e?.type === 'transport-error' && e.error.message).to.equal('boom');
    expect(events.some((x) => x.type === 'connection-closed')).to.equal(false);
    const r = await client.callTool({ name: 'echo', arguments: { text: 'still open' } });
    expect(r.content).to.deep.equal([{ type: 'text', text: 'still open' }]);
    await client.close();
    connection.subscription.unsubscribe();
  });

  it('should cancel what is in flight both ways when the SDK transport closes (onclose)', async () => {
    const { client, connection, cleanups, events } = await pair({ sampling: {} });
    const call = client.callTool({ name: 'slow_count', arguments: { steps: 1000, intervalMs: 10 } }).then(() => undefined, (e: unknown) => e);
    await until(() => connection.peer.inFlight().serving === 1, 5_000, 'the call to run');
    const pending = firstValueFrom(
      connection.peer.request('sampling/createMessage', { messages: [], maxTokens: 1 }, { timeoutMs: 10_000 }),
    ).then(() => undefined, (e: unknown) => e);
    await until(() => connection.peer.inFlight().sending === 1, 5_000, 'the sampling request to be sent');
    await client.close();
    expect(await call).to.be.instanceOf(Error);
    const error = await pending;
    expect(error).to.be.instanceOf(ConnectionClosedError);
    expect(cleanups).to.deep.equal(['#1 cancelled (close)']);
    expect(connection.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    expect(events.some((e) => e.type === 'connection-closed')).to.equal(true);
    connection.subscription.unsubscribe();
  });

  it('should pass relatedRequestId to the SDK send and set the protocol version after an initialize result', async () => {
    const [a, b] = InMemoryTransport.createLinkedPair();
    const seen: Array<{ m: unknown; related: unknown }> = [];
    const versions: string[] = [];
    const send = b.send.bind(b);
    b.send = (m, o) => {
      seen.push({ m, related: o?.relatedRequestId });
      return send(m, o);
    };
    const wire = fromSdkTransport(Object.assign(b, { setProtocolVersion: (v: string) => void versions.push(v) }));
    const connection = connect(wire, { handlers: mcpHandlers() });
    const received: unknown[] = [];
    a.onmessage = (m) => void received.push(m);
    await a.start();
    await a.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    await until(() => received.length === 1, 5_000, 'the initialize result');
    expect(versions).to.deep.equal(['2025-03-26']);
    await a.send({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'slow_count', arguments: { steps: 2, intervalMs: 1 }, _meta: { progressToken: 't' } } });
    await until(() => received.length === 4, 5_000, 'two progress and the result');
    expect(seen.slice(1).map((s) => s.related)).to.deep.equal([9, 9, 9]);
    connection.subscription.unsubscribe();
  });

  it('should report an SDK transport that fails to start as a transport-error and close, never crash', async () => {
    const { peer, subscription } = connect(new StdioClientTransport({ command: '/nonexistent/mcp-server' }));
    const events: PeerEvent[] = [];
    peer.events$.subscribe((e) => events.push(e));
    const error = await firstValueFrom(peer.request('ping')).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ConnectionClosedError);
    expect(events.some((e) => e.type === 'transport-error')).to.equal(true);
    expect(peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    subscription.unsubscribe();
  });

  for (const how of ['close()', 'the SDK onclose'] as const) {
    it(`should write nothing after ${how} and say so: a rejection the caller sees, no unhandled one when ignored`, async () => {
      // the SDK stdio server would still write after its close, and resolve, as if delivered
      const stdout = new PassThrough();
      const written: string[] = [];
      stdout.on('data', (c: Buffer) => void written.push(c.toString()));
      const sdk = new StdioServerTransport(new PassThrough(), stdout);
      const wire = fromSdkTransport(sdk);
      let completed = false;
      wire.incoming$.subscribe({ complete: () => (completed = true) });
      await wire.start();
      await (how === 'close()' ? wire.close() : sdk.close());
      expect(completed).to.equal(true);
      const seen: unknown[] = [];
      const listen = (e: unknown): void => void seen.push(e);
      process.on('unhandledRejection', listen);
      try {
        const error = await Promise.resolve(wire.send({ jsonrpc: '2.0', id: 1, method: 'ping' })).then(() => 'resolved', (e: unknown) => e);
        expect(error).to.be.instanceOf(ConnectionClosedError);
        for (let i = 0; i < 5; i++) void wire.send({ jsonrpc: '2.0', method: 'n', params: { i } });
        await new Promise((r) => setTimeout(r, 20));
      } finally {
        process.off('unhandledRejection', listen);
      }
      expect(seen).to.deep.equal([]);
      expect(written).to.deep.equal([]);
    });
  }
});
