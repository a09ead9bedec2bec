import { decodeStored } from '../codec/stored.js';
import { Observable, Subject } from 'rxjs';
import { applyTaskChange } from './task-change.js';
import { TaskRecord } from './task-record.js';
import type { TaskStore, TaskUpdate } from './task-store.js';

// Tasks in Redis, shared by every instance of a deployment: each task one key (its record as
// JSON, expiring with the task), each owner a sorted set of its live tasks (the bound), and one
// channel on which every write names the task it changed (so that a run waiting for input, or a
// listen stream, hears a change made by another instance).

/**
 * The few methods of a Redis client the task store needs: an ioredis client fits as it is (no
 * runtime import of ioredis). Every write is one `EVAL` (atomic: the check and the write and the
 * announcement together).
 *
 * @example
 * const client: RedisTaskClient = new Redis(url); // an ioredis client fits
 */
export interface RedisTaskClient {
  get(key: string): Promise<string | null>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'error', listener: (e: unknown) => void): unknown;
}

/**
 * What the store needs of its subscriber connection (a connection of its own: a subscribed Redis connection sends nothing else).
 *
 * @example
 * const subscriber: RedisTaskSubscriber = new Redis(url); // a connection of its own
 */
export interface RedisTaskSubscriber {
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'error', listener: (e: unknown) => void): unknown;
  /** ioredis's connection state: `'ready'` when connected already (then the next 'ready' is a reconnect). */
  readonly status?: string;
}

/**
 * Options of {@link redisTaskStore}.
 *
 * @example
 * redisTaskStore({ client: new Redis(url), subscriber: new Redis(url), namespace: 'prod-eu' } satisfies RedisTaskStoreOptions);
 */
export interface RedisTaskStoreOptions {
  readonly client: RedisTaskClient;
  readonly subscriber: RedisTaskSubscriber;
  /** Prefix of every key and of the channel: `${namespace}:task:${id}`, `${namespace}:task-changes`. Default `mcp-rx-cancel`. */
  readonly namespace?: string;
}

/**
 * A {@link TaskStore} that always tells when its connection came back, so the instances running tasks can write them again.
 *
 * @example
 * const store: RedisTaskStore = redisTaskStore({ client, subscriber });
 * store.reconnected$.subscribe(() => log('task store back'));
 */
export interface RedisTaskStore extends TaskStore {
  readonly reconnected$: Observable<void>;
}

// KEYS: record, owner set. ARGV: record JSON, ttl ms, now, max per owner, expiresAt, taskId, channel
const CREATE = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 0 end
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return -1 end
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
redis.call('PUBLISH', ARGV[7], ARGV[6])
return 1`;
// KEYS: record. ARGV: the JSON read, the JSON to write, taskId, channel. A compare-and-set on the whole value.
const SWAP = `
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 1`;
// KEYS: record, owner set. ARGV: record JSON, ttl ms, expiresAt, taskId, channel
const RESTORE = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
  redis.call('PUBLISH', ARGV[5], ARGV[4])
end
return 1`;

// writers racing on one task: each lost race re-reads and tries again, at most this many times
const MAX_SWAPS = 32;

/**
 * Decode what Redis holds under a task's key: that task's record, or nothing (not JSON, another
 * shape, another task's record).
 *
 * @example
 * decodeTaskRecord('abc', await redis.get('mcp-rx-cancel:task:abc')); // a TaskRecord, or undefined
 * decodeTaskRecord('abc', 'not json'); // undefined
 */
export const decodeTaskRecord = (taskId: string, raw: string | null): TaskRecord | undefined => decodeStored(TaskRecord, raw, (r) => r.taskId === taskId);

/**
 * Tasks in Redis, shared by every instance: `create` resolves once the record is in Redis (a
 * `tasks/get` on any instance finds it), every change is an atomic compare-and-set of the record
 * with {@link applyTaskChange} (two instances never write over each other; a terminal task never
 * changes), records expire with their tasks (`PX`), each owner's live tasks are counted in a
 * sorted set (the `maxPerOwner` bound, O(log n)), and every write is announced on one channel,
 * so `watch` hears changes made anywhere. After a reconnect every watched task is read again
 * (what was announced while away is not lost), and `reconnected$` lets the instances running
 * tasks write them again if Redis lost its data.
 *
 * @example
 * import { Redis } from 'ioredis';
 * const store = redisTaskStore({ client: new Redis(url), subscriber: new Redis(url) });
 * const server = mcpServer({ info, tools, tasks: { store, manager } });
 */
