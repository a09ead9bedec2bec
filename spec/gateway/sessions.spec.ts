import { expect } from 'chai';
import { callsOf, httpFront, rec, stdioUpstream, textOf, until, v1, type Front, type StdioUpstream } from './support.js';

// Many front sessions, one upstream: each session's share is checked before anything goes
// upstream, and an upstream that dies fails what was forwarded at once, then restarts (given a
// way to make one) or says it cannot. Real SDK v1 clients over HTTP, a real stdio child upstream.

const failure = (p: Promise<unknown>): Promise<{ code: unknown; message: string }> =>
  p.then(
    () => ({ code: undefined, message: 'answered' }),
    (e: unknown) => ({ code: rec(e)['code'], message: e instanceof Error ? e.message : String(e) }),
  );

describe('gateway: many front sessions, one stdio upstream', function () {
  this.timeout(30_000);
  const upstreams: StdioUpstream[] = [];
  const fronts: Front[] = [];
  after(async () => {
    for (const f of fronts) await f.stop();
    for (const u of upstreams) u.killAll();
  });
  const setUp = async (options: Omit<Parameters<typeof httpFront>[0], 'upstream'>, fixed = false): Promise<{ up: StdioUpstream; front: Front }> => {
    const up = stdioUpstream();
    upstreams.push(up);
    const front = await httpFront({ ...options, upstream: fixed ? up.make() : up.make, era: '2025-11-25' });
    fronts.push(front);
    return { up, front };
  };

  it("should refuse a session's request over its in-flight share before forwarding it, and let another session's through", async () => {
    const { up, front } = await setUp({ maxInFlightPerSender: 1 });
    const a = await v1(front.url);
    const b = await v1(front.url);
    const ac = new AbortController();
    const long = a.call('slow_count', { steps: 1_000, intervalMs: 10 }, { signal: ac.signal }).catch(() => undefined);
    await until(() => callsOf(up.sent).length === 1, 10_000, 'the long call upstream');
    const refused = await failure(a.call('echo', { text: 'over my share' }));
    expect(refused.code).to.equal(-32603);
    expect(refused.message).to.include('maxInFlightPerSender 1');
    expect(callsOf(up.sent).length, 'nothing of the refused request went upstream').to.equal(1);
    expect(textOf(await b.call('echo', { text: 'mine' }))).to.include('mine');
    expect(front.events.some((e) => e.type === 'request-refused' && e.refusal.why === 'sender-in-flight')).to.equal(true);
    ac.abort();
    await long;
    await until(() => front.gateway.inFlight() === 0, 5_000, 'the share given back');
    expect(textOf(await a.call('echo', { text: 'again' }))).to.include('again');
    await a.close();
    await b.close();
  });

  it("should rate-limit a session's requests before forwarding them, and not another's", async () => {
    const { up, front } = await setUp({ requestsPerSecond: 1, burst: 2 });
    const a = await v1(front.url);
    const b = await v1(front.url);
    await a.call('echo', { text: '1' });
    await a.call('echo', { text: '2' });
    const before = callsOf(up.sent).length;
    const third = await failure(a.call('echo', { text: '3' }));
    expect(third.code).to.equal(-32603);
    expect(third.message).to.include('per second');
    expect(callsOf(up.sent).length).to.equal(before);
    expect(textOf(await b.call('echo', { text: 'b' }))).to.include('b');
    await a.close();
    await b.close();
  });

  it('should fail every forwarded request at once when the upstream dies, then restart it on the next request', async () => {
    const { up, front } = await setUp({});
    const a = await v1(front.url);
    const b = await v1(front.url);
    const callA = failure(a.call('slow_count', { steps: 1_000, intervalMs: 10 }));
    const callB = failure(b.call('slow_count', { steps: 1_000, intervalMs: 10 }));
    await until(() => callsOf(up.sent).length === 2, 10_000, 'both calls upstream');
    const killedAt = Date.now();
    up.children[0]?.kill('SIGKILL');
    const [ea, eb] = await Promise.all([callA, callB]);
    expect(Date.now() - killedAt, 'at once, not at a timeout').to.be.below(2_000);
    for (const e of [ea, eb]) {
      expect(e.code).to.equal(-32603);
      expect(e.message).to.include('Upstream connection closed');
    }
    expect(textOf(await a.call('echo', { text: 'restarted' }))).to.include('restarted');
    expect(up.children.length, 'a second child').to.equal(2);
    expect(front.events.filter((e) => e.type === 'upstream-started').map((e) => rec(e)['generation'])).to.deep.equal([1, 2]);
    await a.close();
    await b.close();
  });

  it('should answer with a clear error after the upstream died when it was given a transport, not a way to make one', async () => {
    const { up, front } = await setUp({}, true);
    const a = await v1(front.url);
    expect(textOf(await a.call('echo', { text: 'alive' }))).to.include('alive');
    up.children[0]?.kill('SIGKILL');
    await until(() => front.events.some((e) => e.type === 'upstream-closed'), 5_000, 'the upstream closed');
    const e = await failure(a.call('echo', { text: 'dead' }));
    expect(e.code).to.equal(-32603);
    expect(e.message).to.include('cannot restart it');
    expect(up.children.length).to.equal(1);
    await a.close();
  });
});
