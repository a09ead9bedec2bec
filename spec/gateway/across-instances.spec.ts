import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import { CancellationManager } from '../../lib/index.js';
import { redisBus, redisSessions } from '../../lib/redis.js';
import { roundRobinProxy, type Hop, type RoundRobinProxy } from '../../examples/cluster/round-robin-proxy.js';
import { haveRedis, startRedis, type RunningRedis } from '../support/redis-server.js';
import { callsOf, cancelsOf, httpFront, stdioUpstream, until, type Front, type StdioUpstream } from './support.js';

// Two gateway instances (A and B), each with its own stdio upstream, behind a round-robin proxy
// with no stickiness, sharing their 2025 sessions (redisSessions) and their cancellations
// (redisBus) on one real redis-server. The SDK's cancel lands on the other instance than the
// call: it crosses the bus, ends the front request where it runs, and that instance's upstream
// gets the one notifications/cancelled, under that instance's own upstream id.

const hopOf = (hops: readonly Hop[], rpc: string): Hop | undefined => hops.find((h) => h.rpc.includes(rpc));

describe('gateway: across instances behind a balancer (real redis-server)', function () {
  this.timeout(30_000);
  let redis: RunningRedis | undefined;
  const managers: CancellationManager[] = [];
  const instances = new Map<string, { front: Front; upstream: StdioUpstream }>();
  let lb: RoundRobinProxy | undefined;

  before(async function () {
    if (!haveRedis) {
      console.warn('redis-server is not installed: `apt-get install redis-server` to run the gateway cluster test');
      this.skip();
    }
    redis = await startRedis();
    for (const name of ['A', 'B']) {
      const manager = new CancellationManager({ bus: redisBus({ publisher: redis.client(), subscriber: redis.client(), secret: 'gateway spec secret' }) });
      managers.push(manager);
      const upstream = stdioUpstream();
      const front = await httpFront({ upstream: upstream.make, era: '2025-11-25' }, { manager, sessions: redisSessions({ client: redis.client(), namespace: 'gateway' }) });
      instances.set(name, { front, upstream });
    }
    lb = await roundRobinProxy([...instances].map(([name, i]) => ({ name, url: i.front.url })));
    const probe = redis.client();
    const end = Date.now() + 5_000;
    while (Number(((await probe.call('PUBSUB', 'NUMSUB', 'mcp-rx-cancel:cancellations')) as unknown[])[1]) < 2) {
      if (Date.now() > end) throw new Error('the buses did not subscribe');
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  after(async () => {
    await lb?.close();
    for (const { front, upstream } of instances.values()) {
      await front.stop();
      upstream.killAll();
    }
    for (const m of managers) m.dispose();
    redis?.stop();
  });

  it("should stop the upstream call an instance made when the front client's cancel lands on the other instance", async () => {
    const client = new Client({ name: 'sdk-v1', version: '1.32.2' });
    await client.connect(new StreamableHTTPClientTransport(new URL(lb!.url)));
    try {
      // the SDK opens its GET stream after notifications/initialized: the proxy's turns are then known
      await until(() => lb!.hops.some((h) => h.httpMethod === 'GET'), 5_000, 'the GET stream');
      const ac = new AbortController();
      let progressed = 0;
      const error = await client
        .callTool({ name: 'slow_count', arguments: { steps: 1_000, intervalMs: 10 } }, undefined, { signal: ac.signal, onprogress: () => void (++progressed === 2 && ac.abort('user stop')) })
        .then(() => undefined, (e: unknown) => e);
      expect(error, 'the call is aborted, not answered').to.be.instanceOf(Error);
      await until(() => hopOf(lb!.hops, 'notifications/cancelled') !== undefined, 5_000, 'the cancel at the proxy');
      const call = hopOf(lb!.hops, 'tools/call')!;
      const cancel = hopOf(lb!.hops, 'notifications/cancelled')!;
      const timeline = lb!.hops.map((h) => `${h.httpMethod} ${h.rpc.join(',')} -> ${h.to}`).join('; ');
      expect(cancel.to, `the cancel lands on the other instance: ${timeline}`).to.not.equal(call.to);

      const runner = instances.get(call.to)!;
      const other = instances.get(cancel.to)!;
      const upCall = callsOf(runner.upstream.sent).find((c) => c.name === 'slow_count');
      expect(upCall, `the call went up from ${call.to}`).to.not.equal(undefined);
      await until(() => cancelsOf(runner.upstream.sent).length === 1, 5_000, `the upstream cancel from ${call.to}`);
      expect(cancelsOf(runner.upstream.sent)).to.deep.equal([upCall?.id]);
      await runner.upstream.stderr.waitFor(/cleanup slow_count #\d+: cancelled \(peer/, 5_000);
      expect(callsOf(other.upstream.sent).filter((c) => c.name === 'slow_count'), 'nothing of it on the other upstream').to.deep.equal([]);
      expect(cancelsOf(other.upstream.sent)).to.deep.equal([]);
      expect(runner.front.events.some((e) => e.type === 'request-cancelled' && e.reason.via === 'bus')).to.equal(true);
      await until(() => runner.front.gateway.inFlight() === 0, 5_000, 'nothing in flight');
    } finally {
      await client.close();
    }
  });
});
