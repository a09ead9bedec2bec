import { expect } from 'chai';
import fc from 'fast-check';
import type { PeerEvent } from '../../../lib/index.js';
import type { HttpEvent } from '../../../lib/http.js';
import { BASE, post, rec, request2026, start, until, type Running } from './server.js';

// One budget of requests in flight for the whole transport (maxInFlight), both eras together:
// real HTTP on 127.0.0.1, many 2025 sessions, 2026 one-shots beside them.

const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'spec', version: '0' } } };
// a `slow` call: progress every 10 ms (so its answer is an SSE stream at once), `steps` of them
const slow = (id: number, steps = 100_000) => ({
  jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', arguments: { steps, intervalMs: 10 }, _meta: { progressToken: `p${id}` } },
});
const echo = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });

const open = async (s: Running): Promise<string> => {
  const r = await post(s.url, INIT);
  expect(r.status).to.equal(200);
  return r.headers.get('mcp-session-id') ?? '';
};

/** A request left running: its POST's status once its answer starts, and a way to drop its stream. */
interface Held {
  readonly status: number;
  readonly text: () => Promise<string>;
  readonly drop: () => void;
}

const send = async (s: Running, body: unknown, headers: Record<string, string>): Promise<Held> => {
  const ac = new AbortController();
  const r = await fetch(s.url, { method: 'POST', headers: { ...BASE, ...headers }, body: JSON.stringify(body), signal: ac.signal });
  return { status: r.status, text: () => r.text().catch(() => ''), drop: () => ac.abort() };
};
const hold = (s: Running, session: string, id: number, steps?: number): Promise<Held> => send(s, slow(id, steps), { 'mcp-session-id': session });
const hold2026 = (s: Running, id: number): Promise<Held> => {
  const r = request2026(id, 'tools/call', { name: 'slow', arguments: { steps: 100_000, intervalMs: 10 }, _meta: { progressToken: `q${id}` } }, 'slow');
  return send(s, r.body, r.headers);
};
const cancel = (s: Running, session: string, id: number) =>
  post(s.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'spec' } }, { 'mcp-session-id': session });
const refusals = (events: ReadonlyArray<PeerEvent | HttpEvent>) => events.filter((e) => e.type === 'http-rejected' && e.status === 503);

/** The refusal a POST over the budget must get: 503, Retry-After, a -32603 naming the bound. */
const expectRefused = (r: { status: number; headers: Headers; text: string }, id: number | null, max: number): void => {
  expect(r.status).to.equal(503);
  expect(r.headers.get('retry-after')).to.equal('1');
  const body = rec(JSON.parse(r.text));
  expect(body['id']).to.equal(id);
  expect(rec(body['error'])['code']).to.equal(-32603);
  expect(rec(rec(body['error'])['data'])).to.deep.equal({ maxInFlight: max });
};

