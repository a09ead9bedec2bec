import { expect } from 'chai';
import { Redis } from 'ioredis';
import { NEVER, Subject, firstValueFrom, filter, timeout } from 'rxjs';
import { freePort, haveRedis, startRedis, type RunningRedis } from '../support/redis-server.js';
import { CancelReason, CancellationManager, RequestHandler, RequestKey, createPeer } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { redisBus, type BusEvent } from '../../lib/redis.js';
import { retryBytes } from '../../lib/manager/bus-retries.js';
import { signAnnouncement } from '../../lib/manager/bus-signature.js';

// Real redis-server (never a mock): .ci/run installs it when the machine lacks it.
const SECRET = 'a secret every instance of the test deployment shares';

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('redisBus (real redis-server)', function () {
  this.timeout(20_000);
  let redis: RunningRedis | undefined;
  let port = 0;
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    // the outage tests kill the server: a client nobody else listens to must not log an unhandled error
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  before(async function () {
    if (!haveRedis) {
      // CI installs redis-server; a developer machine without it says so loudly
      console.warn('redis-server is not installed: `apt-get install redis-server` to run the redisBus tests');
      this.skip();
    }
    redis = await startRedis();
    port = redis.port;
  });

  after(() => {
    for (const c of clients) c.disconnect();
    redis?.stop();
  });

  it('should stop a request on instance B when instance A receives its cancel', async () => {
    const busA = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'A' });
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'B' });
    const managerA = new CancellationManager({ bus: busA });
    const managerB = new CancellationManager({ bus: busB });
    // both instances serve session S; B runs request 7
    let aborted: unknown;
    let cleaned = 0;
    const toB = new Subject<unknown>();
    const toA = new Subject<unknown>();
    const b = createPeer(toB, { manager: managerB, sessionId: 'S', handlers: { job: (_p, ctx) => (ctx.onCleanup(() => void cleaned++), ctx.signal.addEventListener('abort', () => (aborted = ctx.signal.reason)), NEVER) } });
    const a = createPeer(toA, { manager: managerA, sessionId: 'S' });
    const outB: JsonRpcMessage[] = [];
    b.outgoing$.subscribe((m) => outB.push(m));
    a.outgoing$.subscribe();
    await new Promise((r) => setTimeout(r, 100)); // both subscribed to the channel
    toB.next({ jsonrpc: '2.0', id: 7, method: 'job' });
    expect(managerB.has({ sessionId: 'S', requestId: 7 })).to.equal(true);
    // the load balancer sends the cancel to A, which does not hold request 7
    toA.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'moved on' } });
    await until(() => cleaned === 1);
    expect(aborted).to.deep.equal({ source: 'peer', reason: 'moved on', via: 'bus' } satisfies CancelReason);
    expect(outB).to.deep.equal([]);
    expect(managerB.size).to.equal(0);
    managerA.dispose();
    managerB.dispose();
  });

  it("should carry a tasks/cancel's method to the instance running the task, signed with it", async () => {
    const busA = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'A-task' });
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'B-task' });
    const eventsB: BusEvent[] = [];
    busB.events$.subscribe((e) => eventsB.push(e));
    const managerA = new CancellationManager({ bus: busA });
    const managerB = new CancellationManager({ bus: busB });
    const key = { sessionId: 'task:alice', requestId: 'a-task-id' };
    managerB.register(key);
    const seen: CancelReason[] = [];
    managerB.cancelled(key).subscribe((r) => seen.push(r));
    await new Promise((r) => setTimeout(r, 100));
    // a message with the method added by someone without the secret: the signature covers it
    const { signAnnouncement } = await import('../../lib/manager/bus-signature.js');
    const sigWithoutMethod = signAnnouncement(SECRET, 'A-task', [{ key, reason: { source: 'peer' } }]);
    const forged = { v: 3, origin: 'A-task', cancels: [{ key, reason: { source: 'peer', method: 'tasks/cancel' } }], sig: sigWithoutMethod };
    await client().publish('mcp-rx-cancel:cancellations', JSON.stringify(forged));
    await until(() => eventsB.some((e) => e.type === 'bus-message-rejected'));
    expect(seen).to.deep.equal([]);
    expect(managerA.cancel(key, { source: 'peer', reason: 'tasks/cancel', method: 'tasks/cancel' })).to.equal('forwarded');
    await until(() => seen.length === 1);
    expect(seen).to.deep.equal([{ source: 'peer', reason: 'tasks/cancel', method: 'tasks/cancel', via: 'bus' }]);
    managerA.dispose();
    managerB.dispose();
  });

  it('should keep sessions apart across instances', async () => {
    const busA = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'A2' });
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'B2' });
    const managerA = new CancellationManager({ bus: busA });
    const managerB = new CancellationManager({ bus: busB });
    managerB.register({ sessionId: 'T', requestId: 1 });
    const seen: CancelReason[] = [];
    managerB.cancelled({ sessionId: 'T', requestId: 1 }).subscribe((r) => seen.push(r));
    await new Promise((r) => setTimeout(r, 100));
    managerA.cancel({ sessionId: 'U', requestId: 1 }, 'wrong session');
    managerA.cancel({ sessionId: 'T', requestId: 1 }, 'right session');
    await until(() => seen.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).to.deep.equal([{ source: 'peer', reason: 'right session', via: 'bus' }]);
    managerA.dispose();
    managerB.dispose();
  });

  it('should report garbage on the channel as an event and go on', async () => {
    const pub = client();
    const bus = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'C' });
    const events: BusEvent[] = [];
    bus.events$.subscribe((e) => events.push(e));
    const manager = new CancellationManager({ bus });
    await new Promise((r) => setTimeout(r, 100));
    await pub.publish('mcp-rx-cancel:cancellations', '{not json');
    await pub.publish('mcp-rx-cancel:cancellations', JSON.stringify({ v: 1, origin: 'x', key: { requestId: null }, reason: {} }));
    await until(() => events.length === 2);
    expect(events.map((e) => e.type)).to.deep.equal(['bus-message-rejected', 'bus-message-rejected']);
    manager.register({ requestId: 1 });
    expect(manager.cancel({ requestId: 1 })).to.equal('cancelled');
    manager.dispose();
  });

  it('should turn a Redis outage into events while local cancellation keeps working', async () => {
    const deadPort = await freePort(); // nothing listens there
    const pub = new Redis({ port: deadPort, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: false });
    const sub = new Redis({ port: deadPort, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: false });
    clients.push(pub, sub);
    const bus = redisBus({ publisher: pub, subscriber: sub, secret: SECRET });
    const errors = firstValueFrom(bus.events$.pipe(filter((e) => e.type === 'bus-error'), timeout(5000)));
    const manager = new CancellationManager({ bus });
    manager.cancel({ sessionId: 'S', requestId: 404 }); // not here: published, and the publish fails
    expect((await errors).type).to.equal('bus-error');
    manager.register({ sessionId: 'S', requestId: 1 });
    expect(manager.cancel({ sessionId: 'S', requestId: 1 })).to.equal('cancelled');
    manager.dispose();
  });

  /** A publisher and a subscriber that never reach a server (nothing listens on their port). */
  const down = async (maxRetriesPerRequest: number) => {
    const deadPort = await freePort();
    const pub = new Redis({ port: deadPort, host: '127.0.0.1', maxRetriesPerRequest, retryStrategy: () => 50, lazyConnect: false });
    const sub = new Redis({ port: deadPort, host: '127.0.0.1', maxRetriesPerRequest, retryStrategy: () => 50, lazyConnect: false });
    for (const c of [pub, sub]) c.on('error', () => undefined);
    clients.push(pub, sub);
    return { publisher: pub, subscriber: sub };
  };

  it('should refuse a retry past maxRetryBytes with an event that names the bound, and count it', async () => {
    const reason = CancelReason.of('peer', 'stop');
    const keys = [10, 11, 12, 13, 14].map((i) => RequestKey.of(i, 'S'));
    // room for three of these five (same size each), not four
    const maxRetryBytes = 3 * retryBytes(RequestKey.of(10, 'S'), reason) + 1;
    const bus = redisBus({ ...(await down(0)), secret: SECRET, maxRetryBytes });
    const events: BusEvent[] = [];
    bus.events$.subscribe((e) => void (e.type === 'bus-record-failed' && events.push(e)));
    for (const key of keys) bus.publish(key, reason);
    await until(() => events.length === 5);
    expect(events.map((e) => (e.type === 'bus-record-failed' ? [e.key.requestId, e.dropped, e.bound ?? null] : []))).to.deep.equal([
      [10, false, null], [11, false, null], [12, false, null], [13, true, 'maxRetryBytes'], [14, true, 'maxRetryBytes'],
    ]);
    expect(bus.retryStats()).to.deep.equal({ held: 3, bytes: maxRetryBytes - 1, dropped: 2 });
  });

  it('should keep a cancel made while the publisher is down at once, queuing no command in the client', async () => {
    // a client that retries each command 20 times would hold it (about 2 KB) for seconds
    const conn = await down(20);
    await until(() => conn.publisher.status === 'reconnecting' || conn.publisher.status === 'connecting');
    const bus = redisBus({ ...conn, secret: SECRET });
    const events: BusEvent[] = [];
    bus.events$.subscribe((e) => events.push(e));
    bus.publish(RequestKey.of(1, 'S'), CancelReason.of('peer', 'stop'));
    // told, and kept as its record, before publish returns: nothing waits in the client
    expect(events.map((e) => e.type)).to.deep.equal(['bus-record-failed']);
    expect(bus.retryStats()).to.deep.include({ held: 1, dropped: 0 });
  });

  it('should apply a cancel that raced ahead of its request when the request registers', async () => {
    const busA = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'RA' });
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'RB' });
    const events: BusEvent[] = [];
    busB.events$.subscribe((e) => events.push(e));
    const managerA = new CancellationManager({ bus: busA });
    const managerB = new CancellationManager({ bus: busB });
    await new Promise((r) => setTimeout(r, 100));
    // the cancel reaches A before the request reaches B: nobody holds it yet
    expect(managerA.cancel({ sessionId: 'R', requestId: 9 }, 'early')).to.equal('forwarded');
    await new Promise((r) => setTimeout(r, 100));
    managerB.register({ sessionId: 'R', requestId: 9 });
    const seen: CancelReason[] = [];
    managerB.cancelled({ sessionId: 'R', requestId: 9 }).subscribe((r) => seen.push(r));
    await until(() => seen.length === 1);
    expect(seen).to.deep.equal([{ source: 'peer', reason: 'early', via: 'bus' }]);
    expect(events.some((e) => e.type === 'bus-received' && e.recorded)).to.equal(true);
    // applied where it runs: the record is gone, so the key registering again is not cancelled
    const probe = client();
    await until(() => probe.status === 'ready');
    await new Promise((r) => setTimeout(r, 50));
    expect(await probe.exists('mcp-rx-cancel:cancelled:["R",9]')).to.equal(0);
    managerA.dispose();
    managerB.dispose();
  });

  it('should apply, after its subscriber reconnects, a cancel announced while it was away', async () => {
    const subB = client();
    const busA = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'OA' });
    const busB = redisBus({ publisher: client(), subscriber: subB, secret: SECRET, instanceId: 'OB' });
    const events: BusEvent[] = [];
    busB.events$.subscribe((e) => events.push(e));
    const managerA = new CancellationManager({ bus: busA });
    const managerB = new CancellationManager({ bus: busB });
    await until(() => subB.status === 'ready');
    await new Promise((r) => setTimeout(r, 100));
    managerB.register({ sessionId: 'O', requestId: 3 });
    const seen: CancelReason[] = [];
    managerB.cancelled({ sessionId: 'O', requestId: 3 }).subscribe((r) => seen.push(r));
    await new Promise((r) => setTimeout(r, 50));
    // B's subscriber drops out (a network blip): the announcement reaches nobody there
    subB.disconnect(true);
    // its socket closed first: a record and its announcement are one command now, and one sent in
    // the same turn as the disconnect can reach Redis while it still counts B as subscribed
    await until(() => subB.status !== 'ready');
    managerA.cancel({ sessionId: 'O', requestId: 3 }, 'while away');
    await until(() => seen.length === 1, 8_000);
    expect(seen).to.deep.equal([{ source: 'peer', reason: 'while away', via: 'bus' }]);
    expect(events.find((e) => e.type === 'bus-reconciled')).to.deep.include({ type: 'bus-reconciled', applied: 1 });
    managerA.dispose();
    managerB.dispose();
  });

  it('should ignore a cancel that is not signed with the secret, with an event', async () => {
    const forger = redisBus({ publisher: client(), subscriber: client(), secret: 'not the secret', instanceId: 'F' });
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'FB' });
    const events: BusEvent[] = [];
    busB.events$.subscribe((e) => events.push(e));
    const managerF = new CancellationManager({ bus: forger });
    const managerB = new CancellationManager({ bus: busB });
    await new Promise((r) => setTimeout(r, 100));
    managerB.register({ sessionId: 'F', requestId: 1 });
    managerF.cancel({ sessionId: 'F', requestId: 1 }, 'forged');
    const pub = client();
    await pub.publish('mcp-rx-cancel:cancellations', JSON.stringify({ v: 2, origin: 'x', key: { sessionId: 'F', requestId: 1 }, reason: { source: 'peer' } }));
    await until(() => events.filter((e) => e.type === 'bus-message-rejected').length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(managerB.isCancelled({ sessionId: 'F', requestId: 1 })).to.equal(false);
    managerF.dispose();
    managerB.dispose();
  });

  it('should announce a burst in one message per 1,000 cancels, and apply every one of them on the other instance', async () => {
    const busA = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'BA' });
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'BB' });
    const spy = client();
    const messages: string[] = [];
    spy.on('message', (_channel: string, raw: string) => messages.push(raw));
    await spy.subscribe('mcp-rx-cancel:cancellations');
    const managerA = new CancellationManager({ bus: busA });
    const managerB = new CancellationManager({ bus: busB });
    await new Promise((r) => setTimeout(r, 100));
    const keys = Array.from({ length: 2_500 }, (_, i) => RequestKey.of(i, 'burst'));
    for (const k of keys) managerB.register(k);
    for (const k of keys) managerA.cancel(k, 'burst');
    await until(() => keys.every((k) => managerB.isCancelled(k)), 8_000);
    // the spy is a connection of its own: what it hears may come after B applied it all
    await until(() => messages.length >= 3, 5_000);
    expect(messages.map((m) => (JSON.parse(m) as { cancels: unknown[] }).cancels.length)).to.deep.equal([1_000, 1_000, 500]);
    managerA.dispose();
    managerB.dispose();
  });

  it('should refuse an announcement of more cancels than one message may carry, signed or not, and one with a forged signature', async () => {
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'OB' });
    const events: BusEvent[] = [];
    busB.events$.subscribe((e) => events.push(e));
    const managerB = new CancellationManager({ bus: busB });
    await new Promise((r) => setTimeout(r, 100));
    managerB.register(RequestKey.of(0, 'O'));
    const cancels = Array.from({ length: 1_001 }, (_, i) => ({ key: { sessionId: 'O', requestId: i }, reason: { source: 'peer' as const } }));
    const pub = client();
    await pub.publish('mcp-rx-cancel:cancellations', JSON.stringify({ v: 3, origin: 'x', cancels, sig: signAnnouncement(SECRET, 'x', cancels) }));
    const one = cancels.slice(0, 1);
    await pub.publish('mcp-rx-cancel:cancellations', JSON.stringify({ v: 3, origin: 'x', cancels: one, sig: signAnnouncement('not the secret', 'x', one) }));
    await until(() => events.filter((e) => e.type === 'bus-message-rejected').length >= 2);
    expect(events.filter((e) => e.type === 'bus-message-rejected').map((e) => (e.type === 'bus-message-rejected' ? e.error.message : ''))).to.deep.equal([
      'a bus announcement of 1001 cancels, over 1000',
      'a bus announcement without a valid signature',
    ]);
    expect(managerB.isCancelled(RequestKey.of(0, 'O'))).to.equal(false);
    managerB.dispose();
  });

  it('should split a burst of long reasons into announcements a receiver reads, and refuse a longer one unread', async () => {
    const busA = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'LA' });
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'LB' });
    const events: BusEvent[] = [];
    busB.events$.subscribe((e) => events.push(e));
    const spy = client();
    const lengths: number[] = [];
    spy.on('message', (_channel: string, raw: string) => lengths.push(raw.length));
    await spy.subscribe('mcp-rx-cancel:cancellations');
    const managerA = new CancellationManager({ bus: busA });
    const managerB = new CancellationManager({ bus: busB });
    await new Promise((r) => setTimeout(r, 100));
    // 1,000 cancels of 10,000-character reasons: about 10 MB, over what one announcement may hold
    const keys = Array.from({ length: 1_000 }, (_, i) => RequestKey.of(i, 'long'));
    for (const k of keys) managerB.register(k);
    for (const k of keys) managerA.cancel(k, 'x'.repeat(10_000));
    await until(() => keys.every((k) => managerB.isCancelled(k)), 10_000);
    await until(() => lengths.length >= 2, 5_000);
    expect(lengths.length).to.be.greaterThan(1);
    expect(Math.max(...lengths)).to.be.at.most(8 * 1024 * 1024);
    // one over the bound is refused before it is parsed, whoever sent it
    const huge = `{"v":3,"origin":"x","cancels":[],"pad":"${'y'.repeat(8 * 1024 * 1024)}"}`;
    await client().publish('mcp-rx-cancel:cancellations', huge);
    await until(() => events.some((e) => e.type === 'bus-message-rejected'));
    expect(events.filter((e) => e.type === 'bus-message-rejected').map((e) => (e.type === 'bus-message-rejected' ? e.error.message : ''))).to.deep.equal([
      `a bus announcement of ${huge.length} characters, over ${8 * 1024 * 1024}`,
    ]);
    managerA.dispose();
    managerB.dispose();
  });

  it('should not apply a record without a valid signature when its request registers', async () => {
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'RF' });
    const events: BusEvent[] = [];
    busB.events$.subscribe((e) => events.push(e));
    const managerB = new CancellationManager({ bus: busB });
    await new Promise((r) => setTimeout(r, 100));
    // a record written straight into Redis by someone without the secret, for a request to come
    const key = RequestKey.of(4, 'forged-record');
    await client().set(`mcp-rx-cancel:cancelled:${RequestKey.toString(key)}`, JSON.stringify({ v: 2, origin: 'x', key, reason: { source: 'peer' }, sig: 'ab'.repeat(32) }), 'PX', 60_000);
    managerB.register(key);
    await until(() => events.some((e) => e.type === 'bus-message-rejected'));
    await new Promise((r) => setTimeout(r, 50));
    expect(managerB.isCancelled(key)).to.equal(false);
    managerB.dispose();
  });

  it('should refuse unread a record longer than an announcement may be', async () => {
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'RH' });
    const events: BusEvent[] = [];
    busB.events$.subscribe((e) => events.push(e));
    const managerB = new CancellationManager({ bus: busB });
    await new Promise((r) => setTimeout(r, 100));
    const key = RequestKey.of(5, 'huge-record');
    const huge = JSON.stringify({ v: 2, origin: 'x', key, reason: { source: 'peer', reason: 'y'.repeat(8 * 1024 * 1024) } });
    await client().set(`mcp-rx-cancel:cancelled:${RequestKey.toString(key)}`, huge, 'PX', 60_000);
    managerB.register(key);
    await until(() => events.some((e) => e.type === 'bus-message-rejected'));
    expect(events.filter((e) => e.type === 'bus-message-rejected').map((e) => (e.type === 'bus-message-rejected' ? e.error.message : ''))).to.deep.equal([
      `a bus record of ${huge.length} characters, over ${8 * 1024 * 1024}`,
    ]);
    expect(managerB.isCancelled(key)).to.equal(false);
    managerB.dispose();
  });

  it('should report a cancel Redis cannot take with its key, and record it once Redis is back', async () => {
    const pub = client();
    const bus = redisBus({ publisher: pub, subscriber: client(), secret: SECRET, instanceId: 'W' });
    const events: BusEvent[] = [];
    bus.events$.subscribe((e) => events.push(e));
    const manager = new CancellationManager({ bus });
    await until(() => pub.status === 'ready');
    // the publisher loses its connection; ioredis reconnects, and the bus retries then
    pub.disconnect(true);
    manager.cancel({ sessionId: 'W', requestId: 5 }, 'during the blip');
    await until(() => events.some((e) => e.type === 'bus-published' && e.key.requestId === 5), 8_000);
    const failed = events.find((e) => e.type === 'bus-record-failed');
    if (failed !== undefined) expect(failed).to.deep.include({ key: { sessionId: 'W', requestId: 5 }, dropped: false });
    const probe = client();
    expect(await probe.exists('mcp-rx-cancel:cancelled:["W",5]')).to.equal(1);
    manager.dispose();
  });

  /** A and B with resilient clients (ioredis reconnecting every 100 ms), and real handlers on B counting their cleanups. */
  const cluster = async (n: number, session: string) => {
    const resilient = (): Redis => {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    };
    const busA = redisBus({ publisher: resilient(), subscriber: resilient(), secret: SECRET, instanceId: `${session}-A` });
    const busB = redisBus({ publisher: resilient(), subscriber: resilient(), secret: SECRET, instanceId: `${session}-B` });
    const failed: BusEvent[] = [];
    busA.events$.subscribe((e) => void (e.type === 'bus-record-failed' && failed.push(e)));
    const managerA = new CancellationManager({ bus: busA });
    const managerB = new CancellationManager({ bus: busB });
    await new Promise((r) => setTimeout(r, 200));
    const cleanups = new Uint8Array(n);
    const runner = new RequestHandler(managerB);
    for (let i = 0; i < n; i++) {
      runner.handle({ sessionId: session, requestId: i }, (_p, ctx) => {
        ctx.onCleanup(() => void cleanups[i]++);
        return NEVER;
      }).subscribe();
    }
    const cleaned = (): number => cleanups.reduce((sum, c) => sum + (c > 0 ? 1 : 0), 0);
    const dispose = (): void => {
      managerA.dispose();
      managerB.dispose();
    };
    return { managerA, managerB, cleanups, cleaned, failed, dispose };
  };

  it('should carry 10,000 cross-instance cancels with none lost, each cleanup once', async function () {
    this.timeout(60_000);
    const c = await cluster(10_000, 'TEN');
    for (let i = 0; i < 10_000; i++) {
      c.managerA.cancel({ sessionId: 'TEN', requestId: i }, 'stop');
      if (i % 500 === 499) await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => c.cleaned() === 10_000, 30_000);
    expect(c.cleanups.every((n) => n === 1)).to.equal(true);
    expect(c.managerB.size).to.equal(0);
    c.dispose();
  });

  for (const { downMs, rate } of [{ downMs: 2_000, rate: 1_000 }, { downMs: 15_000, rate: 500 }]) {
    it(`should lose no cancel when Redis is killed for ${downMs / 1000} s mid-run and restarted, each cleanup once`, async function () {
      this.timeout(downMs + 40_000);
      const n = Math.round((rate * (downMs + 3_000)) / 1000);
      const session = `OUT${downMs}`;
      const c = await cluster(n, session);
      let sent = 0;
      const pump = setInterval(() => {
        for (let k = 0; k < rate / 100 && sent < n; k++) c.managerA.cancel({ sessionId: session, requestId: sent++ }, 'during the run');
      }, 10);
      await new Promise((r) => setTimeout(r, 1_000));
      redis?.kill();
      await new Promise((r) => setTimeout(r, downMs));
      redis?.restart();
      await until(() => sent === n && c.cleaned() === n, 30_000);
      clearInterval(pump);
      expect(c.cleanups.every((x) => x === 1)).to.equal(true);
      // the cancels Redis could not take were each told, with their key, and none was dropped
      expect(c.failed.length).to.be.greaterThan(0);
      for (const e of c.failed) if (e.type === 'bus-record-failed') expect([e.key.sessionId, e.dropped]).to.deep.equal([session, false]);
      c.dispose();
    });
  }
});
