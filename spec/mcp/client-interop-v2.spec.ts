import { toNodeHandler } from '@modelcontextprotocol/node';
import { InMemoryTransport, McpServer, createMcpHandler, fromJsonSchema, inputRequired } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { expect } from 'chai';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { McpClientError, mcpClient, ofType, streamableHttpClient, type ElicitRequestParams, type McpClient, type PeerEvent } from './support.js';
import { until } from '../transport/support.js';

// mcpClient against the official SDK v2 (2.4.0) McpServer, which serves both eras: in process
// through its dual-era stdio entry (serveStdio over its in-memory pair), and on Streamable HTTP
// (createMcpHandler, 2026-07-28) through our streamableHttpClient. Its tool `confirm` asks for
// input the 2026 way (an input_required result); on a 2025 connection the SDK turns that into an
// elicitation/create request: our client answers both with the same handler.

interface Seen {
  started: number;
  aborted: number;
  states: Array<string | undefined>;
}

type Rec = Record<string, unknown>;

const empty = fromJsonSchema({ type: 'object', properties: {} });

const v2Server = (seen: Seen): McpServer => {
  const server = new McpServer({ name: 'sdk-v2', version: '2.4.0' });
  server.registerTool('echo', { inputSchema: fromJsonSchema<{ text: string }>({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }) }, ({ text }) => ({ content: [{ type: 'text' as const, text }] }));
  server.registerTool('slow', { inputSchema: empty }, (_args, ctx) =>
    new Promise((resolve) => {
      seen.started++;
      ctx.mcpReq.signal.addEventListener('abort', () => {
        seen.aborted++;
        resolve({ content: [] });
      });
    }),
  );
  server.registerTool('confirm', { inputSchema: empty }, (_args, ctx) => {
    const req = ctx.mcpReq as unknown as { inputResponses?: Rec; requestState?: () => string | undefined };
    seen.states.push(req.requestState?.());
    const answer = req.inputResponses?.['ok'] as { action?: string; content?: Rec } | undefined;
    if (answer !== undefined) return { content: [{ type: 'text' as const, text: `${String(answer.action)} ${JSON.stringify(answer.content ?? {})}` }] };
    return inputRequired({
      inputRequests: { ok: inputRequired.elicit({ message: 'Deploy?', requestedSchema: { type: 'object', properties: { sure: { type: 'boolean' } } } as never }) },
      requestState: 'opaque-1',
    });
  });
  return server;
};

const info = { name: 'rx-client', version: '1.0.0' };
const asked: ElicitRequestParams[] = [];
const elicitation = (p: ElicitRequestParams) => {
  asked.push(p);
  return Promise.resolve({ action: 'accept' as const, content: { sure: true } });
};