describe('streamableHttp, one budget of requests in flight across the transport', function () {
  this.timeout(20_000);
  let s: Running;
  afterEach(async () => s?.stop());

  it("should keep one session to its maxInFlightPerSession share, so it cannot crowd the others out of the transport's budget", async () => {
    s = await start({ maxInFlight: 10, maxInFlightPerSession: 2 });
    const [greedy, other] = [await open(s), await open(s)];
    const held = [await hold(s, greedy, 1), await hold(s, greedy, 2)];
    expect(held.map((h) => h.status)).to.deep.equal([200, 200]);
    // the greedy session's third: refused on its own stream (a JSON-RPC error), not by the transport
    const third = await post(s.url, echo(3), { 'mcp-session-id': greedy });
    expect(third.status).to.equal(200);
    expect(rec(JSON.parse(third.text))['error']).to.deep.include({ code: -32603, data: { maxInFlight: 2 } });
    expect(refusals(s.events)).to.have.length(0);
    // the other session still has its room
    const mine = await post(s.url, echo(1), { 'mcp-session-id': other });
    expect(rec(JSON.parse(mine.text))['result']).to.not.equal(undefined);
    for (const h of held) h.drop();
  });

  it('should refuse the request past maxInFlight across many 2025 sessions with 503, and go on serving every session', async () => {
    s = await start({ maxInFlight: 4 });
    const [a, b, c] = [await open(s), await open(s), await open(s)];
    // 4 in flight over three sessions, each far under its own bound of 4
    const held = [await hold(s, a, 1), await hold(s, a, 2), await hold(s, b, 1), await hold(s, c, 1)];
    expect(held.map((h) => h.status)).to.deep.equal([200, 200, 200, 200]);
    const past = await post(s.url, echo(2), { 'mcp-session-id': c });
    expectRefused(past, 2, 4);
    expect(refusals(s.events)).to.have.length(1);
    expect(refusals(s.events)[0]).to.include({ status: 503, code: -32603, why: 'Too many requests in flight (maxInFlight 4)' });
    // a batch that does not fit whole is refused whole, with id null
    expectRefused(await post(s.url, [echo(3), echo(4)], { 'mcp-session-id': b }), null, 4);
    // and a new session's initialize opens no session
    expectRefused(await post(s.url, INIT), 0, 4);
    expect(s.events.filter((e) => e.type === 'session-opened')).to.have.length(3);
    // nothing of it ran, and nothing else stopped
    expect(s.seen.started).to.have.length(4);
    expect(s.seen.aborted).to.deep.equal([]);
    // a cancel frees one place: the refused request goes through now, same session, same id
    expect((await cancel(s, a, 1)).status).to.equal(202);
    await until(() => s.seen.cleanups.length === 1, 'the cancelled request to end');
    const again = await post(s.url, echo(2), { 'mcp-session-id': c });
    expect(again.status).to.equal(200);
    expect(rec(JSON.parse(again.text))['id']).to.equal(2);
    expect(s.http.inFlight()).to.equal(3);
  });

  it('should share the one budget between the 2026 requests and the 2025 sessions', async () => {
    s = await start({ maxInFlight: 2 });
    const a = await open(s);
    expect((await hold(s, a, 1)).status).to.equal(200);
    expect((await hold2026(s, 7)).status).to.equal(200);
    // full: a 2026 request and a 2025 one are both refused the same way
    const r2026 = request2026(8, 'tools/call', { name: 'echo', arguments: { text: 'x' } }, 'echo');
    expectRefused(await post(s.url, r2026.body, r2026.headers), 8, 2);
    expectRefused(await post(s.url, echo(2), { 'mcp-session-id': a }), 2, 2);
    expect(refusals(s.events)).to.have.length(2);
  });

  it('should give a place back when a request completes, and when its 2025 stream is dropped only once it ends', async () => {
    s = await start({ maxInFlight: 2 });
    const [a, b] = [await open(s), await open(s)];
    const short = await hold(s, a, 1, 20);
    const dropped = await hold(s, b, 1, 30);
    // a dropped stream is not a cancel in 2025: the request runs on and keeps its place
    dropped.drop();
    await until(() => s.events.some((e) => e.type === 'stream-closed'), 'the stream to close');
    expectRefused(await post(s.url, echo(2), { 'mcp-session-id': b }), 2, 2);
    // the short one completes: one place back
    expect(await short.text()).to.match(/counted to 20/);
    expect((await post(s.url, echo(3), { 'mcp-session-id': b })).status).to.equal(200);
    // the dropped one completes, its response dropped: its place back too
    await until(() => s.http.inFlight() === 0, 'the dropped request to end');
    const both = [await hold(s, a, 4), await hold(s, b, 4)];
    expect(both.map((h) => h.status)).to.deep.equal([200, 200]);
  });

  it("should give back a session's places when the session is deleted", async () => {
    s = await start({ maxInFlight: 2 });
    const [a, b] = [await open(s), await open(s)];
    await hold(s, a, 1);
    await hold(s, a, 2);
    expectRefused(await post(s.url, echo(1), { 'mcp-session-id': b }), 1, 2);
    const del = await fetch(s.url, { method: 'DELETE', headers: { 'mcp-session-id': a } });
    expect(del.status).to.equal(200);
    expect(s.seen.aborted.map((x) => rec(x.reason)['source'])).to.deep.equal(['close', 'close']);
    const both = [await hold(s, b, 2), await hold(s, b, 3)];
    expect(both.map((h) => h.status)).to.deep.equal([200, 200]);
  });

  it('should keep a running request in its place across idle periods, and have every place back once its session idles out', async () => {
    s = await start({ maxInFlight: 1, sessionIdleMs: 40 });
    const a = await open(s);
    const running = await hold(s, a, 1, 15);
    // several idle periods pass while it runs: the session is not idle, the place stays taken
    await new Promise((r) => setTimeout(r, 100));
    const r2026 = request2026(5, 'tools/call', { name: 'echo', arguments: { text: 'x' } }, 'echo');
    expectRefused(await post(s.url, r2026.body, r2026.headers), 5, 1);
    await running.text();
    await until(() => s.events.some((e) => e.type === 'session-closed' && e.sessionId === a && e.why === 'idle'), 'the session to idle out');
    const c = await open(s);
    expect((await hold(s, c, 1)).status).to.equal(200);
  });

  it('should have the whole budget back after any mix of calls, cancels, completions, dropped streams and DELETEs', async () => {
    const MAX = 3;
    // one step: which session (or 2026), and what to do there
    const step = fc.record({ where: fc.integer({ min: 0, max: 3 }), what: fc.constantFrom('hold', 'short', 'echo', 'cancel', 'drop', 'delete') });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        s = await start({ maxInFlight: MAX });
        try {
          const sessions = [await open(s), await open(s), await open(s)];
          const held: Array<{ session: number; id: number; h: Held }> = [];
          const all: Held[] = [];
          let next = 1;
          for (const { where, what } of steps) {
            const id = next++;
            if (where === 3) {
              // 2026: a call held open, or one whose stream is closed at once (its cancel)
              const h = await hold2026(s, id);
              all.push(h);
              if (what === 'drop' || what === 'cancel' || what === 'delete') h.drop();
              continue;
            }
            const session = sessions[where] ?? '';
            if (what === 'hold' || what === 'short' || what === 'drop') {
              const h = await hold(s, session, id, what === 'short' ? 3 : undefined);
              all.push(h);
              if (h.status === 200) held.push({ session: where, id, h });
              if (what === 'drop') h.drop();
            } else if (what === 'echo') await post(s.url, echo(id), { 'mcp-session-id': session });
            else if (what === 'cancel') {
              const victim = held.find((x) => x.session === where);
              if (victim !== undefined) await cancel(s, session, victim.id);
            } else {
              await fetch(s.url, { method: 'DELETE', headers: { 'mcp-session-id': session } });
              // the budget may be full: then there is no new session, and that one's POSTs get 404
              sessions[where] = (await post(s.url, INIT)).headers.get('mcp-session-id') ?? '';
            }
          }
          // end everything: every session deleted, every 2026 stream dropped
          for (const session of sessions) await fetch(s.url, { method: 'DELETE', headers: { 'mcp-session-id': session } });
          for (const h of all) h.drop();
          await until(() => s.http.inFlight() === 0, 'everything to end');
          await new Promise((r) => setTimeout(r, 20));
          // exactly MAX fit again, over two sessions: no place leaked, none given back twice
          const [x, y] = [await open(s), await open(s)];
          const fitting = [await hold(s, x, 1), await hold(s, y, 1), await hold2026(s, 99)];
          expect(fitting.map((h) => h.status)).to.deep.equal([200, 200, 200]);
          expectRefused(await post(s.url, echo(2), { 'mcp-session-id': y }), 2, MAX);
        } finally {
          await s.stop();
        }
      }),
      { numRuns: 12 },
    );
  });
});