export const redisTaskStore = (options: RedisTaskStoreOptions): RedisTaskStore => {
  const namespace = options.namespace ?? 'mcp-rx-cancel';
  const channel = `${namespace}:task-changes`;
  const { client, subscriber } = options;
  const recordKey = (id: string): string => `${namespace}:task:${id}`;
  const ownerKey = (owner: string): string => `${namespace}:task-owner:${owner}`;
  const reconnected = new Subject<void>();
  // an 'error' with no listener would crash the process: an outage is the callers' failed promise
  client.on('error', () => undefined);
  subscriber.on('error', () => undefined);

  const read = async (id: string): Promise<{ raw: string | null; record: TaskRecord | undefined }> => {
    const raw = await client.get(recordKey(id));
    const record = decodeTaskRecord(id, raw);
    // a record past its expiry is gone, whatever Redis still holds for a few ms
    return { raw, record: record !== undefined && record.expiresAt <= Date.now() ? undefined : record };
  };

  // who watches which task: one channel for all, one lookup per message
  const watchers = new Map<string, Set<() => void>>();
  let subscribed: Promise<unknown> | undefined;
  const listen = (): Promise<unknown> => {
    if (subscribed !== undefined) return subscribed;
    subscriber.on('message', (from, id) => {
      if (from !== channel) return;
      for (const w of [...(watchers.get(id) ?? [])]) w();
    });
    let ready = subscriber.status === 'ready';
    subscriber.on('ready', () => {
      if (!ready) {
        ready = true;
        return;
      }
      // back after an outage: subscribed again, then every watched task read again
      subscriber.subscribe(channel).then(
        () => {
          for (const ws of [...watchers.values()]) for (const w of [...ws]) w();
        },
        () => undefined,
      );
    });
    subscribed = subscriber.subscribe(channel);
    return subscribed;
  };
  let clientReady = false;
  client.on('ready', () => {
    if (clientReady) reconnected.next();
    clientReady = true;
  });

  return {
    reconnected$: reconnected.asObservable(),
    create: async (record, maxPerOwner) => {
      const ttl = Math.max(1, record.expiresAt - Date.now());
      const r = await client.eval(CREATE, 2, recordKey(record.taskId), ownerKey(record.owner), JSON.stringify(record), ttl, Date.now(), maxPerOwner, record.expiresAt, record.taskId, channel);
      if (r === -1) throw new Error(`task ${record.taskId} exists already`);
      return r === 1;
    },
    get: async (taskId) => (await read(taskId)).record,
    update: async (taskId, change): Promise<TaskUpdate | undefined> => {
      for (let i = 0; i < MAX_SWAPS; i++) {
        const { raw, record } = await read(taskId);
        if (record === undefined || raw === null) return undefined;
        const changed = applyTaskChange(record, change, new Date().toISOString());
        if (changed === undefined) return { record, changed: false };
        const r = await client.eval(SWAP, 1, recordKey(taskId), raw, JSON.stringify(changed), taskId, channel);
        if (r === 1) return { record: changed, changed: true };
        if (r === -1) return undefined;
      }
      throw new Error(`task ${taskId}: too many writers at once (${MAX_SWAPS} lost races)`);
    },
    restore: async (record) => {
      const ttl = record.expiresAt - Date.now();
      if (ttl <= 0) return;
      await client.eval(RESTORE, 2, recordKey(record.taskId), ownerKey(record.owner), JSON.stringify(record), ttl, record.expiresAt, record.taskId, channel);
    },
    watch: (taskId) =>
      new Observable<TaskRecord | undefined>((subscriber$) => {
        let last: string | null | undefined;
        let reading = false;
        let again = false;
        let timer: ReturnType<typeof setTimeout> | undefined;
        // one read at a time; a change announced meanwhile reads once more after it
        const look = (): void => {
          if (reading) {
            again = true;
            return;
          }
          reading = true;
          read(taskId).then(
            ({ raw, record }) => {
              reading = false;
              if (subscriber$.closed) return;
              if (record === undefined) {
                subscriber$.next(undefined);
                return subscriber$.complete();
              }
              if (raw !== last) {
                last = raw;
                subscriber$.next(record);
                if (timer === undefined) timer = setTimeout(look, Math.max(0, record.expiresAt - Date.now()));
              }
              if (again) {
                again = false;
                look();
              }
            },
            // Redis away: the reconnect reads it again
            () => {
              reading = false;
            },
          );
        };
        let set = watchers.get(taskId);
        if (set === undefined) watchers.set(taskId, (set = new Set()));
        set.add(look);
        // subscribed before the first read: a change after the read is heard
        listen().then(look, look);
        return () => {
          if (timer !== undefined) clearTimeout(timer);
          const s = watchers.get(taskId);
          if (s?.delete(look) === true && s.size === 0) watchers.delete(taskId);
        };
      }),
  };
};
