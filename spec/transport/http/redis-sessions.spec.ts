import { expect } from 'chai';
import type { SessionStore } from '../../../lib/http.js';
import { redisSessions } from '../../../lib/redis.js';
import { redisForSuite } from '../../support/redis-server.js';
import { post, start, type Running } from './support.js';

const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } };
const inSession = (id: string): Record<string, string> => ({ ...json, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('redisSessions (real redis-server)', function () {
  this.timeout(20_000);
  const redisServer = redisForSuite();

  it('should create, get and delete a record under its namespaced key', async () => {
    const client = redisServer().client();
    const store = redisSessions({ client, namespace: 'ns1' });
    const record = { id: 's-1', createdAt: 1_700_000_000_000, protocolVersion: '2025-11-25' };
    await store.create(record);
    expect(JSON.parse((await client.get('ns1:session:s-1'))!)).to.deep.equal(record);
    expect(await store.get('s-1')).to.deep.equal(record);
    expect(await store.get('s-2')).to.equal(undefined);
    // another namespace is another store
    expect(await redisSessions({ client, namespace: 'ns2' }).get('s-1')).to.equal(undefined);
    await store.delete('s-1');
    expect(await store.get('s-1')).to.equal(undefined);
    expect(await client.exists('ns1:session:s-1')).to.equal(0);
  });

  it("should default to the 'mcp-rx-cancel' namespace and a 24 h lifetime", async () => {
    const client = redisServer().client();
    await redisSessions({ client }).create({ id: 'd-1', createdAt: 1 });
    const ttl = await client.pttl('mcp-rx-cancel:session:d-1');
    expect(ttl).to.be.greaterThan(24 * 3_600_000 - 60_000).and.at.most(24 * 3_600_000);
  });

  it('should forget a record once its ttl has passed', async () => {
    const store = redisSessions({ client: redisServer().client(), namespace: 'ttl', ttlMs: 150 });
    await store.create({ id: 't-1', createdAt: Date.now() });
    expect(await store.get('t-1')).to.not.equal(undefined);
    await sleep(400);
    expect(await store.get('t-1')).to.equal(undefined);
  });

  it('should read garbage or a foreign value under the key as no session, never a throw', async () => {
    const client = redisServer().client();
    const store = redisSessions({ client, namespace: 'g' });
    const garbage = ['{not json', '42', 'null', '[]', JSON.stringify({ id: 'g-1' }), JSON.stringify({ id: 'g-1', createdAt: 'yesterday' }), JSON.stringify({ id: 'another', createdAt: 1 }), JSON.stringify({ id: 'g-1', createdAt: 1, protocolVersion: 7 })];
    for (const value of garbage) {
      await client.set('g:session:g-1', value);
      expect(await store.get('g-1'), value).to.equal(undefined);
    }
    // what it does not know besides its own fields is dropped, not kept
    await client.set('g:session:g-1', JSON.stringify({ id: 'g-1', createdAt: 1, extra: 'x' }));
    expect(await store.get('g-1')).to.deep.equal({ id: 'g-1', createdAt: 1 });
  });

  it('should let instance B take a tools/call of a 2025 session opened on instance A', async () => {
    const shared: SessionStore = redisSessions({ client: redisServer().client(), namespace: 'two' });
    let a: Running | undefined;
    let b: Running | undefined;
    try {
      a = await start({ sessions: redisSessions({ client: redisServer().client(), namespace: 'two' }) });
      b = await start({ sessions: shared });
      const r = await post(a.url, initialize, json);
      expect(r.status).to.equal(200);
      const id = r.headers.get('mcp-session-id')!;
      await r.text();
      expect(await shared.get(id)).to.include({ id });
      const call = await post(b.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'on B' } } }, inSession(id));
      expect(call.status).to.equal(200);
      expect(JSON.stringify(await call.json())).to.include('on B');
      expect(b.seen.events.filter((e) => e.type === 'session-opened').map((e) => (e.type === 'session-opened' ? e.sessionId : ''))).to.deep.equal([id]);
      // DELETE on B removes the record: no instance takes the session over any more
      expect((await fetch(b.url, { method: 'DELETE', headers: { 'mcp-session-id': id } })).status).to.equal(200);
      expect(await shared.get(id)).to.equal(undefined);
      // B asks the store again, and the store no longer knows it
      expect((await post(b.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } }, inSession(id))).status).to.equal(404);
    } finally {
      await a?.stop();
      await b?.stop();
    }
  });
});
