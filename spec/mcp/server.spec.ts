import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import * as t from 'io-ts';
import { NEVER } from 'rxjs';
import { connect, ErrorCodes, JsonRpcError } from '../../lib/index.js';
import { mcpServer, prompt, resource, resourceTemplate, tool, type StandardSchemaV1 } from '../../lib/mcp.js';
import { cancel, req } from '../helpers.js';
import { until } from '../transport/support.js';

// The MCP server layer in process (a peer driven message by message) and against the official
// SDK v1 client: both eras' lifecycle and shapes, validation, pagination, errors, subscriptions.

import { meta2026, rec, serving, type Rec } from './serving.js';

const echo = tool({ name: 'echo', description: 'echo', args: t.type({ text: t.string }), run: ({ text }) => Promise.resolve(text) });

describe('mcpServer', () => {
  it('should negotiate the version a 2025 client asks for when it speaks it, else offer its latest', async () => {
    const s = serving(mcpServer({ info: { name: 's', version: '1' }, tools: [echo] }));
    const r1 = rec((await s.answer(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } }))['result']);
    expect(r1).to.deep.include({ protocolVersion: '2025-06-18', serverInfo: { name: 's', version: '1' } });
    expect(r1).to.not.have.property('resultType');
    const s2 = serving(mcpServer({ info: { name: 's', version: '1' }, tools: [echo] }));
    const r2 = rec((await s2.answer(1, 'initialize', { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 'c', version: '1' } }))['result']);
    expect(r2['protocolVersion']).to.equal('2025-11-25');
  });

  it('should answer -32601 for what it does not offer, so that its capabilities are what it serves', async () => {
    const s = serving(mcpServer({ info: { name: 's', version: '1' }, tools: [echo] }));
    const d = rec((await s.answer(1, 'server/discover', meta2026()))['result']);
    expect(d['capabilities']).to.deep.equal({ tools: {}, logging: {} });
    for (const [i, m] of ['prompts/list', 'resources/list', 'completion/complete'].entries())
      expect(rec((await s.answer(10 + i, m, meta2026()))['error'])['code']).to.equal(ErrorCodes.MethodNotFound);
  });

  it('should give a tool execution error for arguments its validator refuses, and never run the tool', async () => {
    let ran = 0;
    const strict = tool({ name: 'strict', args: t.type({ n: t.number }), run: () => (ran++, Promise.resolve('ran')) });
    const s = serving(mcpServer({ info: { name: 's', version: '1' }, tools: [strict] }));
    const r = rec((await s.answer(1, 'tools/call', { name: 'strict', arguments: { n: 'x' }, ...meta2026() }))['result']);
    expect(r['isError']).to.equal(true);
    expect(JSON.stringify(r['content'])).to.match(/Invalid arguments for tool strict: Invalid value \\"x\\" at n/);
    expect(r['resultType']).to.equal('complete');
    expect(ran).to.equal(0);
  });

  it('should validate with any Standard Schema validator, synchronous or not, and use its JSON Schema', async () => {
    const standard: StandardSchemaV1<unknown, { q: string }> = {
      '~standard': {
        version: 1,
        vendor: 'spec',
        validate: (u) => Promise.resolve(typeof rec(u)['q'] === 'string' ? { value: { q: rec(u)['q'] as string } } : { issues: [{ message: 'q must be a string', path: ['q'] }] }),
        jsonSchema: { input: () => ({ $schema: 'x', type: 'object', properties: { q: { type: 'string' } } }), output: () => ({}) },
      },
    };
    const search = tool({ name: 'search', args: standard, run: ({ q }) => Promise.resolve(`found ${q}`) });
    expect(search.descriptor['inputSchema']).to.deep.equal({ type: 'object', properties: { q: { type: 'string' } } });
    const s = serving(mcpServer({ info: { name: 's', version: '1' }, tools: [search] }));
    expect(rec((await s.answer(1, 'tools/call', { name: 'search', arguments: { q: 'a' } }))['result'])).to.deep.equal({ content: [{ type: 'text', text: 'found a' }] });
    expect(JSON.stringify(rec((await s.answer(2, 'tools/call', { name: 'search', arguments: { q: 1 } }))['result']))).to.include('q: q must be a string');
  });

  it('should keep a thrown JsonRpcError a protocol error, and make any other failure a tool error', async () => {
    const failing = tool({ name: 'failing', run: () => Promise.reject(new Error('disk full')) });
    const s = serving(mcpServer({ info: { name: 's', version: '1' }, tools: [failing, echo] }));
    expect(rec((await s.answer(1, 'tools/call', { name: 'failing' }))['result'])).to.deep.equal({ content: [{ type: 'text', text: 'disk full' }], isError: true });
    expect(rec((await s.answer(2, 'tools/call', { name: 'nope' }))['error'])['code']).to.equal(ErrorCodes.InvalidParams);
    const protocol = tool({ name: 'protocol', run: () => Promise.reject(new JsonRpcError(ErrorCodes.InvalidParams, 'no such city')) });
    const p = serving(mcpServer({ info: { name: 's', version: '1' }, tools: [protocol] }));
    expect(rec((await p.answer(1, 'tools/call', { name: 'protocol' }))['error'])).to.deep.equal({ code: ErrorCodes.InvalidParams, message: 'no such city' });
  });

  it('should page a long list with opaque cursors, and refuse a cursor it did not give with -32602', async () => {
    const many = Array.from({ length: 5 }, (_, i) => tool({ name: `t${i}`, run: () => Promise.resolve('') }));
    const s = serving(mcpServer({ info: { name: 's', version: '1' }, tools: many, pageSize: 2 }));
    const names: string[] = [];
    let cursor: unknown;
    for (let id = 1; id < 10; id++) {
      const r = rec((await s.answer(id, 'tools/list', cursor === undefined ? meta2026() : { cursor, ...meta2026() }))['result']);
      names.push(...(r['tools'] as Rec[]).map((x) => String(x['name'])));
      expect(r).to.include({ resultType: 'complete', cacheScope: 'private', ttlMs: 0 });
      cursor = r['nextCursor'];
      if (cursor === undefined) break;
    }
    expect(names).to.deep.equal(['t0', 't1', 't2', 't3', 't4']);
    for (const [i, bad] of ['forged', 'o99', 'o0', 'x'.repeat(10_000)].entries())
      expect(rec((await s.answer(20 + i, 'tools/list', { cursor: bad, ...meta2026() }))['error'])['code']).to.equal(ErrorCodes.InvalidParams);
  });

  it('should read resources and templates, and quote a URI it has not (2026: -32602, 2025: -32002), bounded', async () => {
    const server = mcpServer({
      info: { name: 's', version: '1' },
      resources: [resource({ uri: 'r://a', name: 'a', mimeType: 'text/plain', read: () => Promise.resolve('A') })],
      resourceTemplates: [resourceTemplate({ uriTemplate: 'r://items/{id}', name: 'item', read: (_u, { id }) => Promise.resolve(`item ${id ?? ''}`) })],
    });
    const s = serving(server);
    expect(rec((await s.answer(1, 'resources/read', { uri: 'r://items/a%20b', ...meta2026() }))['result'])['contents']).to.deep.equal([{ uri: 'r://items/a%20b', text: 'item a b' }]);
    const modern = rec((await s.answer(2, 'resources/read', { uri: 'r://nope', ...meta2026() }))['error']);
    expect(modern).to.deep.include({ code: ErrorCodes.InvalidParams, data: { uri: 'r://nope' } });
    const huge = rec((await s.answer(3, 'resources/read', { uri: `r://${'x'.repeat(100_000)}`, ...meta2026() }))['error']);
    expect(JSON.stringify(huge).length).to.be.below(2_000);
    const legacy = rec((await serving(server).answer(1, 'resources/read', { uri: 'r://nope' }))['error']);
    expect(legacy['code']).to.equal(ErrorCodes.ResourceNotFound);
  });

  it('should refuse prompt arguments its validator refuses with -32602, and complete an argument', async () => {
    const greet = prompt({ name: 'greet', args: t.type({ who: t.string }), complete: { who: (v) => ['ada', 'alan', 'bob'].filter((x) => x.startsWith(v)) }, get: ({ who }) => Promise.resolve(`hi ${who}`) });
    const s = serving(mcpServer({ info: { name: 's', version: '1' }, prompts: [greet] }));
    expect(rec((await s.answer(1, 'prompts/get', { name: 'greet', arguments: {} }))['error'])['code']).to.equal(ErrorCodes.InvalidParams);
    expect(rec((await s.answer(2, 'prompts/list'))['result'])['prompts']).to.deep.equal([{ name: 'greet', arguments: [{ name: 'who', required: true }] }]);
    expect(rec((await s.answer(3, 'completion/complete', { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'a' } }))['result'])).to.deep.equal({ completion: { values: ['ada', 'alan'], total: 2, hasMore: false } });
  });

  it("should send log messages only at the level a 2026 request asks for, and none when it asks for none", async () => {
    const chatty = tool({ name: 'chatty', run: (_a, ctx) => (ctx.log('debug', 'd'), ctx.log('error', 'e'), Promise.resolve('ok')) });
    const s = serving(mcpServer({ info: { name: 's', version: '1' }, tools: [chatty] }));
    await s.answer(1, 'tools/call', { name: 'chatty', ...meta2026() });
    await s.answer(2, 'tools/call', { name: 'chatty', ...meta2026({ 'io.modelcontextprotocol/logLevel': 'warning' }) });
    const logs = s.out.filter((m) => rec(m)['method'] === 'notifications/message').map((m) => rec(rec(m)['params'])['data']);
    expect(logs).to.deep.equal(['e']);
  });

  it('should cancel a tool by a notifications/cancelled like any handler: cleanup once, no response', async () => {
    let cleanups = 0;
    const hang = tool({ name: 'hang', run: (_a, ctx) => (ctx.onCleanup(() => void cleanups++), NEVER) });
    const s = serving(mcpServer({ info: { name: 's', version: '1' }, tools: [hang] }));
    s.incoming.next(req(1, 'tools/call', { name: 'hang' }));
    s.incoming.next(cancel(1, 'stop'));
    await until(() => cleanups === 1, 1_000, 'the cleanup');
    expect(s.out.some((m) => rec(m)['id'] === 1)).to.equal(false);
    expect(s.peer.inFlight().serving).to.equal(0);
  });

  it('should tell the SDK v1 client of a resource it subscribed to, and nobody once it unsubscribed or left', async () => {
    const server = mcpServer({ info: { name: 's', version: '1' }, resources: [resource({ uri: 'r://watched', name: 'w', read: () => Promise.resolve('w') })] });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const connection = connect(serverSide, server);
    const client = new Client({ name: 'c', version: '1' });
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    await client.connect(clientSide);
    expect(client.getServerCapabilities()?.resources).to.deep.equal({ subscribe: true });
    await client.subscribeResource({ uri: 'r://watched' });
    server.resourceUpdated('r://watched');
    await until(() => updates.length === 1, 1_000, 'the update');
    await client.unsubscribeResource({ uri: 'r://watched' });
    server.resourceUpdated('r://watched');
    await client.subscribeResource({ uri: 'r://watched' });
    await client.close();
    connection.subscription.unsubscribe();
    server.resourceUpdated('r://watched');
    await new Promise((r) => setTimeout(r, 20));
    expect(updates).to.deep.equal(['r://watched']);
  });
});
