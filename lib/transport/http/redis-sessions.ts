import * as t from 'io-ts';
import { decodeStored } from '../../codec/stored.js';
import type { SessionRecord, SessionStore } from './sessions.js';

/**
 * The few methods of a Redis client the session store needs. An ioredis client fits as it is
 * (no runtime import of ioredis: it stays an optional peer dependency). Unlike the bus's
 * subscriber, this connection may be shared with the rest of the application.
 *
 * @example
 * // node-redis, adapted (an ioredis client fits as it is)
 * const client: RedisSessionClient = {
 *   set: (key, value, _mode, ms) => nodeRedis.set(key, value, { PX: ms }),
 *   get: (key) => nodeRedis.get(key),
 *   del: (key) => nodeRedis.del(key),
 * };
 * streamableHttp({ handlers, sessions: redisSessions({ client }) });
 */
export interface RedisSessionClient {
  set(key: string, value: string, mode: 'PX', ms: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
  del(key: string): Promise<unknown>;
  /** Optional: with it, checking which sessions still exist is one round trip per 500 of them. */
  mget?(...keys: string[]): Promise<Array<string | null>>;
}

/**
 * Options of {@link redisSessions}.
 *
 * @example
 * const options: RedisSessionsOptions = { client: new Redis(url), namespace: 'billing-mcp', ttlMs: 60 * 60_000 };
 * streamableHttp({ handlers, sessions: redisSessions(options) });
 */
export interface RedisSessionsOptions {
  readonly client: RedisSessionClient;
  /** Prefix of every key: `${namespace}:session:${id}`. Default `mcp-rx-cancel`. */
  readonly namespace?: string;
  /** How long a record lives after its `initialize` (ms). Default 24 hours. */
  readonly ttlMs?: number;
}

/**
 * The default namespace of {@link redisSessions}.
 *
 * @example
 * DEFAULT_REDIS_NAMESPACE; // 'mcp-rx-cancel'
 * await redis.get(`${DEFAULT_REDIS_NAMESPACE}:session:${sessionId}`); // the record of a 2025 session
 */
export const DEFAULT_REDIS_NAMESPACE = 'mcp-rx-cancel';
/**
 * The default lifetime of a record in {@link redisSessions}: 24 hours.
 *
 * @example
 * DEFAULT_SESSION_TTL_MS === 24 * 60 * 60 * 1000; // true
 * redisSessions({ client, ttlMs: DEFAULT_SESSION_TTL_MS * 7 }); // sessions that last a week
 */
export const DEFAULT_SESSION_TTL_MS = 24 * 60 * 60_000;

// what comes back from Redis is outside input: decoded like a message off the wire
const StoredSession = t.intersection(
  [t.type({ id: t.string, createdAt: t.number }), t.partial({ protocolVersion: t.string })],
  'StoredSession',
);
type StoredSession = t.TypeOf<typeof StoredSession>;

/**
 * Decodes what Redis holds under a session's key: a record of that very session, or nothing.
 * Not JSON, another shape, or another session's id (a foreign writer, a renamed key) is no
 * session: the client gets 404 and opens a new one, never a 500.
 *
 * @example
 * decodeSessionRecord('a1', await redis.get('mcp-rx-cancel:session:a1')); // a SessionRecord, or undefined
 * decodeSessionRecord('a1', 'not json'); // undefined
 */
export const decodeSessionRecord = (id: string, raw: string | null): SessionRecord | undefined => {
  const r = decodeStored(StoredSession, raw, (s: StoredSession) => s.id === id);
  return r === undefined ? undefined : r.protocolVersion === undefined ? { id: r.id, createdAt: r.createdAt } : { id: r.id, createdAt: r.createdAt, protocolVersion: r.protocolVersion };
};

/**
 * A {@link SessionStore} on Redis: give every instance behind the load balancer one, on the same
 * Redis, and any instance takes over a 2025-11-25 session another opened (`streamableHttp`'s
 * `sessions` option). A record expires `ttlMs` after it is created, and the session ends with it
 * on every instance (each checks the sessions it holds every `sessionCheckMs`): set `ttlMs` to
 * the longest a session may live. A DELETE on any instance ends the session on all of them.
 * A failing Redis rejects the call, which `streamableHttp` answers with one 500: an outage is not
 * "no such session" (that would send every client to open a new one).
 *
 * @example
 * import { Redis } from 'ioredis';
 * const sessions = redisSessions({ client: new Redis(url), namespace: 'my-app' });
 * const mcp = streamableHttp({ handlers, sessions, manager: new CancellationManager({ bus }) });
 */
export const redisSessions = (options: RedisSessionsOptions): SessionStore => {
  const namespace = options.namespace ?? DEFAULT_REDIS_NAMESPACE;
  const ttlMs = Math.max(1, Math.floor(options.ttlMs ?? DEFAULT_SESSION_TTL_MS));
  const keyOf = (id: string): string => `${namespace}:session:${id}`;
  const { client } = options;
  const mget = client.mget?.bind(client);
  return {
    create: async (r) => {
      await client.set(keyOf(r.id), JSON.stringify(r), 'PX', ttlMs);
    },
    get: async (id) => decodeSessionRecord(id, await client.get(keyOf(id))),
    delete: async (id) => {
      await client.del(keyOf(id));
    },
    ...(mget === undefined
      ? {}
      : {
          present: async (ids: readonly string[]): Promise<ReadonlySet<string>> => {
            const raws = ids.length === 0 ? [] : await mget(...ids.map(keyOf));
            // decoded like get: a value that is not this session's record is no session
            return new Set(ids.filter((id, i) => decodeSessionRecord(id, raws[i] ?? null) !== undefined));
          },
        }),
  };
};
