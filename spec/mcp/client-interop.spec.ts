import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { firstValueFrom, lastValueFrom, of, take, toArray } from 'rxjs';
import { z } from 'zod';
import { JsonRpcError, mcpClient, ofType, type McpClient, type PeerEvent } from './support.js';
import { Lines, ROOT, fixture, tsNode, until } from '../transport/support.js';

// mcpClient against the official SDK v1 (1.32.2) servers: its McpServer in process (the SDK's
// in-memory pair), on stdio in a child process, and on Streamable HTTP over 127.0.0.1. Era 'auto'
// probes with server/discover, which a 2025 server refuses: the client falls back to initialize.

interface Seen {
  started: number;
  aborted: number;
}

const v1Server = (seen: Seen): McpServer => {
  const server = new McpServer({ name: 'sdk-v1', version: '1.32.2' });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({ content: [{ type: 'text' as const, text }] }));
  server.registerTool('slow', { inputSchema: {} }, (_args, extra) =>
    new Promise((resolve) => {
      seen.started++;
      extra.signal.addEventListener('abort', () => {
        seen.aborted++;
        resolve({ content: [] });
      });
    }),
  );
  server.registerTool('whoami', { inputSchema: {} }, async () => {
    const answer = await server.server.elicitInput({ message: 'Your login?', requestedSchema: { type: 'object', properties: { login: { type: 'string' } }, required: ['login'] } });
    return { content: [{ type: 'text' as const, text: answer.action === 'accept' ? `hello ${String(answer.content?.['login'])}` : answer.action }] };
  });
  return server;
};

const info = { name: 'rx-client', version: '1.0.0' };