describe('mcpClient against the official SDK v2 McpServer', () => {
  let seen: Seen;
  beforeEach(() => {
    seen = { started: 0, aborted: 0, states: [] };
    asked.length = 0;
  });

  describe('in process, dual-era (serveStdio over the SDK in-memory pair)', () => {
    let client: McpClient;
    let events: PeerEvent[];
    const open = async (era: '2025-11-25' | 'auto', maxInputRounds?: number): Promise<void> => {
      const [ours, theirs] = InMemoryTransport.createLinkedPair();
      serveStdio(() => v2Server(seen), { transport: theirs });
      client = mcpClient(ours, { info, era, handlers: { elicitation }, ...(maxInputRounds === undefined ? {} : { maxInputRounds }) });
      events = [];
      client.peer.events$.subscribe((e) => events.push(e));
    };
    afterEach(() => client.close());

    it('should stay modern when the server/discover probe succeeds (era auto)', async () => {
      await open('auto');
      const d = await firstValueFrom(client.connect());
      expect(d).to.deep.include({ era: '2026-07-28', protocolVersion: '2026-07-28', serverInfo: { name: 'sdk-v2', version: '2.4.0' } });
      expect(d.supportedVersions).to.include('2026-07-28');
      expect((await lastValueFrom(client.listTools().pipe(toArray()))).map((t) => t.name)).to.deep.equal(['echo', 'slow', 'confirm']);
      // the probe's answer leaves the peer's era open; the first request naming 2026-07-28 decides it
      expect(client.peer.era()).to.equal('2026-07-28');
      expect((await firstValueFrom(client.callTool('echo', { text: 'modern' }))).content[0]?.text).to.equal('modern');
    });

    it('should run a 2026 input_required round: fulfil the elicitation, retry with the requestState untouched', async () => {
      await open('auto');
      const r = await firstValueFrom(client.callTool('confirm'));
      expect(r.content[0]?.text).to.equal('accept {"sure":true}');
      expect(asked.map((p) => p.message)).to.deep.equal(['Deploy?']);
      expect(seen.states).to.deep.equal([undefined, 'opaque-1']);
      // two independent requests: two ids, each answered
      expect(ofType(events, 'request-sent').filter((e) => e.method === 'tools/call').map((e) => e.key.requestId)).to.have.length(2);
    });

    it('should stop after maxInputRounds with INPUT_ROUNDS_EXCEEDED', async () => {
      await open('auto', 0);
      const error = await firstValueFrom(client.callTool('confirm')).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(McpClientError);
      expect((error as McpClientError).code).to.equal('INPUT_ROUNDS_EXCEEDED');
      expect(asked).to.deep.equal([]);
    });

    it('should cancel a 2026 call by unsubscribing: the handler aborts, nothing is delivered', async () => {
      await open('auto');
      await firstValueFrom(client.connect());
      const got: unknown[] = [];
      const call = client.callTool('slow').subscribe({ next: (r) => got.push(r), error: (e: unknown) => got.push(e) });
      await until(() => seen.started === 1, 5_000, 'the tool to start');
      call.unsubscribe();
      await until(() => seen.aborted === 1, 5_000, 'the SDK handler to abort');
      expect(got).to.deep.equal([]);
      expect(ofType(events, 'cancel-sent')).to.have.length(1);
    });

    it('should answer the same tool in 2025, where the SDK turns input_required into an elicitation/create request', async () => {
      await open('2025-11-25');
      const d = await firstValueFrom(client.connect());
      expect(d.era).to.equal('2025-11-25');
      const r = await firstValueFrom(client.callTool('confirm'));
      expect(r.content[0]?.text).to.equal('accept {"sure":true}');
      expect(asked.map((p) => p.message)).to.deep.equal(['Deploy?']);
    });

    it('should refuse ping in 2026-07-28 with NOT_IN_ERA, sending nothing', async () => {
      await open('auto');
      const error = await firstValueFrom(client.ping()).catch((e: unknown) => e);
      expect((error as McpClientError).code).to.equal('NOT_IN_ERA');
      expect(ofType(events, 'request-sent').map((e) => e.method)).to.deep.equal(['server/discover']);
    });
  });

  describe('on Streamable HTTP 2026-07-28 (createMcpHandler), through streamableHttpClient', () => {
    let http: HttpServer;
    let client: McpClient;
    let close: () => Promise<void>;

    beforeEach(async () => {
      const handler = createMcpHandler(() => v2Server(seen), { legacy: 'reject' });
      close = handler.close;
      const serve = toNodeHandler(handler);
      http = createServer((req, res) => void serve(req, res));
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
      client = mcpClient(streamableHttpClient({ url }), { info, era: '2026-07-28', handlers: { elicitation } });
    });

    afterEach(async () => {
      client.close();
      await close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    });

    it('should discover, list, call, and run an input_required round over HTTP', async () => {
      const d = await firstValueFrom(client.connect());
      expect(d.era).to.equal('2026-07-28');
      expect((await lastValueFrom(client.listTools().pipe(toArray()))).length).to.equal(3);
      expect((await firstValueFrom(client.callTool('echo', { text: 'http' }))).content[0]?.text).to.equal('http');
      expect((await firstValueFrom(client.callTool('confirm'))).content[0]?.text).to.equal('accept {"sure":true}');
      expect(seen.states).to.deep.equal([undefined, 'opaque-1']);
    });

    it('should cancel a call by unsubscribing: its POST closes, the SDK handler aborts', async () => {
      const got: unknown[] = [];
      const call = client.callTool('slow').subscribe({ next: (r) => got.push(r), error: (e: unknown) => got.push(e) });
      await until(() => seen.started === 1, 5_000, 'the tool to start');
      call.unsubscribe();
      await until(() => seen.aborted === 1, 5_000, 'the SDK handler to abort');
      expect(got).to.deep.equal([]);
    });
  });
});
