import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mcpHandlers } from '../../../examples/mcp-handlers.js';
import type { PeerEvent } from '../../../lib/index.js';
import { streamableHttp, type HttpEvent, type StreamableHttp } from '../../../lib/http.js';
import { sleep, until } from './server.js';

// The official clients against our server over real HTTP: SDK 1.32 (2025-11-25, sessions) and
// SDK v2 2.4 pinned to 2026-07-28 (one POST per request). Each aborts a call mid-way: the v1
// client by notifications/cancelled (source 'peer'), the v2 client by closing the stream ('close').

interface Side {
  readonly http: StreamableHttp;
  readonly url: URL;
  readonly cleanups: string[];
  readonly events: Array<PeerEvent | HttpEvent>;
  stop(): Promise<void>;
}

const serve = async (): Promise<Side> => {
  const cleanups: string[] = [];
  const http = streamableHttp({ handlers: mcpHandlers({ report: { cleanup: (id, tool, how) => void cleanups.push(`${tool} #${JSON.stringify(id)}: ${how}`) } }) });
  const events: Array<PeerEvent | HttpEvent> = [];
  http.events$.subscribe((e) => void events.push(e));
  const server: Server = createServer((req, res) => void http.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    http, cleanups, events,
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`),
    stop: async () => {
      await http.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
};

describe('interop: the official clients against streamableHttp', function () {
  this.timeout(20_000);

  describe('SDK 1.32 StreamableHTTPClientTransport (2025-11-25)', () => {
    let side: Side;
    let client: ClientV1;
    before(async () => {
      side = await serve();
      client = new ClientV1({ name: 'sdk-v1', version: '1.32.2' });
      await client.connect(new HttpV1(side.url));
    });
    after(async () => {
      await client?.close();
      await side?.stop();
    });

    it('should initialize in a session and list the tools', async () => {
      expect(client.getServerVersion()?.name).to.equal('mcp-rx-cancel-example');
      expect(side.events.some((e) => e.type === 'session-opened')).to.equal(true);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).to.include('slow_count');
    });

    it('should call a tool with progress', async () => {
      const seen: number[] = [];
      const r = await client.callTool({ name: 'slow_count', arguments: { steps: 3, intervalMs: 5 } }, undefined, { onprogress: (p) => void seen.push(p.progress) });
      expect(r.content).to.deep.equal([{ type: 'text', text: 'counted to 3' }]);
      expect(seen.length).to.be.at.least(2);
    });

    it("should stop the handler with source 'peer' when the call is aborted, and send no response", async () => {
      const ac = new AbortController();
      let n = 0;
      const error = await client
        .callTool({ name: 'slow_count', arguments: { steps: 1000, intervalMs: 5 } }, undefined, { signal: ac.signal, onprogress: () => void (++n === 2 && ac.abort('user stop')) })
        .then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(Error);
      await until(() => side.cleanups.some((c) => /cancelled \(peer: user stop\)/.test(c)), 'the cleanup');
      await sleep(30);
      expect(side.cleanups.filter((c) => /cancelled/.test(c))).to.have.length(1);
      const cancelled = side.events.filter((e) => e.type === 'request-cancelled');
      expect(cancelled).to.have.length(1);
      // no response went out for it: it completed nor failed
      const key = cancelled[0]?.type === 'request-cancelled' ? cancelled[0].key : undefined;
      expect(side.events.some((e) => (e.type === 'request-completed' || e.type === 'request-failed') && e.key.requestId === key?.requestId)).to.equal(false);
      expect(side.http.inFlight()).to.equal(0);
    });
  });

  describe('SDK v2 client pinned to 2026-07-28', () => {
    let side: Side;
    let client: ClientV2;
    before(async () => {
      side = await serve();
      client = new ClientV2({ name: 'sdk-v2', version: '2.4.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(new HttpV2(side.url));
    });
    after(async () => {
      await client?.close();
      await side?.stop();
    });

    it('should speak 2026-07-28 with no session', async () => {
      expect(client.getNegotiatedProtocolVersion()).to.equal('2026-07-28');
      expect(side.events.some((e) => e.type === 'session-opened')).to.equal(false);
    });

    it('should call a tool with progress', async () => {
      const seen: number[] = [];
      const r = await client.callTool({ name: 'slow_count', arguments: { steps: 3, intervalMs: 5 } }, { onprogress: (p) => void seen.push(p.progress) });
      expect(r.content).to.deep.equal([{ type: 'text', text: 'counted to 3' }]);
      expect(seen).to.deep.equal([1, 2, 3]);
    });

    it("should stop the handler with source 'close' when the call is aborted", async () => {
      const ac = new AbortController();
      let n = 0;
      const error = await client
        .callTool({ name: 'slow_count', arguments: { steps: 1000, intervalMs: 5 } }, { signal: ac.signal, onprogress: () => void (++n === 2 && ac.abort('user stop')) })
        .then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(Error);
      await until(() => side.cleanups.some((c) => /cancelled \(close\)/.test(c)), 'the cleanup');
      await sleep(30);
      expect(side.cleanups.filter((c) => /cancelled/.test(c))).to.have.length(1);
      expect(side.events.some((e) => e.type === 'stream-closed' && e.cancelled)).to.equal(true);
      expect(side.http.inFlight()).to.equal(0);
    });
  });
});
