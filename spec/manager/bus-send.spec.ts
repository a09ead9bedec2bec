import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { redisForSuite } from '../support/redis-server.js';
import { until } from '../transport/support.js';
import { CancellationManager, RequestKey } from '../../lib/index.js';
import { redisBus, type BusEvent } from '../../lib/redis.js';

// How the bus writes a turn's cancels: records before their announcement, in Redis's own order.
// Real redis-server (never a mock): .ci/run installs it when the machine lacks it.
const SECRET = 'a secret every instance of the test deployment shares';

describe('redisBus writer (real redis-server)', function () {
  this.timeout(20_000);
  const redis = redisForSuite();
  const client = (): Redis => redis().client();

  it('should write a burst as each announcement after its own records, the first leaving before the later records', async () => {
    const busA = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'MA' });
    const managerA = new CancellationManager({ bus: busA });
    // what Redis ran, in its order (MONITOR shows a script's commands too)
    const monitor = await client().monitor();
    monitor.on('error', () => undefined);
    const ran: string[][] = [];
    monitor.on('monitor', (_time: string, [name = '', ...args]: string[]) => {
      const command = name.toLowerCase();
      if (command === 'set' || command === 'publish') ran.push([command, ...args]);
    });
    await new Promise((r) => setTimeout(r, 50));
    const keys = Array.from({ length: 2_500 }, (_, i) => RequestKey.of(i, 'order'));
    for (const k of keys) managerA.cancel(k, 'burst');
    await until(() => ran.filter((a) => a[0] === 'publish').length === 3, 8_000);
    const written = new Set<string>();
    const announcedAt: number[] = [];
    ran.forEach((args, i) => {
      if (args[0] === 'set') written.add(args[1] ?? '');
      else {
        announcedAt.push(i);
        // Redis ran every record of an announcement before the announcement: a receiver that
        // applies it and deletes a record never sees that record written afterwards
        for (const c of (JSON.parse(args[2] ?? '') as { cancels: Array<{ key: RequestKey }> }).cancels) expect(written.has(`mcp-rx-cancel:cancelled:${RequestKey.toString(c.key)}`)).to.equal(true);
      }
    });
    // nothing waits for the whole burst's records: the first announcement follows its own 1,000
    expect(announcedAt).to.deep.equal([1_000, 2_001, 2_502]);
    monitor.disconnect();
    managerA.dispose();
  });

  it('should record and announce through a client without eval, a few records alone or a burst pipelined', async () => {
    // a client that has no `eval`: the records are written first, and announced once Redis took them
    const c = client();
    const withoutEval = new Proxy(c, {
      get: (target, p): unknown => {
        if (p === 'eval') return undefined;
        const v: unknown = Reflect.get(target, p);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const busA = redisBus({ publisher: withoutEval, subscriber: client(), secret: SECRET, instanceId: 'NE-A' });
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: 'NE-B' });
    const managerA = new CancellationManager({ bus: busA });
    const managerB = new CancellationManager({ bus: busB });
    await new Promise((r) => setTimeout(r, 100));
    for (const n of [2, 20]) {
      const keys = Array.from({ length: n }, (_, i) => RequestKey.of(i, `NE${n}`));
      for (const k of keys) managerB.register(k);
      for (const k of keys) managerA.cancel(k, 'no eval');
      await until(() => keys.every((k) => managerB.isCancelled(k)));
    }
    expect(busA.retryStats().held).to.equal(0);
    managerA.dispose();
    managerB.dispose();
  });

  /** Instances A and B on the suite's server, each with its bus, B subscribed by the time it returns. */
  const instances = async (name: string) => {
    const busA = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: `${name}-A` });
    const busB = redisBus({ publisher: client(), subscriber: client(), secret: SECRET, instanceId: `${name}-B` });
    const managerA = new CancellationManager({ bus: busA });
    const managerB = new CancellationManager({ bus: busB });
    await new Promise((r) => setTimeout(r, 100));
    return { busA, managerA, managerB, dispose: () => (managerA.dispose(), managerB.dispose()) };
  };
  /** Redis out of memory while `during` runs: every write refused, while a PUBLISH alone would still go through. */
  const outOfMemory = async (during: () => Promise<void>): Promise<void> => {
    const admin = client();
    await admin.config('SET', 'maxmemory', '1');
    try {
      await during();
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
  };

  it('should retry by itself what Redis refused while up, with no reconnect to set it off', async () => {
    const { busA, managerA, managerB, dispose } = await instances('LATER');
    const keys = Array.from({ length: 5 }, (_, i) => RequestKey.of(i, 'LATER'));
    for (const k of keys) managerB.register(k);
    await outOfMemory(async () => {
      for (const k of keys) managerA.cancel(k, 'no room yet');
      await until(() => busA.retryStats().held === keys.length);
    });
    // the publisher never went away: only the bus's own timer can send them now
    await until(() => keys.every((k) => managerB.isCancelled(k)), 5_000);
    expect(busA.retryStats().held).to.equal(0);
    dispose();
  });

  it('should announce nothing whose record Redis refused, and keep every such cancel to retry', async () => {
    const { busA, managerA, managerB, dispose } = await instances('MEM');
    const events: BusEvent[] = [];
    busA.events$.subscribe((e) => events.push(e));
    const keys = Array.from({ length: 20 }, (_, i) => RequestKey.of(i, 'MEM'));
    for (const k of keys) managerB.register(k);
    await outOfMemory(async () => {
      for (const k of keys) managerA.cancel(k, 'no room');
      await until(() => events.filter((e) => e.type === 'bus-record-failed').length === keys.length);
      await new Promise((r) => setTimeout(r, 100));
      expect(keys.some((k) => managerB.isCancelled(k))).to.equal(false);
      expect(busA.retryStats().held).to.equal(keys.length);
    });
    busA.retry();
    await until(() => keys.every((k) => managerB.isCancelled(k)), 5_000);
    expect(busA.retryStats().held).to.equal(0);
    dispose();
  });
});
