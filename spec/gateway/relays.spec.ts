import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { of } from 'rxjs';
import * as t from 'io-ts';
import { connect } from '../../lib/index.js';
import { inputRequired, mcpServer, tool } from '../../lib/mcp.js';
import { httpFront, rec, textOf, until, type Front } from './support.js';

// Everything a request carries, carried, with upstreams in this process:
// - the official SDK v1 McpServer (2025-11-25) over its InMemoryTransport: its elicitation and
//   its log messages mid-call reach the front client that made the call, tied to it, and only it;
// - our mcpServer in 2026-07-28 over the same transport: its input rounds pass through to a 2026
//   front (SDK v2 pinned), and are run by the gateway with a 2025 front (SDK v1).

type Rec = Record<string, unknown>;

interface Seen {
  started: number;
  aborted: number;
}

/** An SDK v1 server per connection: `ask` elicits and answers what it got; `talk` logs, then waits `ms`. */
const sdkUpstream = (seen: Seen) => (): InMemoryTransport => {
  const server = new McpServer({ name: 'sdk-upstream', version: '1.0.0' }, { capabilities: { logging: {} } });
  server.registerTool('ask', {}, async (extra) => {
    seen.started++;
    extra.signal.addEventListener('abort', () => void seen.aborted++);
    const answer = await server.server.elicitInput({ message: 'Sure?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } }, { signal: extra.signal });
    return { content: [{ type: 'text' as const, text: `${answer.action} ${JSON.stringify(answer.content ?? {})}` }] };
  });
  server.registerTool('talk', { inputSchema: {} }, async (_args, extra) => {
    // after a while: two calls made together are both in flight by then
    await new Promise((r) => setTimeout(r, 150));
    await server.server.sendLoggingMessage({ level: 'info', data: `hello from ${String(extra.requestId)}` });
    await new Promise((r) => setTimeout(r, 150));
    return { content: [{ type: 'text' as const, text: 'talked' }] };
  });
  const [client, side] = InMemoryTransport.createLinkedPair();
  void server.connect(side);
  return client;
};

const frontV1 = async (url: string, onElicit?: (signal: AbortSignal) => Promise<Rec>): Promise<{ client: ClientV1; logs: unknown[] }> => {
  const client = new ClientV1({ name: 'front-v1', version: '1' }, { capabilities: onElicit === undefined ? {} : { elicitation: {} } });
  if (onElicit !== undefined) client.setRequestHandler(ElicitRequestSchema, (_r, extra) => onElicit(extra.signal));
  const logs: unknown[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data));
  await client.connect(new HttpV1(new URL(url)));
  return { client, logs };
};

describe('gateway: relays, a 2025 SDK server in the same process upstream', function () {
  this.timeout(20_000);
  const seen: Seen = { started: 0, aborted: 0 };
  let front: Front;
  before(async () => {
    front = await httpFront({ upstream: sdkUpstream(seen), era: '2025-11-25' });
  });
  after(() => front.stop());

  it("should ask the upstream's elicitation of the front client that made the call, and give the upstream its answer", async () => {
    const { client } = await frontV1(front.url, () => Promise.resolve({ action: 'accept', content: { ok: true } }));
    const r = await client.callTool({ name: 'ask', arguments: {} });
    expect(textOf(rec(r))).to.include('accept {\\"ok\\":true}');
    await client.close();
  });

  it('should cancel the elicitation at the front and the call upstream, once each, when the front client aborts the call', async () => {
    let frontAborted = 0;
    let asked: () => void = () => undefined;
    const question = new Promise<void>((r) => (asked = r));
    let questions = 0;
    const { client } = await frontV1(front.url, (signal) => {
      // the session's first question is answered: it takes id 0, whose cancel the SDK v1 ignores (docs/protocol.md D1)
      if (questions++ === 0) return Promise.resolve({ action: 'decline' });
      signal.addEventListener('abort', () => void frontAborted++);
      asked();
      return new Promise<Rec>(() => undefined);
    });
    await client.callTool({ name: 'ask', arguments: {} });
    const before = { ...seen };
    const ac = new AbortController();
    const call = client.callTool({ name: 'ask', arguments: {} }, undefined, { signal: ac.signal }).then(() => 'answered', () => 'aborted');
    await question;
    ac.abort('user stop');
    expect(await call).to.equal('aborted');
    await until(() => frontAborted === 1 && seen.aborted === before.aborted + 1, 5_000, 'both hops cancelled');
    await until(() => front.gateway.inFlight() === 0, 5_000, 'nothing in flight');
    await client.close();
  });

  it("should relay an upstream log message to the one call in flight, and to no one when two calls are (a session never sees another's)", async () => {
    const a = await frontV1(front.url);
    const b = await frontV1(front.url);
    await a.client.callTool({ name: 'talk', arguments: {} });
    expect(a.logs, 'the one call in flight gets its log').to.have.length(1);
    await Promise.all([a.client.callTool({ name: 'talk', arguments: {} }), b.client.callTool({ name: 'talk', arguments: {} })]);
    expect(a.logs, 'two calls in flight: the gateway cannot tell whose, so neither is told').to.have.length(1);
    expect(b.logs).to.deep.equal([]);
    expect(front.events.filter((e) => e.type === 'relay-dropped' && e.why === 'ambiguous')).to.have.length(2);
    await a.client.close();
    await b.client.close();
  });
});

describe('gateway: input rounds, our 2026-07-28 mcpServer in the same process upstream', function () {
  this.timeout(20_000);
  let front: Front;
  const confirm = tool({
    name: 'confirm',
    description: 'Asks the client to confirm, then says what it answered',
    args: t.type({}),
    run: (_args, ctx) => {
      const answer = ctx.inputResponses.accepted('ok', t.type({ sure: t.boolean }));
      return answer === undefined
        ? of(inputRequired({ inputRequests: { ok: inputRequired.elicit({ message: 'Sure?', requestedSchema: { type: 'object', properties: { sure: { type: 'boolean' } } } }) } }))
        : of(`sure: ${String(answer.sure)}`);
    },
  });
  const upstream = (): InMemoryTransport => {
    const [client, side] = InMemoryTransport.createLinkedPair();
    connect(side, mcpServer({ info: { name: 'ours-2026', version: '1' }, tools: [confirm] }));
    return client;
  };
  before(async () => {
    front = await httpFront({ upstream, era: '2026-07-28' });
  });
  after(() => front.stop());

  it('should run the rounds itself for a 2025 front client, asking it with elicitation/create tied to its call', async () => {
    let asked = 0;
    const { client } = await frontV1(front.url, () => (asked++, Promise.resolve({ action: 'accept', content: { sure: true } })));
    const r = await client.callTool({ name: 'confirm', arguments: {} });
    expect(textOf(rec(r))).to.include('sure: true');
    expect(asked).to.equal(1);
    await client.close();
  });

  it('should pass the input_required result through to a 2026 front client, which retries through the gateway', async () => {
    const client = new ClientV2({ name: 'front-v2', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { elicitation: {} } });
    let asked = 0;
    client.setRequestHandler('elicitation/create', () => (asked++, Promise.resolve({ action: 'accept', content: { sure: false } })));
    await client.connect(new HttpV2(new URL(front.url)));
    const sent = (): number => front.events.filter((e) => e.type === 'upstream' && e.event.type === 'request-sent' && e.event.method === 'tools/call').length;
    const before = sent();
    const r = await client.callTool({ name: 'confirm', arguments: {} });
    expect(textOf(rec(r))).to.include('sure: false');
    expect(asked).to.equal(1);
    expect(sent() - before, 'two rounds upstream, each a request of its own').to.equal(2);
    await client.close();
  });
});
