import type { Observable } from 'rxjs';
import type { CancellationErrorResult } from '../errors.js';
import type { CancellationBus } from './bus.js';
import type { RetryBound, RetryStats } from './bus-retries.js';
import type { RequestKey } from './request-key.js';

// What `redisBus` is given (its Redis clients and options) and what it gives back (its events
// and its face): the contract, apart from how the bus runs.

/**
 * The few methods of a Redis client the bus needs. ioredis clients fit as they are; the
 * subscriber must be a connection of its own (Redis puts a subscribed connection in a mode
 * where it can do nothing else).
 *
 * @example
 * import { Redis } from 'ioredis';
 * const publisher: RedisPublisher = new Redis(url);
 * redisBus({ publisher, subscriber: new Redis(url), secret });
 */
export interface RedisPublisher {
  /** Resolves with the number of subscribers that received it. */
  publish(channel: string, message: string): Promise<unknown>;
  set(key: string, value: string, mode: 'PX', ms: number): Promise<unknown>;
  mget(keys: string[]): Promise<Array<string | null>>;
  /**
   * A pipeline (ioredis's `pipeline()`): when there is one, a turn's records are written in one
   * go, not a socket write each. Optional: without it each record is its own `set`.
   */
  pipeline?(): RedisPipeline;
  /**
   * Runs a Lua script (ioredis's `eval`): when there is one, a batch's records and its
   * announcement are one command, the records written before the announcement leaves, and
   * nothing waits for a reply in between. Optional: without it the records are written first
   * (a pipeline, or a `set` each) and announced once Redis took them.
   */
  eval?(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  /** Deletes every key given (ioredis's `del(...keys)`): the records applied in one turn go together. */
  del(...keys: string[]): Promise<unknown>;
  on(event: 'error', listener: (e: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  /**
   * ioredis's connection state. When given, a cancel made while it is neither `'ready'` nor
   * `'wait'` (a lazy client not yet connected) is kept to retry at once, with no command sent: a
   * command queued in a client that is down holds 2 to 4 KB until the client gives it up.
   */
  readonly status?: string;
}
/**
 * The commands of a pipeline the bus uses: queued, then sent together by `exec`, which gives each
 * command's error or result in order (ioredis's `Pipeline`).
 *
 * @example
 * const p: RedisPipeline = new Redis(url).pipeline();
 * await p.set('k', 'v', 'PX', 1_000).exec(); // [[null, 'OK']]
 */
export interface RedisPipeline {
  set(key: string, value: string, mode: 'PX', ms: number): RedisPipeline;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}
/**
 * What {@link redisBus} needs of its subscriber connection: an ioredis `Redis` fits, and so does
 * any client with these methods. It must be a connection of its own, since a subscribed Redis
 * connection can send nothing else.
 *
 * @example
 * import { Redis } from 'ioredis';
 * // a connection of its own: a subscribed Redis connection can send nothing else
 * const subscriber: RedisSubscriber = new Redis(url);
 * redisBus({ publisher: new Redis(url), subscriber, secret });
 */
export interface RedisSubscriber {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (e: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  off(event: 'message', listener: (channel: string, message: string) => void): unknown;
  /** ioredis's connection state: `'ready'` when connected already (then the next 'ready' is a reconnect). */
  readonly status?: string;
}

/**
 * Options of {@link redisBus}.
 *
 * @example
 * const options: RedisBusOptions = { publisher: new Redis(url), subscriber: new Redis(url), secret: process.env.BUS_SECRET, namespace: 'prod-eu', recordTtlMs: 60 * 60_000 };
 * const manager = new CancellationManager({ bus: redisBus(options) });
 */
export interface RedisBusOptions {
  readonly publisher: RedisPublisher;
  readonly subscriber: RedisSubscriber;
  /** The deployment's prefix of the channel and the records: `<namespace>:cancellations`, `<namespace>:cancelled:<key>`. Default `mcp-rx-cancel`. */
  readonly namespace?: string;
  /** The channel, when it must be named apart from the namespace. Default `<namespace>:cancellations`. */
  readonly channel?: string;
  /** This instance's name on the bus; its own messages are not applied twice. Default: random. */
  readonly instanceId?: string;
  /**
   * The secret every instance shares: each message carries its HMAC-SHA256, and one without the
   * right one is rejected (an event) and applied nowhere. Without it, anyone who can PUBLISH on
   * the channel can cancel any request: the bus warns once (a process warning) when created.
   */
  readonly secret?: string;
  /** How long a cancel's record waits for its request: longer than the longest request. Default 15 minutes. */
  readonly recordTtlMs?: number;
  /**
   * Most cancels kept to retry while Redis is unreachable; past it a cancel is not kept: a
   * `bus-record-failed` event with `dropped: true` and `bound: 'maxRetries'`, and counted in
   * `retryStats().dropped`. Each kept cancel costs about 150 bytes of heap with a short reason
   * (measured: 20,000 of them over 20 sessions, 3.0 MB), about 1.2 KB with a reason of 1,024
   * characters (2.2 KB if it is not Latin-1); {@link RedisBusOptions.maxRetryBytes} bounds the
   * total. Default 100,000.
   */
  readonly maxRetries?: number;
  /**
   * Most bytes the cancels kept to retry may hold, each counted as its key's and reason's
   * characters (one byte each, two when one is outside Latin-1) plus 128; past it a cancel is not
   * kept: `bus-record-failed` with `dropped: true` and `bound: 'maxRetryBytes'`, counted in
   * `retryStats().dropped`. Default 32 MiB (`DEFAULT_MAX_RETRY_BYTES`).
   */
  readonly maxRetryBytes?: number;
}

/**
 * What the bus tells: every step with its key, never a crash.
 * - `bus-published`: a cancel recorded and announced; `receivers` is how many instances heard it;
 * - `bus-received`: a cancel from another instance, verified, handed to the manager;
 * - `bus-reconciled`: after a reconnect, the keys in flight here checked against the records;
 * - `bus-record-failed`: Redis could not take a cancel: it is retried when Redis is back (`dropped`: it was not kept,
 *   since keeping it would pass `bound`, `maxRetries` or `maxRetryBytes`);
 * - `bus-message-rejected`: something on the channel that is not a valid, signed cancel;
 * - `bus-error`: a client error (an outage).
 *
 * @example
 * const onBusEvent = (e: BusEvent): void => {
 *   if (e.type === 'bus-error' || e.type === 'bus-message-rejected') log.warn(e.type, e.error.message);
 *   else if (e.type === 'bus-record-failed' && e.dropped) log.error('a cancel was dropped', e.key, e.bound);
 * };
 * bus.events$.subscribe(onBusEvent);
 */
export type BusEvent =
  | { readonly type: 'bus-published'; readonly key: RequestKey; readonly receivers: number }
  | { readonly type: 'bus-received'; readonly key: RequestKey; readonly origin: string; readonly recorded: boolean }
  | { readonly type: 'bus-reconciled'; readonly checked: number; readonly applied: number }
  | { readonly type: 'bus-record-failed'; readonly key: RequestKey; readonly dropped: boolean; readonly bound?: RetryBound; readonly error: CancellationErrorResult }
  | { readonly type: 'bus-message-rejected'; readonly error: CancellationErrorResult }
  | { readonly type: 'bus-error'; readonly error: CancellationErrorResult };

/**
 * A {@link CancellationBus} that also reports what it does.
 *
 * @example
 * const bus: RedisCancellationBus = redisBus({ publisher, subscriber, secret });
 * bus.events$.subscribe((e) => log.debug(e.type));
 * const manager = new CancellationManager({ bus });
 */
export interface RedisCancellationBus extends CancellationBus {
  readonly events$: Observable<BusEvent>;
  /** Retry now what could not be recorded (it is also retried on every reconnect of the publisher). */
  retry(): void;
  /**
   * The cancels kept to retry now, the bytes they are counted at, and how many were refused
   * (past `maxRetries` or `maxRetryBytes`) since the bus was made.
   *
   * @example
   * const { held, bytes, dropped } = bus.retryStats();
   */
  retryStats(): RetryStats;
}

/**
 * Default of {@link RedisBusOptions.maxRetryBytes}: 32 MiB, room for the default 100,000 cancels
 * with reasons of up to about 150 characters, or about 27,000 with reasons of 1,024.
 *
 * @example
 * redisBus({ publisher, subscriber, secret, maxRetryBytes: DEFAULT_MAX_RETRY_BYTES / 4 });
 */
export const DEFAULT_MAX_RETRY_BYTES = 32 * 1024 * 1024;
