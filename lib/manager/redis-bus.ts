import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { Observable, Subject, share } from 'rxjs';
import { CancellationError, CancellationErrorResult, messageOf } from '../errors.js';
import type { BusCancellation, CancellationBus } from './bus.js';
import { busRetries, type RetryBound, type RetryStats } from './bus-retries.js';
import { signBusMessage, verifyBusMessage } from './bus-signature.js';
import { CancelReason, RequestKey } from './request-key.js';

/**
 * The few methods of a Redis client the bus needs. ioredis clients fit as they are; the
 * subscriber must be a connection of its own (Redis puts a subscribed connection in a mode
 * where it can do nothing else).
 */
export interface RedisPublisher {
  /** Resolves with the number of subscribers that received it. */
  publish(channel: string, message: string): Promise<unknown>;
  set(key: string, value: string, mode: 'PX', ms: number): Promise<unknown>;
  mget(keys: string[]): Promise<Array<string | null>>;
  del(key: string): Promise<unknown>;
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
 * What {@link redisBus} needs of its subscriber connection: an ioredis `Redis` fits, and so does
 * any client with these methods. It must be a connection of its own, since a subscribed Redis
 * connection can send nothing else.
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

/** Options of {@link redisBus}. */
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
 */
export type BusEvent =
  | { readonly type: 'bus-published'; readonly key: RequestKey; readonly receivers: number }
  | { readonly type: 'bus-received'; readonly key: RequestKey; readonly origin: string; readonly recorded: boolean }
  | { readonly type: 'bus-reconciled'; readonly checked: number; readonly applied: number }
  | { readonly type: 'bus-record-failed'; readonly key: RequestKey; readonly dropped: boolean; readonly bound?: RetryBound; readonly error: CancellationErrorResult }
  | { readonly type: 'bus-message-rejected'; readonly error: CancellationErrorResult }
  | { readonly type: 'bus-error'; readonly error: CancellationErrorResult };

/** A {@link CancellationBus} that also reports what it does. */
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

// what travels on the channel and sits in a record: decoded like everything from outside
const WireCancellation = t.intersection([
  t.type({ v: t.literal(2), origin: t.string, key: RequestKey.codec, reason: CancelReason.codec }),
  t.partial({ sig: t.string }),
]);
type WireCancellation = t.TypeOf<typeof WireCancellation>;

const DEFAULT_RECORD_TTL_MS = 15 * 60_000;
// cancels retried at once (each a command in the client until Redis answers it)
const RETRY_BATCH = 1_000;

/**
 * Default of {@link RedisBusOptions.maxRetryBytes}: 32 MiB, room for the default 100,000 cancels
 * with reasons of up to about 150 characters, or about 27,000 with reasons of 1,024.
 *
 * @example
 * redisBus({ publisher, subscriber, secret, maxRetryBytes: DEFAULT_MAX_RETRY_BYTES / 4 });
 */
export const DEFAULT_MAX_RETRY_BYTES = 32 * 1024 * 1024;

/**
 * Carries cancellations over Redis, so that a `notifications/cancelled` received by one instance
 * stops the request that runs on another (Streamable HTTP behind a load balancer), and loses
 * none of them:
 *
 * - A cancel for a key not in flight here is **recorded** (a Redis key per request key, with a
 *   TTL longer than any request) and **announced** (pub/sub, for latency). Delivery is at least
 *   once; applying is idempotent.
 * - A request registered after its cancel was recorded (the cancel raced ahead) is cancelled as
 *   soon as it registers: the manager asks the bus, which checks the records (one MGET per tick).
 * - After every reconnect of the subscriber, every key in flight here is checked against the
 *   records: what was announced while it was away is applied.
 * - While Redis is unreachable local cancellation keeps working; a cancel that cannot be recorded
 *   is a `bus-record-failed` event with its key and is retried when the publisher is back.
 * - With a `secret`, every message is signed (HMAC-SHA256) and anything unsigned or forged is an
 *   event and is ignored. Keys stay scoped by session; sessions must be unique across instances
 *   (a random UUID, as this library gives them).
 *
 * A record is deleted once the instance running its request applied it (by pub/sub or record).
 *
 * @example
 * import { Redis } from 'ioredis';
 * const bus = redisBus({ publisher: new Redis(url), subscriber: new Redis(url), secret: process.env.BUS_SECRET, namespace: 'prod-eu' });
 * const manager = new CancellationManager({ bus });
 */
export const redisBus = (options: RedisBusOptions): RedisCancellationBus => {
  const namespace = options.namespace ?? 'mcp-rx-cancel';
  const channel = options.channel ?? `${namespace}:cancellations`;
  const origin = options.instanceId ?? globalThis.crypto.randomUUID();
  const ttl = options.recordTtlMs ?? DEFAULT_RECORD_TTL_MS;
  const maxRetries = options.maxRetries ?? 100_000;
  const maxRetryBytes = options.maxRetryBytes ?? DEFAULT_MAX_RETRY_BYTES;
  const { publisher, subscriber, secret } = options;
  const events = new Subject<BusEvent>();
  const emit = (e: BusEvent): void => {
    if (events.observed) events.next(e);
  };
  if (secret === undefined)
    process.emitWarning(`redisBus on ${channel} has no secret: anyone who can PUBLISH on it can cancel any request. Give every instance the same secret.`, 'MCPRxCancelWarning');
  const fail = (what: string, e: unknown) => emit({ type: 'bus-error', error: CancellationErrorResult.of(CancellationError.STATE_ERROR, `${what}: ${messageOf(e)}`, e) });
  // an 'error' with no listener would crash the process: the outage becomes an event instead
  publisher.on('error', (e) => fail('redis publisher', e));
  subscriber.on('error', (e) => fail('redis subscriber', e));

  const recordKey = (key: RequestKey): string => `${namespace}:cancelled:${RequestKey.toString(key)}`;
  const decode = (raw: string): WireCancellation | undefined => {
    const d = E.chainW((u: unknown) => WireCancellation.decode(u))(E.tryCatch(() => JSON.parse(raw) as unknown, (e) => e));
    const m = E.isRight(d) ? d.right : undefined;
    const authentic = m !== undefined && (secret === undefined || (m.sig !== undefined && verifyBusMessage(secret, m.origin, m.key, m.reason, m.sig)));
    if (authentic) return m;
    emit({ type: 'bus-message-rejected', error: CancellationErrorResult.of(CancellationError.INVALID_REQUEST, m === undefined ? 'not a bus cancellation' : 'a bus cancellation without a valid signature', raw.slice(0, 200)) });
    return undefined;
  };

  // the manager's side: what it hears from the bus
  const incoming = new Subject<BusCancellation>();
  let inFlight: () => RequestKey[] = () => [];
  const apply = (m: WireCancellation, recorded: boolean): void => {
    const key = RequestKey.of(m.key.requestId, m.key.sessionId);
    emit({ type: 'bus-received', key, origin: m.origin, recorded });
    incoming.next({ key, reason: CancelReason.of(m.reason.source, m.reason.reason) });
  };
  /** Look up the records of `keys`; apply those found. Resolves with how many were. */
  const check = async (keys: RequestKey[]): Promise<number> => {
    if (keys.length === 0) return 0;
    const found = await publisher.mget(keys.map(recordKey));
    let applied = 0;
    for (const raw of found) {
      const m = raw === null ? undefined : decode(raw);
      if (m === undefined) continue;
      applied++;
      apply(m, true);
    }
    return applied;
  };

  // registrations batched per tick: one MGET for all the requests registered in one turn
  let registered: RequestKey[] | undefined;
  const flushRegistered = (): void => {
    const keys = registered ?? [];
    registered = undefined;
    check(keys).catch((e: unknown) => fail('check records', e));
  };

  // reconnects: the subscriber missed what was announced while away; the records have it
  let subscriberReady = subscriber.status === 'ready';
  subscriber.on('ready', () => {
    if (!subscriberReady) {
      subscriberReady = true;
      return;
    }
    // subscribed again first: a cancel announced after the check is heard, one recorded before it is found
    subscriber
      .subscribe(channel)
      .then(() => {
        const keys = inFlight();
        return check(keys).then((applied) => emit({ type: 'bus-reconciled', checked: keys.length, applied }));
      })
      .catch((e: unknown) => fail('reconcile', e));
  });

  // cancels Redis could not take, retried when the publisher is back: kept as two strings each
  const retries = busRetries(maxRetries, maxRetryBytes);
  // a client that says it is down gets no command (a lazy one, 'wait', connects on its first)
  const sendable = (): boolean => publisher.status === undefined || publisher.status === 'ready' || publisher.status === 'wait';
  const failed = (key: RequestKey, reason: CancelReason, why: string, e: unknown): void => {
    const bound = retries.offer(key, reason);
    emit({ type: 'bus-record-failed', key, dropped: bound !== undefined, ...(bound === undefined ? {} : { bound }), error: CancellationErrorResult.of(CancellationError.STATE_ERROR, `record: ${why}`, e) });
  };
  /** Record and announce one cancel; resolves (never rejects) once it is published or kept to retry. */
  const publish = (given: RequestKey, reason: CancelReason): Promise<void> => {
    const key = RequestKey.of(given.requestId, given.sessionId);
    // a client that is down would queue the command (2 to 4 KB held until it gives up): keep
    // the compact record instead; its 'ready' retries it
    if (!sendable()) {
      failed(key, reason, `redis publisher not ready (${String(publisher.status)})`, undefined);
      return Promise.resolve();
    }
    const wireKey = key.sessionId === undefined ? { requestId: key.requestId } : { requestId: key.requestId, sessionId: key.sessionId };
    const wireReason = CancelReason.of(reason.source, reason.reason);
    const m: WireCancellation = { v: 2, origin, key: wireKey, reason: wireReason, ...(secret === undefined ? {} : { sig: signBusMessage(secret, origin, wireKey, wireReason) }) };
    const text = JSON.stringify(m);
    return publisher
      .set(recordKey(key), text, 'PX', ttl)
      .then(() => publisher.publish(channel, text))
      .then(
        (receivers) => {
          retries.delete(key);
          emit({ type: 'bus-published', key, receivers: typeof receivers === 'number' ? receivers : 0 });
        },
        (e: unknown) => failed(key, reason, messageOf(e), e),
      );
  };
  // Retried a batch at a time: 100,000 kept cancels sent at once would each hold a command in
  // the client (2 to 4 KB), hundreds of MB, and all of them would queue there if Redis fell again.
  let draining = false;
  let again = false;
  const retry = (): void => {
    if (draining) {
      // a reconnect in the middle: what failed in between is behind the reader, read it all again
      again = true;
      return;
    }
    draining = true;
    const waiting = retries.entries();
    const step = (): void => {
      const batch: Array<Promise<void>> = [];
      for (let next = sendable() ? waiting.next() : undefined; next !== undefined && next.done !== true; next = batch.length < RETRY_BATCH ? waiting.next() : undefined)
        batch.push(publish(next.value.key, next.value.reason));
      if (batch.length > 0) return void Promise.all(batch).then(step);
      draining = false;
      if (again) {
        again = false;
        retry();
      }
    };
    step();
  };
  publisher.on('ready', retry);

  const cancellations$ = new Observable<BusCancellation>((s) => {
    const onMessage = (from: string, raw: string) => {
      if (from !== channel) return;
      const m = decode(raw);
      if (m === undefined || m.origin === origin) return;
      apply(m, false);
    };
    const inner = incoming.subscribe(s);
    subscriber.on('message', onMessage);
    subscriber.subscribe(channel).catch((e: unknown) => fail('subscribe', e));
    return () => {
      inner.unsubscribe();
      subscriber.off('message', onMessage);
      subscriber.unsubscribe(channel).catch((e: unknown) => fail('unsubscribe', e));
    };
  }).pipe(share());

  return {
    cancellations$,
    events$: events.asObservable(),
    retry,
    retryStats: () => retries.stats(),
    bind: (list) => {
      inFlight = list;
    },
    // applied where its request runs: nobody needs the record any more
    applied: (key) => {
      publisher.del(recordKey(key)).catch((e: unknown) => fail('del', e));
    },
    registered: (key) => {
      if (registered === undefined) {
        registered = [];
        queueMicrotask(flushRegistered);
      }
      registered.push(key);
    },
    publish: (key, reason) => void publish(key, reason),
  };
};
