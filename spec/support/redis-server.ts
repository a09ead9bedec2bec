import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

// A real redis-server for the specs (never a mock): on a free port of 127.0.0.1, nothing saved,
// killed at the end; the outage tests kill it and start it again on the same port.

export const haveRedis = spawnSync('redis-server', ['--version']).status === 0;

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });

export interface RunningRedis {
  readonly port: number;
  /** A new client of this server; disconnected by stop(). */
  client(): Redis;
  /** An outage: the server is killed (its data with it). */
  kill(): void;
  /** The server again, empty, on the same port (clients reconnect by themselves). */
  restart(): void;
  stop(): void;
}

export const startRedis = async (): Promise<RunningRedis> => {
  const port = await freePort();
  const run = (): ChildProcess => spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  let server = run();
  const clients: Redis[] = [];
  const client = (): Redis => {
    const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    c.on('error', () => undefined); // refused until the server is up, and once it is killed
    clients.push(c);
    return c;
  };
  const probe = client();
  const end = Date.now() + 5_000;
  while (probe.status !== 'ready') {
    if (Date.now() > end) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    port,
    client,
    kill: () => void server.kill('SIGKILL'),
    restart: () => {
      server = run();
    },
    stop: () => {
      for (const c of clients) c.disconnect();
      server.kill('SIGKILL');
    },
  };
};

/**
 * A real redis-server for one `describe`: started before its tests (the suite is skipped, saying
 * why, where redis-server is not installed) and stopped after them. Call it in the `describe`;
 * the getter gives the running server inside the tests.
 */
export const redisForSuite = (): (() => RunningRedis) => {
  let redis: RunningRedis | undefined;
  before(async function () {
    if (!haveRedis) {
      console.warn('redis-server is not installed: `apt-get install redis-server` to run these tests');
      this.skip();
    }
    redis = await startRedis();
  });
  after(() => redis?.stop());
  return () => {
    if (redis === undefined) throw new Error('redis-server is not running');
    return redis;
  };
};
