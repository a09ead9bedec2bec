import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { firstValueFrom } from 'rxjs';
import type { Peer } from '../../../lib/index.js';
import { BASE, post, rawPost, readSse, rec, sleep, sseMessages, start, until, type Running } from './server.js';

// 2025-11-25 sessions over our Streamable HTTP server: real HTTP on 127.0.0.1.

const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'spec', version: '0' } } };
const slow = (id: number, steps = 1000, token: string | number = `p${id}`) => ({
  jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', arguments: { steps, intervalMs: 5 }, _meta: { progressToken: token } },
});

const open = async (s: Running): Promise<string> => {
  const r = await post(s.url, INIT);
  expect(r.status).to.equal(200);
  const id = r.headers.get('mcp-session-id');
  expect(id).to.match(/^[0-9a-f-]{36}$/);
  return id ?? '';
};

/** A streamed POST in a session, read as it comes: the messages so far, and the end (its status, 0 if it was cut). */
const stream = (s: Running, session: string, body: unknown) => {
  const controller = new AbortController();
  const read = readSse(fetch(s.url, { method: 'POST', headers: { ...BASE, 'mcp-session-id': session }, body: JSON.stringify(body), signal: controller.signal }));
  return { messages: read.messages, done: read.done.then((r) => r.status, () => 0), ended: read.ended, abort: () => controller.abort() };
};

describe('streamableHttp, 2025-11-25 sessions', function () {
  this.timeout(10_000);
  let s: Running;
  afterEach(async () => s?.stop());

  it('should open a session on initialize, and refuse a later POST without it (400) or with an unknown one (404)', async () => {
    s = await start();
    await open(s);
    expect(s.events.filter((e) => e.type === 'session-opened')).to.have.length(1);
    const missing = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-protocol-version': '2025-06-18' });
    expect(missing.status).to.equal(400);
    expect(missing.text).to.match(/Mcp-Session-Id header is required/);
    const unknown = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'no-such-session' });
    expect(unknown.status).to.equal(404);
  });

  it("should stream a call's progress on its POST, and stop it on a POSTed notifications/cancelled, with no response", async () => {
    s = await start();
    const session = await open(s);
    const call = stream(s, session, slow(1));
    await until(() => call.messages.length >= 2, 'two progress');
    expect(call.messages.every((m) => m['method'] === 'notifications/progress')).to.equal(true);
    const cancel = await post(s.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'stop' } }, { 'mcp-session-id': session });
    expect(cancel.status).to.equal(202);
    expect(await call.done).to.equal(200);
    expect(s.seen.aborted).to.deep.equal([{ id: 1, reason: { source: 'peer', reason: 'stop' } }]);
    expect(s.seen.cleanups).to.deep.equal([1]);
    expect(call.messages.some((m) => 'id' in m), 'no response to a cancelled request').to.equal(false);
  });

  it('should answer a batch on one stream, ending when every request is answered', async () => {
    s = await start();
    const session = await open(s);
    const r = await post(s.url, [slow(1, 2), slow(2, 3), { jsonrpc: '2.0', method: 'notifications/initialized' }], { 'mcp-session-id': session });
    const ids = sseMessages(r.text).filter((m) => 'id' in m).map((m) => m['id']);
    expect(ids.sort()).to.deep.equal([1, 2]);
  });

  it('should not cancel when a POST stream closes: the request runs on, its writes dropped, an event says so', async () => {
    s = await start();
    const session = await open(s);
    const r = await rawPost(s.url, slow(1, 20), { 'mcp-session-id': session }, (ms) => ms.length >= 1);
    expect(r.status).to.equal(200);
    await until(() => s.seen.cleanups.length === 1, 'the request ran to its end', 5_000);
    expect(s.seen.aborted, 'never aborted').to.deep.equal([]);
    expect(s.events.some((e) => e.type === 'stream-closed' && !e.cancelled && e.sessionId === session && e.pending === 1)).to.equal(true);
    expect(s.events.some((e) => e.type === 'request-completed')).to.equal(true);
    expect(r.after()).to.equal('');
  });

  it('should cancel what a session runs when it is deleted, and only that session', async () => {
    s = await start();
    const a = await open(s);
    const b = await open(s);
    const callA = stream(s, a, slow(1));
    const callB = stream(s, b, slow(1));
    await until(() => callA.messages.length >= 1 && callB.messages.length >= 1, 'both running');
    const del = await fetch(s.url, { method: 'DELETE', headers: { 'mcp-session-id': a } });
    expect(del.status).to.equal(200);
    await callA.done;
    expect(s.seen.aborted).to.have.length(1);
    expect(rec(s.seen.aborted[0]?.reason)).to.deep.equal({ source: 'close' });
    expect(callB.ended()).to.equal(false);
    expect(s.http.inFlight()).to.equal(1);
    expect((await post(s.url, { jsonrpc: '2.0', id: 5, method: 'tools/list' }, { 'mcp-session-id': a })).status).to.equal(404);
    expect(s.events.some((e) => e.type === 'session-closed' && e.sessionId === a && e.why === 'delete')).to.equal(true);
    callB.abort();
  });

  it("should send what onSession's peer sends on the GET stream, and refuse a second GET with 409", async () => {
    const peers: Peer[] = [];
    s = await start({ onSession: (peer) => void peers.push(peer) });
    const session = await open(s);
    expect(peers).to.have.length(1);
    const ac = new AbortController();
    const get = await fetch(s.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session }, signal: ac.signal });
    expect(get.status).to.equal(200);
    expect(get.headers.get('content-type')).to.equal('text/event-stream');
    const second = await fetch(s.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session } });
    expect(second.status).to.equal(409);
    peers[0]?.notify('notifications/tools/list_changed');
    // a server request too: its answer comes back as a POST
    const answered = firstValueFrom(peers[0]!.request('roots/list', {}));
    const reader = get.body!.getReader();
    let text = '';
    while (sseMessages(text).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    const [note, req] = sseMessages(text);
    expect(note).to.deep.equal({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    expect(req).to.deep.include({ method: 'roots/list' });
    const reply = await post(s.url, { jsonrpc: '2.0', id: req?.['id'], result: { roots: [] } }, { 'mcp-session-id': session });
    expect(reply.status).to.equal(202);
    expect(await answered).to.deep.equal({ roots: [] });
    ac.abort();
  });

  it('should open a local connection for a session the store knows and this instance does not', async () => {
    const records = new Map<string, { id: string; createdAt: number }>();
    const store = { create: (r: { id: string; createdAt: number }) => void records.set(r.id, r), get: (id: string) => records.get(id), delete: (id: string) => void records.delete(id) };
    s = await start({ sessions: store });
    const other = await start({ sessions: store });
    try {
      const session = await open(other);
      const r = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'here' } } }, { 'mcp-session-id': session });
      expect(r.status).to.equal(200);
      expect(rec(JSON.parse(r.text))['result']).to.deep.equal({ content: [{ type: 'text', text: 'here' }] });
    } finally {
      await other.stop();
    }
  });

  it('should survive a client that vanishes mid-write', async () => {
    s = await start();
    const session = await open(s);
    await new Promise<void>((resolve) => {
      const req = httpRequest(s.url, { method: 'POST', headers: { ...BASE, 'mcp-session-id': session } }, (res) => {
        res.once('data', () => {
          res.socket?.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end(JSON.stringify(slow(1, 200)));
    });
    await sleep(50);
    // the server goes on serving
    const r = await post(s.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'alive' } } }, { 'mcp-session-id': session });
    expect(r.status).to.equal(200);
  });
});
