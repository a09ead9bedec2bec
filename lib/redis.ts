/**
 * Across instances, over Redis: the cancellation bus (a cancel received by one instance stops the
 * request that runs on another, none lost in an outage), the shared 2025 session store, and the
 * shared task store (a task created on one instance is read, answered and cancelled on any).
 * Needs `ioredis` (or any client with the same few commands).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { CancellationManager } from 'mcp-rx-cancel';
 * import { redisBus, redisSessions } from 'mcp-rx-cancel/redis';
 *
 * const bus = redisBus({ publisher: new Redis(url), subscriber: new Redis(url), secret });
 * const manager = new CancellationManager({ bus });
 * const sessions = redisSessions({ client: new Redis(url) });
 * ```
 *
 * @module mcp-rx-cancel/redis
 */

// the cancellation bus
export {
  DEFAULT_MAX_RETRY_BYTES,
  redisBus,
  type RedisBusOptions,
  type RedisCancellationBus,
  type RedisPipeline,
  type RedisPublisher,
  type RedisSubscriber,
  type BusEvent,
} from './manager/redis-bus.js';
export type { RetryBound, RetryStats } from './manager/bus-retries.js';

// the 2025 session store
export {
  redisSessions,
  decodeSessionRecord,
  DEFAULT_REDIS_NAMESPACE,
  DEFAULT_SESSION_TTL_MS,
  type RedisSessionClient,
  type RedisSessionsOptions,
} from './transport/http/redis-sessions.js';
export { redisTaskStore, decodeTaskRecord, type RedisTaskClient, type RedisTaskSubscriber, type RedisTaskStoreOptions, type RedisTaskStore } from './mcp/redis-tasks.js';
