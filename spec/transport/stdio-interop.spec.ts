import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, LoggingMessageNotificationSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { ConnectionClosedError, connect, type Connection, type PeerEvent } from '../../lib/index.js';
import { ndjson } from '../../lib/stdio.js';
import type { SdkTransport } from '../../lib/sdk.js';
import { Lines, ROOT, example, fixture, tsNode, until } from './support.js';

// Every test here is real: a child process, real pipes, the official SDK (1.32) on the other end.

type Rec = Record<string, unknown>;
const INIT = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcp-rx-cancel-spec', version: '0' } };

// the SDK's transports are assignable to our structural SdkTransport: checked by the compiler
const assignable: (t: StdioClientTransport) => SdkTransport = (t) => t;
void assignable;

describe('interop over stdio', function () {
  this.timeout(20_000);

  describe('the official SDK Client against our server in a child process', () => {
    let transport: StdioClientTransport;
    let client: Client;
    let stderr: Lines;
    const received: Rec[] = [];
    const sent: Rec[] = [];
    const logs: string[] = [];

    before(async () => {
      transport = new StdioClientTransport({ ...tsNode(example('stdio-server.ts')), cwd: ROOT, stderr: 'pipe' });
      stderr = new Lines(transport.stderr as Readable | null);
      client = new Client({ name: 'sdk-client', version: '1.0.0' });
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(String(n.params.data)));
      await client.connect(transport);
      // watch the wire itself: what the server really sent, and what the SDK really wrote
      const onmessage = transport.onmessage;
      transport.onmessage = (m) => {
        received.push(m as Rec);
        onmessage?.(m);
      };
      const send = transport.send.bind(transport);
      transport.send = (m: Parameters<StdioClientTransport['send']>[0]) => {
        sent.push(m as Rec);
        return send(m);
      };
    });

    after(async () => {
      await client?.close();
    });

    it('should initialize and list the tools', async () => {
      expect(client.getServerVersion()?.name).to.equal('mcp-rx-cancel-example');
      expect(client.getServerCapabilities()).to.have.property('tools');
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).to.deep.equal(['echo', 'slow_count', 'stats']);
    });

    it('should call a tool', async () => {
      const r = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
      expect(r.content).to.deep.equal([{ type: 'text', text: 'hello' }]);
    });

    it('should deliver progress to the SDK onprogress', async () => {
      const seen: number[] = [];
      const r = await client.callTool({ name: 'slow_count', arguments: { steps: 3, intervalMs: 10 } }, undefined, {
        onprogress: (p) => void seen.push(p.progress),
      });
      // SDK 1.32 runs notification handlers a microtask late but responses at once: a last
      // progress read in the same chunk as the response is dropped (sent to onerror as an
      // "unknown token"). The server sent all three, before the result (docs/protocol.md P3).
      expect(seen.length).to.be.at.least(2);
      expect(seen).to.deep.equal([1, 2, 3].slice(0, seen.length));
      const onWire = received.filter((m) => m['method'] === 'notifications/progress').map((m) => (m['params'] as Rec)['progress']);
      expect(onWire).to.deep.equal([1, 2, 3]);
      expect(r.content).to.deep.equal([{ type: 'text', text: 'counted to 3' }]);
    });

    it('should stop a long call aborted through the SDK AbortSignal: cleanup runs and no response is sent', async () => {
      const ac = new AbortController();
      let progressed = 0;
      const call = client.callTool({ name: 'slow_count', arguments: { steps: 1000, intervalMs: 10 } }, undefined, {
        signal: ac.signal,
        onprogress: () => {
          if (++progressed === 2) ac.abort('user stop');
        },
      });
      const error: unknown = await call.then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(Error);
      const request = sent.filter((m) => m['method'] === 'tools/call').at(-1) as Rec;
      const id = request['id'] as number;
      expect(id).to.be.greaterThan(0);
      const cancel = sent.find((m) => m['method'] === 'notifications/cancelled' && (m['params'] as Rec)['requestId'] === id);
      expect(cancel, 'the SDK sent notifications/cancelled').to.not.equal(undefined);
      await stderr.waitFor(new RegExp(`cleanup slow_count #${id}: cancelled \\(peer`));
      // a round trip after the cleanup: anything the server wrote before it has arrived
      await client.ping();
      expect(received.some((m) => m['id'] === id), 'no response to the cancelled request').to.equal(false);
      expect(logs.some((l) => l.startsWith(`cleanup slow_count #${id}`)), 'cleanup reported as a logging notification').to.equal(true);
    });

    it('should stop a call the SDK times out: the SDK cancels and our cleanup runs', async () => {
      const error: unknown = await client
        .callTool({ name: 'slow_count', arguments: { steps: 1000, intervalMs: 10 } }, undefined, { timeout: 150 })
        .then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(McpError);
      expect((error as McpError).code).to.equal(ErrorCode.RequestTimeout);
      const id = (sent.filter((m) => m['method'] === 'tools/call').at(-1) as Rec)['id'] as number;
      await stderr.waitFor(new RegExp(`cleanup slow_count #${id}: cancelled \\(peer`));
      await client.ping();
      expect(received.some((m) => m['id'] === id)).to.equal(false);
    });
  });

  describe('our peer as the client of an official SDK server in a child process', () => {
    let transport: StdioClientTransport;
    let connection: Connection;
    let stderr: Lines;
    const events: PeerEvent[] = [];

    before(async () => {
      transport = new StdioClientTransport({ ...tsNode(fixture('sdk-stdio-server.ts')), cwd: ROOT, stderr: 'pipe' });
      stderr = new Lines(transport.stderr as Readable | null);
      // an SDK transport, given directly: connect adapts and starts it
      connection = connect(transport);
      connection.peer.events$.subscribe((e) => events.push(e));
      const init = await firstValueFrom(connection.peer.request<Rec>('initialize', INIT));
      expect((init['serverInfo'] as Rec)['name']).to.equal('sdk-fixture');
      connection.peer.notify('notifications/initialized');
    });

    after(() => connection?.subscription.unsubscribe());

    it('should call a tool and receive its progress', async () => {
      const seen: number[] = [];
      const r = await lastValueFrom(
        connection.peer.request<Rec>('tools/call', { name: 'count', arguments: { n: 3 } }, { onProgress: (p) => void seen.push(p.progress) }),
      );
      expect(r['content']).to.deep.equal([{ type: 'text', text: 'counted to 3' }]);
      expect(seen).to.deep.equal([1, 2, 3]);
    });

    it('should abort the SDK handler extra.signal when our subscriber unsubscribes', async () => {
      // ids count from 0 and initialize took 0: this id is > 0, clear of the SDK's defect D1
      const sub = connection.peer.request('tools/call', { name: 'slow', arguments: { ms: 30_000 } }, { reason: 'no longer needed' }).subscribe();
      const [, id] = (await stderr.waitFor(/^started (\d+)/)) as RegExpMatchArray;
      expect(Number(id)).to.be.greaterThan(0);
      sub.unsubscribe();
      await stderr.waitFor(new RegExp(`^aborted ${id}: no longer needed`));
      expect(events.some((e) => e.type === 'cancel-sent' && e.key.requestId === Number(id))).to.equal(true);
      expect(connection.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });

    it('should error a pending request with ConnectionClosedError when the child is killed', async () => {
      const pending = lastValueFrom(connection.peer.request('tools/call', { name: 'slow', arguments: { ms: 30_000 } }));
      await stderr.waitFor(/^started (\d+)/);
      const pid = transport.pid;
      expect(pid).to.be.a('number');
      process.kill(pid as number, 'SIGKILL');
      const error: unknown = await pending.then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(ConnectionClosedError);
      expect(connection.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
      expect(events.some((e) => e.type === 'connection-closed')).to.equal(true);
    });
  });

  describe('our peer over ndjson against our server in a child process', () => {
    let child: ChildProcess;
    let connection: Connection;

    before(() => {
      const { command, args } = tsNode(example('stdio-server.ts'));
      child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    });

    after(() => {
      connection?.subscription.unsubscribe();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    it('should error a pending request with ConnectionClosedError when the child is killed, leaking nothing', async () => {
      const stderr = new Lines(child.stderr);
      connection = connect(ndjson(child.stdout as NonNullable<ChildProcess['stdout']>, child.stdin as NonNullable<ChildProcess['stdin']>));
      const { peer } = connection;
      await firstValueFrom(peer.request('initialize', INIT));
      peer.notify('notifications/initialized');
      let progressed = false;
      const pending = lastValueFrom(
        peer.request('tools/call', { name: 'slow_count', arguments: { steps: 1000, intervalMs: 10 } }, { onProgress: () => (progressed = true) }),
      );
      await until(() => progressed, 10_000, 'first progress');
      await stderr.waitFor(/request-received tools\/call/);
      child.kill('SIGKILL');
      const error: unknown = await pending.then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(ConnectionClosedError);
      expect(peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });
  });
});
