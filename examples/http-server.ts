import type { Redis } from 'ioredis';
import { CancellationManager } from '../lib/index.js';
import { streamableHttp } from '../lib/http.js';
import { redisBus, redisSessions, redisTaskStore } from '../lib/redis.js';
import { portArgument, serveHttp } from './http-main.js';
import { exampleServer } from './mcp-handlers.js';

// An MCP server over Streamable HTTP, made with mcp-rx-cancel, for both eras on one endpoint:
// a 2025-11-25 client (sessions, `initialize`, cancel by notification) and a 2026-07-28 one (one
// POST per request; closing its stream is the cancel). The tools are the stdio server's: `echo`,
// `slow_count` (progress, cancellable; a task for a 2026 client that declares the tasks
// extension) and `stats` (`{ inFlight, cleanups }`, so a client can see from outside that a
// cancel ran its cleanup, a task's on the instance that runs it).
//
//   node --import tsx examples/http-server.ts [--port N] [--redis URL]
//
// --port: default 3000; 0 picks a free one. --redis redis://HOST:PORT: instances started with the
// same URL share their task store, their cancellation bus and their 2025 session store, so a
// task created on one is read, answered and cancelled (tasks/cancel) on any, and stops where it
// runs. The bus is signed with the MCP_BUS_SECRET environment variable (set the same one on
// every instance; without it the bus warns that anyone who can publish on it can cancel).
//
// stdout says `listening on http://127.0.0.1:PORT/mcp` when ready; the rest is told on stderr.

const log = (line: string): void => {
  process.stderr.write(`[http-server] ${line}\n`);
};

const redisUrl = ((): string | undefined => {
  const at = process.argv.indexOf('--redis');
  if (at === -1) return undefined;
  const url = process.argv[at + 1];
  if (url === undefined || !/^rediss?:\/\//.test(url)) {
    log(`--redis must be a redis:// or rediss:// URL, got ${String(url)}`);
    process.exit(2);
  }
  return url;
})();

// ioredis is an optional peer dependency: loaded only when --redis asks for it
const RedisClient = redisUrl === undefined ? undefined : (await import('ioredis')).Redis;
const redis = (url: string): Redis => {
  const c = new RedisClient!(url, { maxRetriesPerRequest: 1 });
  // an outage is the bus's and the store's to report, never a crash
  c.on('error', () => undefined);
  return c;
};
const shared =
  redisUrl === undefined
    ? undefined
    : {
        manager: new CancellationManager({ bus: redisBus({ publisher: redis(redisUrl), subscriber: redis(redisUrl), ...(process.env['MCP_BUS_SECRET'] === undefined ? {} : { secret: process.env['MCP_BUS_SECRET'] }) }) }),
        store: redisTaskStore({ client: redis(redisUrl), subscriber: redis(redisUrl) }),
        sessions: redisSessions({ client: redis(redisUrl) }),
      };
if (redisUrl !== undefined) log(`sharing tasks, cancels and sessions on ${redisUrl.replace(/\/\/[^@]*@/, '//***@')}`);

const server = exampleServer({
  report: { cleanup: (requestId, tool, how) => log(`cleanup ${tool} #${JSON.stringify(requestId)}: ${how}`) },
  // slow_count is a task for a 2026 client that declares the extension: in memory, or shared on --redis
  tasks: {
    ...(shared === undefined ? {} : { store: shared.store, manager: shared.manager }),
    events: (e) => log(`${e.type} ${e.taskId}${e.type === 'task-settled' ? ` ${e.status}` : ''}`),
  },
});
serveHttp(streamableHttp({ ...server, ...(shared === undefined ? {} : { manager: shared.manager, sessions: shared.sessions }) }), portArgument(log), log, () => server.close());
