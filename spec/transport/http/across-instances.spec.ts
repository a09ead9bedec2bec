import { expect } from 'chai';
import { CancellationManager, type PeerEvent } from '../../../lib/index.js';
import type { HttpEvent } from '../../../lib/http.js';
import { redisBus, redisSessions, type BusEvent } from '../../../lib/redis.js';
import { redisForSuite } from '../../support/redis-server.js';
import { headers2026, post, start, until, type Running } from './support.js';

// What reaches the other instances, and what one instance's end of a session does to another:
// streamableHttp instances sharing a real redis-server (redisBus, redisSessions).

const ofType = <T extends string>(events: ReadonlyArray<PeerEvent | HttpEvent>, type: T): Array<Extract<PeerEvent | HttpEvent, { type: T }>> =>
  events.filter((e): e is Extract<PeerEvent | HttpEvent, { type: T }> => e.type === type);
const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } };
const inSession = (id: string): Record<string, string> => ({ ...json, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' });
const cancelOf = (requestId: number): Record<string, unknown> => ({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason: 'made up' } });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const open = async (s: Running): Promise<string> => {
  const r = await post(s.url, initialize, json);
  expect(r.status).to.equal(200);
  await r.text();
  const id = r.headers.get('mcp-session-id')!;
  expect((await post(s.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, inSession(id))).status).to.equal(202);
  return id;
};

describe('streamableHttp across instances (real redis-server)', function () {
  this.timeout(20_000);
  const redisServer = redisForSuite();
  const running: Running[] = [];
  const managers: CancellationManager[] = [];
  let namespace = 0;
  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
    for (const m of managers.splice(0)) m.dispose();
  });

  /** An instance with its own bus on the shared Redis; what its bus did is in `busEvents`. */
  const instance = async (options: { security?: { burst: number; maxCancellationsPerSecond: number }; sessions?: boolean; ns?: string } = {}) => {
    const ns = options.ns ?? `across-${++namespace}`;
    const bus = redisBus({ publisher: redisServer().client(), subscriber: redisServer().client(), secret: 'across spec secret', namespace: ns });
    const busEvents: BusEvent[] = [];
    bus.events$.subscribe((e) => void busEvents.push(e));
    const manager = new CancellationManager({ bus });
    managers.push(manager);
    const s = await start({ manager, ...(options.security === undefined ? {} : { security: options.security }), ...(options.sessions === true ? { sessions: redisSessions({ client: redisServer().client(), namespace: ns }) } : {}) });
    running.push(s);
    return { s, busEvents, ns };
  };
  const recordsUnder = async (ns: string): Promise<string[]> => redisServer().client().keys(`${ns}:*`);

  it('should neither forward nor record a notifications/cancelled POSTed in 2026-07-28, and say it was ignored', async () => {
    const { s, busEvents, ns } = await instance();
    for (let i = 0; i < 200; i++) {
      const r = await post(s.url, cancelOf(i), headers2026('notifications/cancelled'));
      expect(r.status).to.equal(202);
      await r.text();
    }
    await until(() => ofType(s.seen.events, 'cancel-ignored').length === 200, 3_000, 'an event for every cancel');
    // the bus works on its own time: give a publish every chance to show
    await sleep(200);
    expect(ofType(s.seen.events, 'cancel-ignored').every((e) => e.why === 'unknown')).to.equal(true);
    expect(ofType(s.seen.events, 'cancel-forwarded')).to.have.length(0);
    expect(busEvents.filter((e) => e.type === 'bus-published')).to.have.length(0);
    expect(await recordsUnder(ns)).to.deep.equal([]);
  });

  it("should forward a 2025 session's cancel for an id not in flight here, no more than the session's rate allows", async () => {
    const { s, busEvents, ns } = await instance({ security: { burst: 5, maxCancellationsPerSecond: 1 } });
    const session = await open(s);
    for (let i = 0; i < 12; i++) expect((await post(s.url, cancelOf(100 + i), inSession(session))).status).to.equal(202);
    await until(() => busEvents.filter((e) => e.type === 'bus-published').length >= 5, 3_000, 'the publishes');
    await sleep(200);
    expect(ofType(s.seen.events, 'cancel-forwarded').map((e) => e.key.requestId)).to.deep.equal([100, 101, 102, 103, 104]);
    expect(ofType(s.seen.events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(Array(7).fill('rate-limited'));
    expect(busEvents.filter((e) => e.type === 'bus-published')).to.have.length(5);
    expect((await recordsUnder(ns)).filter((k) => k.includes(':cancelled:'))).to.have.length(5);
  });

  describe('a 2025 session ended on one instance', () => {
    const slowCall = (id: number): Record<string, unknown> => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'never' } });

    /** A and B share the session store; the session opens on A, where a call is left running. */
    const openOnA = async () => {
      const a = await instance({ sessions: true });
      const b = await instance({ sessions: true, ns: a.ns });
      const session = await open(a.s);
      const call = fetch(a.s.url, { method: 'POST', headers: inSession(session), body: JSON.stringify(slowCall(1)) }).then((r) => r.text(), () => '');
      await until(() => ofType(a.s.seen.events, 'request-received').some((e) => e.method === 'tools/call'), 3_000, 'the call on A');
      return { a: a.s, b: b.s, session, call, ns: a.ns };
    };
    const endedOnA = async (a: Running, session: string, why: string): Promise<void> => {
      await until(() => a.seen.cleanups.length === 1, 3_000, 'the call on A to be cancelled');
      expect(a.seen.cleanups).to.deep.equal(['1:close']);
      expect(ofType(a.seen.events, 'session-closed').map((e) => [e.sessionId, e.why])).to.deep.equal([[session, why]]);
      expect(a.mcp.inFlight()).to.equal(0);
      const later = await post(a.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'still there?' } } }, inSession(session));
      expect(later.status, 'after termination the session id is answered 404').to.equal(404);
      await sleep(50);
      expect(a.seen.cleanups, 'cleanups once').to.have.length(1);
    };

    it('should end it on every instance when its DELETE lands on another: calls cancelled, later requests 404', async () => {
      const { a, b, session, call } = await openOnA();
      const del = await fetch(b.url, { method: 'DELETE', headers: inSession(session) });
      expect(del.status).to.equal(200);
      const t0 = Date.now();
      await endedOnA(a, session, 'record-gone');
      expect(Date.now() - t0, 'within about a second').to.be.below(2_000);
      await call;
    });

    it('should end it when only the store knows: its record deleted behind the instances’ backs', async () => {
      const { a, session, call, ns } = await openOnA();
      await redisServer().client().del(`${ns}:session:${session}`);
      await endedOnA(a, session, 'record-gone');
      await call;
    });
  });
});