describe('mcpClient against the official SDK v1 McpServer', () => {
  describe('in process (era auto: the probe fails, initialize follows)', () => {
    let seen: Seen;
    let client: McpClient;
    let events: PeerEvent[];

    beforeEach(async () => {
      seen = { started: 0, aborted: 0 };
      const [ours, theirs] = InMemoryTransport.createLinkedPair();
      await v1Server(seen).connect(theirs);
      client = mcpClient(ours, { info, handlers: { elicitation: (p) => Promise.resolve({ action: 'accept' as const, content: { login: p.message.length > 0 ? 'octocat' : '' } }) } });
      events = [];
      client.peer.events$.subscribe((e) => events.push(e));
    });

    afterEach(() => client.close());

    it('should connect with initialize after the server/discover probe is refused, once for every subscriber', async () => {
      const [a, b] = await Promise.all([firstValueFrom(client.connect()), firstValueFrom(client.connect())]);
      expect(a).to.equal(b);
      expect(a).to.deep.include({ era: '2025-11-25', protocolVersion: '2025-11-25', serverInfo: { name: 'sdk-v1', version: '1.32.2' } });
      expect(client.peer.era()).to.equal('2025-11-25');
      await firstValueFrom(client.callTool('echo', { text: 'x' }));
      // the handshake ran once, though each subscriber above left on its first value
      expect(ofType(events, 'request-sent').map((e) => e.method)).to.deep.equal(['server/discover', 'initialize', 'tools/call']);
    });

    it('should list the tools and call one', async () => {
      const tools = await lastValueFrom(client.listTools().pipe(toArray()));
      expect(tools.map((t) => t.name)).to.deep.equal(['echo', 'slow', 'whoami']);
      const r = await firstValueFrom(client.callTool('echo', { text: 'hi' }));
      expect(r.content).to.deep.equal([{ type: 'text', text: 'hi' }]);
    });

    it('should cancel a call by unsubscribing: the SDK handler sees its abort, and no result is delivered', async () => {
      const got: unknown[] = [];
      const call = client.callTool('slow').subscribe({ next: (r) => got.push(r), error: (e: unknown) => got.push(e) });
      await until(() => seen.started === 1, 5_000, 'the tool to start');
      call.unsubscribe();
      await until(() => seen.aborted === 1, 5_000, 'the SDK handler to abort');
      await new Promise((r) => setTimeout(r, 20));
      expect(got).to.deep.equal([]);
      expect(ofType(events, 'cancel-sent')).to.have.length(1);
      expect(client.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });

    it('should answer the elicitation a tool asks for with the elicitation handler, and declare the capability', async () => {
      const r = await firstValueFrom(client.callTool('whoami'));
      // the SDK's elicitInput refuses a client that did not declare elicitation: this answer proves the declaration
      expect(r.content).to.deep.equal([{ type: 'text', text: 'hello octocat' }]);
    });

    it('should ping and set the logging level, which 2025-11-25 has', async () => {
      expect(await lastValueFrom(client.ping().pipe(toArray()))).to.deep.equal([undefined]);
      const error = await firstValueFrom(client.setLoggingLevel('info')).catch((e: unknown) => e);
      // this McpServer declares no logging capability: the server's own refusal, as a JsonRpcError
      expect(error).to.be.instanceOf(JsonRpcError);
      expect((error as JsonRpcError).code).to.equal(-32601);
    });
  });

  describe('paging, against an SDK v1 Server whose tools/list returns cursors', () => {
    it('should emit every tool across pages, and stop asking when take(n) is satisfied', async () => {
      const asked: Array<string | undefined> = [];
      const server = new Server({ name: 'pager', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.setRequestHandler(ListToolsRequestSchema, (request) => {
        const cursor = request.params?.cursor;
        asked.push(cursor);
        const page = cursor === undefined ? 0 : Number(cursor);
        const tools = [0, 1].map((i) => ({ name: `t${page * 2 + i}`, inputSchema: { type: 'object' as const } }));
        return page < 2 ? { tools, nextCursor: String(page + 1) } : { tools };
      });
      const [ours, theirs] = InMemoryTransport.createLinkedPair();
      await server.connect(theirs);
      const client = mcpClient(ours, { info, era: '2025-11-25' });
      const all = await lastValueFrom(client.listTools().pipe(toArray()));
      expect(all.map((t) => t.name)).to.deep.equal(['t0', 't1', 't2', 't3', 't4', 't5']);
      expect(asked).to.deep.equal([undefined, '1', '2']);
      asked.length = 0;
      const some = await lastValueFrom(client.listTools().pipe(take(3), toArray()));
      expect(some.map((t) => t.name)).to.deep.equal(['t0', 't1', 't2']);
      // take(3) was satisfied by the second page: no third was asked for
      expect(asked).to.deep.equal([undefined, '1']);
      client.close();
    });
  });

  describe('on stdio, in a child process', () => {
    it('should call a tool and cancel another, the server seeing its abort', async () => {
      const transport = new StdioClientTransport({ ...tsNode(fixture('sdk-stdio-server.ts')), cwd: ROOT, stderr: 'pipe' });
      const stderr = new Lines(transport.stderr as Readable | null);
      const client = mcpClient(transport, { info, era: '2025-11-25' });
      try {
        const description = await firstValueFrom(client.connect());
        expect(description.serverInfo?.name).to.equal('sdk-fixture');
        const progress: number[] = [];
        const counted = await firstValueFrom(client.callTool('count', { n: 3 }, { onProgress: (p) => progress.push(p.progress) }));
        expect(counted.content[0]?.text).to.equal('counted to 3');
        expect(progress).to.deep.equal([1, 2, 3]);
        const call = client.callTool('slow', { ms: 60_000 }, { reason: 'user stop' }).subscribe();
        await stderr.waitFor(/^started/);
        call.unsubscribe();
        const aborted = await stderr.waitFor(/^aborted (\S+): (.*)$/);
        expect(aborted[2]).to.include('user stop');
      } finally {
        client.close();
      }
    });
  });

  describe('on Streamable HTTP (127.0.0.1), through the SDK client transport', () => {
    let http: HttpServer;
    let url: URL;
    let seen: Seen;

    beforeEach(async () => {
      seen = { started: 0, aborted: 0 };
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
      await v1Server(seen).connect(transport);
      http = createServer((req, res) => void transport.handleRequest(req, res));
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
    });

    afterEach(async () => {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    });

    it('should connect, list, call, and cancel a call by unsubscribing', async () => {
      const client = mcpClient(new StreamableHTTPClientTransport(url), { info, era: '2025-11-25', handlers: { elicitation: () => of({ action: 'decline' as const }) } });
      client.peer.events$.subscribe((e) => process.env['DEBUG_MCP'] !== undefined && process.stderr.write(`${JSON.stringify(e)}\n`));
      try {
        const d = await firstValueFrom(client.connect());
        expect(d.era).to.equal('2025-11-25');
        expect((await lastValueFrom(client.listTools().pipe(toArray()))).length).to.equal(3);
        expect((await firstValueFrom(client.callTool('echo', { text: 'over http' }))).content[0]?.text).to.equal('over http');
        expect((await firstValueFrom(client.callTool('whoami'))).content[0]?.text).to.equal('decline');
        const got: unknown[] = [];
        const call = client.callTool('slow').subscribe({ next: (r) => got.push(r) });
        await until(() => seen.started === 1, 5_000, 'the tool to start');
        call.unsubscribe();
        await until(() => seen.aborted === 1, 5_000, 'the SDK handler to abort');
        expect(got).to.deep.equal([]);
      } finally {
        client.close();
      }
    });
  });
});
