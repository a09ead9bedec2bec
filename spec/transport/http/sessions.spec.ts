import { expect } from 'chai';
import type { PeerEvent } from '../../../lib/index.js';
import { memorySessions, type HttpEvent, type SessionStore } from '../../../lib/http.js';
import { post, sseMessages, start, until, type Running } from './support.js';

type Rec = Record<string, unknown>;
const ofType = <T extends string>(events: ReadonlyArray<PeerEvent | HttpEvent>, type: T): Array<Extract<PeerEvent | HttpEvent, { type: T }>> =>
  events.filter((e): e is Extract<PeerEvent | HttpEvent, { type: T }> => e.type === type);
const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } };

const open = async (s: Running): Promise<string> => {
  const r = await post(s.url, initialize, json);
  expect(r.status).to.equal(200);
  const id = r.headers.get('mcp-session-id');
  expect(id).to.be.a('string');
  await r.text();
  const h = { ...json, 'mcp-session-id': id!, 'mcp-protocol-version': '2025-11-25' };
  expect((await post(s.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, h)).status).to.equal(202);
  return id!;
};
const inSession = (id: string): Record<string, string> => ({ ...json, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' });
const slow = (id: number): Rec => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', _meta: { progressToken: id } } });

describe('streamableHttp, 2025-11-25 sessions', () => {
  let s: Running;
  afterEach(async () => s.stop());

  it('should open a session with initialize, stream a call with progress on its POST, and cancel it by a POSTed notification', async () => {
    s = await start();
    const id = await open(s);
    const r = await post(s.url, slow(1), inSession(id));
    expect(r.headers.get('content-type')).to.equal('text/event-stream');
    const reader = r.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).to.match(/notifications\/progress/);
    const c = await post(s.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'enough' } }, inSession(id));
    expect(c.status).to.equal(202);
    await until(() => s.seen.cleanups.length === 1, 3_000, 'the cleanup');
    expect(s.seen.cleanups).to.deep.equal(['1:peer']);
    expect(ofType(s.seen.events, 'request-cancelled').map((e) => [e.reason, e.key.sessionId])).to.deep.equal([[{ source: 'peer', reason: 'enough' }, id]]);
    expect(ofType(s.seen.events, 'session-opened').map((e) => e.sessionId)).to.deep.equal([id]);
    await reader.cancel();
  });

  it('should answer 400 without a session header, 404 for an unknown session, and refuse a second initialize', async () => {
    s = await start();
    const id = await open(s);
    expect((await post(s.url, slow(1), json)).status).to.equal(400);
    expect((await post(s.url, slow(1), { ...json, 'mcp-session-id': 'no-such-session' })).status).to.equal(404);
    expect((await post(s.url, slow(1), { ...json, 'mcp-session-id': 'x'.repeat(1_000) })).status).to.equal(404);
    expect((await post(s.url, initialize, inSession(id))).status).to.equal(400);
  });

  it('should end a session on DELETE, cancelling what it has in flight and nothing of another session', async () => {
    s = await start();
    const a = await open(s);
    const b = await open(s);
    const ra = await post(s.url, slow(1), inSession(a));
    const rb = await post(s.url, slow(1), inSession(b));
    await ra.body!.getReader().read();
    const readerB = rb.body!.getReader();
    await readerB.read();
    expect((await fetch(s.url, { method: 'DELETE', headers: { 'mcp-session-id': a } })).status).to.equal(200);
    await until(() => s.seen.cleanups.length === 1, 3_000, 'the cleanup of a');
    expect(s.seen.cleanups).to.deep.equal(['1:close']);
    expect(ofType(s.seen.events, 'session-closed').map((e) => [e.sessionId, e.why])).to.deep.equal([[a, 'delete']]);
    expect((await post(s.url, slow(2), inSession(a))).status).to.equal(404);
    expect(s.mcp.inFlight()).to.equal(1);
    await readerB.cancel();
  });

  it('should not cancel when a POST stream closes: the request runs on until the client cancels it', async () => {
    s = await start();
    const id = await open(s);
    const ac = new AbortController();
    const r = await post(s.url, slow(5), inSession(id), ac.signal);
    await r.body!.getReader().read();
    ac.abort();
    await until(() => ofType(s.seen.events, 'stream-closed').length === 1, 3_000, 'the stream-closed event');
    expect(ofType(s.seen.events, 'stream-closed').map((e) => [e.era, e.cancelled])).to.deep.equal([['2025-11-25', false]]);
    await new Promise((r) => setTimeout(r, 80));
    expect(s.seen.cleanups).to.deep.equal([]);
    expect(s.mcp.inFlight()).to.equal(1);
    // what it writes meanwhile is kept for a resume (Last-Event-ID), not dropped
    expect(ofType(s.seen.events, 'message-dropped')).to.have.length(0);
    await post(s.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5 } }, inSession(id));
    await until(() => s.seen.cleanups.length === 1, 3_000, 'the cleanup');
    expect(s.seen.cleanups).to.deep.equal(['5:peer']);
  });

  it('should carry messages not tied to a request on the GET stream, one GET at a time', async () => {
    const peers: Array<{ notify(m: string, p?: object): void }> = [];
    s = await start({ onSession: (peer) => void peers.push(peer) });
    const id = await open(s);
    const get = await fetch(s.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': id } });
    expect(get.headers.get('content-type')).to.equal('text/event-stream');
    expect((await fetch(s.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': id } })).status).to.equal(409);
    peers[0]?.notify('notifications/tools/list_changed');
    const reader = get.body!.getReader();
    let text = '';
    while (!text.includes('notifications/tools/list_changed')) text += new TextDecoder().decode((await reader.read()).value);
    // the priming event first (an id to resume from, a retry), then the notification with an id
    expect(text).to.match(/^id: [^\n]+\nretry: \d+\ndata:\n\n/);
    expect(text).to.match(/\nid: [^\n]+\ndata: \{[^\n]*list_changed/);
    await reader.cancel();
  });

  it('should answer a batch of requests on one stream, and an empty batch with 400', async () => {
    s = await start();
    const id = await open(s);
    const echo = (n: number): Rec => ({ jsonrpc: '2.0', id: n, method: 'tools/call', params: { name: 'echo', arguments: { text: `e${n}` } } });
    const r = await post(s.url, [echo(1), echo(2)], inSession(id));
    const messages = (await sseMessages(r)) as Rec[];
    expect(messages.map((m) => m['id']).sort()).to.deep.equal([1, 2]);
    expect((await post(s.url, [], inSession(id))).status).to.equal(400);
  });

  it('should take over a session another instance opened, through a shared store', async () => {
    const shared: SessionStore = memorySessions();
    s = await start({ sessions: shared });
    const other = await start({ sessions: shared });
    try {
      const id = await open(other);
      const r = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'here' } } }, inSession(id));
      expect(r.status).to.equal(200);
      expect(JSON.stringify(await r.json())).to.include('here');
    } finally {
      await other.stop();
    }
  });

  it('should let go of a session nobody uses after sessionIdleMs, keep one with a request in flight, and take the idle one up again from the store', async () => {
    s = await start({ sessionIdleMs: 100 });
    const idle = await open(s);
    const busy = await open(s);
    const r = await post(s.url, slow(1), inSession(busy));
    const reader = r.body!.getReader();
    await reader.read();
    await until(() => ofType(s.seen.events, 'session-closed').length === 1, 3_000, 'the idle session to end');
    expect(ofType(s.seen.events, 'session-closed').map((e) => [e.sessionId, e.why])).to.deep.equal([[idle, 'idle']]);
    await new Promise((r) => setTimeout(r, 250));
    expect(ofType(s.seen.events, 'session-closed')).to.have.length(1);
    // the record stays (another instance may still serve the session): the client comes back to a fresh connection
    const back = await post(s.url, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { text: 'back' } } }, inSession(idle));
    expect(back.status).to.equal(200);
    expect(ofType(s.seen.events, 'session-opened').filter((e) => e.sessionId === idle)).to.have.length(2);
    await reader.cancel();
  });

  it('should open the session even when onSession throws, and say so with an event', async () => {
    s = await start({ onSession: () => { throw new Error('my callback broke'); } });
    await open(s);
    expect(ofType(s.seen.events, 'http-failed').map((e) => [e.what, e.why])).to.deep.equal([['on-session', 'my callback broke']]);
  });

  it('should answer the same through the fetch face', async () => {
    s = await start();
    const r = await s.mcp.fetch(new Request(s.url, { method: 'POST', headers: json, body: JSON.stringify(initialize) }));
    expect(r.status).to.equal(200);
    const id = r.headers.get('mcp-session-id');
    expect(((await r.json()) as { result: Rec }).result['protocolVersion']).to.equal('2025-11-25');
    const call = await s.mcp.fetch(new Request(s.url, { method: 'POST', headers: inSession(id!), body: JSON.stringify(slow(3)) }));
    const reader = call.body!.getReader();
    await reader.read();
    await reader.cancel();
    // 2025: the stream closing is no cancel; DELETE is
    await s.mcp.fetch(new Request(s.url, { method: 'DELETE', headers: { 'mcp-session-id': id! } }));
    await until(() => s.seen.cleanups.length === 1, 3_000, 'the cleanup');
    expect(s.seen.cleanups).to.deep.equal(['3:close']);
  });
});
