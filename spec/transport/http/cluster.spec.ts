import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import { CancellationManager, connect, type PeerEvent } from '../../../lib/index.js';
import { streamableHttpClient, type HttpEvent } from '../../../lib/http.js';
import { redisBus, redisSessions } from '../../../lib/redis.js';
import { roundRobinProxy, type Hop, type RoundRobinProxy } from '../../../examples/cluster/round-robin-proxy.js';
import { haveRedis, startRedis, type RunningRedis } from '../../support/redis-server.js';
import { start, until, type Running } from './support.js';

// A real deployment, small: two streamableHttp instances on two ports, one redis-server holding
// the 2025 sessions (redisSessions) and carrying the cancellations (redisBus), and a round-robin
// proxy with no stickiness in front. Every HTTP request of a session may land on either instance.

const ofType = <T extends string>(events: ReadonlyArray<PeerEvent | HttpEvent>, type: T): Array<Extract<PeerEvent | HttpEvent, { type: T }>> =>
  events.filter((e): e is Extract<PeerEvent | HttpEvent, { type: T }> => e.type === type);
const hopOf = (hops: readonly Hop[], rpc: string): Hop | undefined => hops.find((h) => h.rpc.includes(rpc));

describe('cluster: two streamableHttp instances behind a round-robin proxy (real redis-server)', function () {
  this.timeout(20_000);
  let redis: RunningRedis | undefined;
  let a: Running | undefined;
  let b: Running | undefined;
  let lb: RoundRobinProxy | undefined;
  const managers: CancellationManager[] = [];
  const byName = (name: string): Running => (name === 'A' ? a! : b!);

  before(async function () {
    if (!haveRedis) {
      console.warn('redis-server is not installed: `apt-get install redis-server` to run the cluster tests');
      this.skip();
    }
    redis = await startRedis();
    const instance = async (): Promise<Running> => {
      const manager = new CancellationManager({ bus: redisBus({ publisher: redis!.client(), subscriber: redis!.client(), secret: 'cluster spec secret' }) });
      managers.push(manager);
      return start({ sessions: redisSessions({ client: redis!.client(), namespace: 'cluster' }), manager });
    };
    a = await instance();
    b = await instance();
    lb = await roundRobinProxy([{ name: 'A', url: a.url }, { name: 'B', url: b.url }]);
    // both buses subscribed to the channel before anything is cancelled
    const probe = redis.client();
    const end = Date.now() + 5_000;
    while (Number((await probe.call('PUBSUB', 'NUMSUB', 'mcp-rx-cancel:cancellations') as unknown[])[1]) < 2) {
      if (Date.now() > end) throw new Error('the buses did not subscribe');
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  after(async () => {
    await lb?.close();
    await a?.stop();
    await b?.stop();
    for (const m of managers) m.dispose();
    redis?.stop();
  });

  it("should run the cleanup with source 'peer' on the instance running the call when the SDK's cancel lands on the other", async () => {
    const client = new Client({ name: 'sdk-v1', version: '1.32.2' });
    await client.connect(new StreamableHTTPClientTransport(new URL(lb!.url)));
    try {
      const init = hopOf(lb!.hops, 'initialize')!;
      const sessionId = ofType(byName(init.to).seen.events, 'session-opened')[0]?.sessionId;
      expect(sessionId, `the session opened on ${init.to}`).to.be.a('string');
      // the SDK opens its GET stream after notifications/initialized; wait for it, so that the
      // turns of the proxy are known: initialize A, initialized B, GET A, the call B, the cancel A
      await until(() => lb!.hops.some((h) => h.httpMethod === 'GET'), 3_000, 'the GET stream');

      const ac = new AbortController();
      const error = await client
        .callTool({ name: 'slow', arguments: {} }, undefined, { signal: ac.signal, onprogress: () => ac.abort('user stop') })
        .then(() => undefined, (e: unknown) => e);
      expect(error, 'the call is aborted, not answered').to.be.instanceOf(Error);

      const call = hopOf(lb!.hops, 'tools/call')!;
      await until(() => hopOf(lb!.hops, 'notifications/cancelled') !== undefined, 3_000, 'the cancel to reach the proxy');
      const cancel = hopOf(lb!.hops, 'notifications/cancelled')!;
      const timeline = lb!.hops.map((h) => `${h.httpMethod} ${h.rpc.join(',')} -> ${h.to}`).join('; ');
      expect(call.to, `the call is served by the other instance than the one that opened the session: ${timeline}`).to.not.equal(init.to);
      expect(cancel.to, `the cancel lands on the other instance than the call: ${timeline}`).to.not.equal(call.to);

      const runner = byName(call.to);
      const other = byName(cancel.to);
      // the instance that did not open the session took it over from the store
      expect(ofType(runner.seen.events, 'session-opened').map((e) => e.sessionId)).to.deep.equal([sessionId]);
      await until(() => runner.seen.cleanups.length === 1, 5_000, `the cleanup on ${call.to}`);
      expect(runner.seen.cleanups[0]).to.match(/:peer$/);
      expect(other.seen.cleanups).to.deep.equal([]);
      const cancelled = ofType(runner.seen.events, 'request-cancelled');
      expect(cancelled.map((e) => [e.key.sessionId, e.reason.source, e.reason.reason])).to.deep.equal([[sessionId, 'peer', 'user stop']]);
      // no response for it from either instance
      expect([...ofType(runner.seen.events, 'request-completed'), ...ofType(runner.seen.events, 'request-failed')].filter((e) => e.method === 'tools/call')).to.deep.equal([]);
      expect(a!.mcp.inFlight() + b!.mcp.inFlight()).to.equal(0);
    } finally {
      await client.close();
    }
  });

  it("should stop a 2026-07-28 call with source 'close' on the instance running it when the client unsubscribes", async () => {
    const before = lb!.hops.length;
    const { peer, subscription } = connect(streamableHttpClient({ url: lb!.url }), { era: '2026-07-28', clientInfo: { name: 'ours', version: '1' } });
    try {
      let stop: () => void = () => undefined;
      const progressed = new Promise<void>((r) => (stop = r));
      const errors: unknown[] = [];
      const call = peer.request('tools/call', { name: 'slow', arguments: {} }, { onProgress: () => stop() }).subscribe({ error: (e: unknown) => void errors.push(e) });
      await progressed;
      call.unsubscribe();
      const hop = hopOf(lb!.hops.slice(before), 'tools/call')!;
      const runner = byName(hop.to);
      const other = byName(hop.to === 'A' ? 'B' : 'A');
      const cleanupsBefore = other.seen.cleanups.length;
      await until(() => runner.seen.cleanups.some((c) => c.endsWith(':close')), 5_000, `the cleanup on ${hop.to}`);
      expect(runner.seen.cleanups.filter((c) => c.endsWith(':close'))).to.have.length(1);
      expect(other.seen.cleanups).to.have.length(cleanupsBefore);
      // the stream close is the cancel: nothing was POSTed for it
      expect(lb!.hops.slice(before).some((h) => h.rpc.includes('notifications/cancelled'))).to.equal(false);
      expect(errors).to.deep.equal([]);
      await until(() => a!.mcp.inFlight() + b!.mcp.inFlight() === 0, 3_000, 'nothing in flight');
    } finally {
      subscription.unsubscribe();
    }
  });
});
