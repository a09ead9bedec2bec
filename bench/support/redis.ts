// What the cases across instances share: a redis-server of their own on a free port of
// 127.0.0.1 (nothing saved), and waiting for a condition with a deadline.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Whether a redis-server can be started here; the cases print a `skipped` line when not. */
export const haveRedisServer = (): boolean => spawnSync('redis-server', ['--version']).status === 0;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no free port'))));
    });
  });

/** A redis-server on a free port of 127.0.0.1, saving nothing: its port and its process (kill it when done). */
export const startRedisServer = async (): Promise<{ readonly port: number; readonly server: ChildProcess }> => {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  return { port, server };
};

/** Wait until `cond` holds, polling every 5 ms; fail after `ms`, saying `what`. */
export const until = async (cond: () => boolean, ms: number, what: string): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
