import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { expect } from 'chai';
import { Subject, firstValueFrom } from 'rxjs';
import { JsonRpcError, RequestSendError, connect, type PeerEvent, type WireTransport } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { fromSdkTransport } from '../../lib/sdk.js';
import { mcpHandlers } from '../../examples/mcp-handlers.js';
import { flush, req } from '../helpers.js';

/** A WireTransport whose send is `send`; `incoming` feeds it, `sent` records every call. */
const fake = (send: (m: JsonRpcMessage) => void | Promise<void>) => {
  const incoming = new Subject<unknown>();
  const sent: JsonRpcMessage[] = [];
  const wire: WireTransport = {
    incoming$: incoming,
    send: (m) => {
      sent.push(m);
      return send(m);
    },
    close: () => incoming.complete(),
  };
  return { wire, incoming, sent };
};

describe('connect', () => {
  describe('a request the transport fails to write', () => {
    it('should error the request at once with RequestSendError when send throws, and send no cancel', () => {
      const { wire, sent } = fake(() => {
        throw new Error('EPIPE');
      });
      const { peer, subscription } = connect(wire);
      const events: PeerEvent[] = [];
      peer.events$.subscribe((e) => events.push(e));
      let error: unknown;
      const sub = peer.request('tools/call', { name: 'x' }, { timeoutMs: 60_000 }).subscribe({ error: (e: unknown) => (error = e) });
      expect(error).to.be.instanceOf(RequestSendError).and.to.be.instanceOf(JsonRpcError).and.include({ code: -32802, requestId: 0 });
      expect((error as RequestSendError).cause).to.be.instanceOf(Error).and.include({ message: 'EPIPE' });
      expect(peer.inFlight().sending).to.equal(0);
      sub.unsubscribe();
      expect(sent).to.have.length(1);
      expect(events.map((e) => e.type)).to.deep.equal(['request-sent', 'request-send-failed', 'transport-error']);
      subscription.unsubscribe();
    });

    it('should error the request as soon as send rejects, and send no cancel', async () => {
      const { wire, sent, incoming } = fake((m) => ('method' in m && m.method === 'tools/call' ? Promise.reject(new Error('socket closed')) : Promise.resolve()));
      const { peer, subscription } = connect(wire);
      const failed = firstValueFrom(peer.request('tools/call', {}, { timeoutMs: 60_000 })).then(() => undefined, (e: unknown) => e);
      await flush();
      const error = await within(200, failed);
      expect(error).to.be.instanceOf(RequestSendError);
      expect(messageOfCause(error)).to.equal('socket closed');
      expect(peer.inFlight().sending).to.equal(0);
      // a later request on the same transport still works
      const later = firstValueFrom(peer.request('ping'));
      incoming.next({ jsonrpc: '2.0', id: 1, result: {} });
      expect(await later).to.deep.equal({});
      expect(sent.filter((m) => 'method' in m && m.method === 'notifications/cancelled')).to.deep.equal([]);
      subscription.unsubscribe();
    });

    it('should only report a failed write of a notification, erroring no request', async () => {
      const { wire } = fake((m) => ('method' in m && !('id' in m) ? Promise.reject(new Error('nope')) : undefined));
      const { peer, subscription } = connect(wire);
      const events: PeerEvent[] = [];
      peer.events$.subscribe((e) => events.push(e));
      let error: unknown;
      peer.request('x').subscribe({ error: (e: unknown) => (error = e) });
      peer.notify('notifications/initialized');
      await flush();
      expect(error).to.equal(undefined);
      expect(events.map((e) => e.type)).to.deep.equal(['request-sent', 'transport-error']);
      expect(peer.inFlight().sending).to.equal(1);
      subscription.unsubscribe();
    });
  });
});

/** What `p` settles to within `ms`, or 'still pending'; the timer is cleared either way. */
const within = async <T>(ms: number, p: Promise<T>): Promise<T | 'still pending'> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<'still pending'>((r) => (timer = setTimeout(() => r('still pending'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
};

const messageOfCause = (e: unknown): unknown => (e instanceof RequestSendError && e.cause instanceof Error ? e.cause.message : e);

// an SDK Client connecting to an in-memory server side whose start() calls are counted: the
// initialize request waits on that side until something starts it
const sdkClientWaiting = () => {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  let count = 0;
  const start = serverSide.start.bind(serverSide);
  serverSide.start = () => (count++, start());
  const client = new Client({ name: 'sdk-client', version: '1.0.0' });
  const connecting = client.connect(clientSide, { timeout: 2_000 });
  return { serverSide, starts: () => count, client, connecting };
};

describe('connect with an SDK transport', () => {
  it('should start a transport adapted with fromSdkTransport, so the peer answers the SDK Client', async () => {
    const { serverSide, starts, client, connecting } = sdkClientWaiting();
    // the initialize request is queued on the server side: only start() delivers it
    await flush();
    const connection = connect(fromSdkTransport(serverSide), { handlers: mcpHandlers() });
    await connecting;
    expect(client.getServerVersion()?.name).to.equal('mcp-rx-cancel-example');
    expect((await client.listTools()).tools.map((t) => t.name)).to.deep.equal(['echo', 'slow_count', 'stats']);
    expect(starts()).to.equal(1);
    await client.close();
    connection.subscription.unsubscribe();
  });

  it('should still start an SDK transport given as it is, once', async () => {
    const { serverSide, starts, client, connecting } = sdkClientWaiting();
    await flush();
    const connection = connect(serverSide, { handlers: mcpHandlers() });
    await connecting;
    await client.ping();
    expect(starts()).to.equal(1);
    await client.close();
    connection.subscription.unsubscribe();
  });

  it('should never send a request abandoned before the SDK transport started, nor its cancel', async () => {
    const [other, ours] = InMemoryTransport.createLinkedPair();
    const received: unknown[] = [];
    other.onmessage = (x) => void received.push(x);
    await other.start();
    const { peer, subscription } = connect(ours);
    // start() has not resolved yet: these wait in connect's backlog
    peer.request('tools/call', { name: 'rm' }).subscribe().unsubscribe();
    const ac = new AbortController();
    peer.request('tools/call', { name: 'mv' }, { signal: ac.signal }).subscribe({ error: () => undefined });
    ac.abort('no');
    peer.request('kept').subscribe({ error: () => undefined });
    peer.notify('notifications/initialized');
    await flush();
    expect(received).to.deep.equal([req(2, 'kept'), { jsonrpc: '2.0', method: 'notifications/initialized' }]);
    subscription.unsubscribe();
  });
});
