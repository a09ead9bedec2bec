import * as E from 'fp-ts/lib/Either.js';
import { Observable, Subject, share } from 'rxjs';
import { CancellationError, CancellationErrorResult, messageOf } from '../errors.js';
import type { BusCancellation } from './bus.js';
import { busRetries } from './bus-retries.js';
import { verifyAnnouncement, verifyBusMessage } from './bus-signature.js';
import { decodeAnnouncement as decodeWireAnnouncement } from './bus-decode.js';
import { busSender, cancelOf } from './bus-send.js';
import { MAX_ANNOUNCED, MAX_ANNOUNCEMENT_CHARS, WireCancellation, type Cancel, type WireAnnouncement } from './bus-wire.js';
import { CancelReason, RequestKey } from './request-key.js';

export { DEFAULT_MAX_RETRY_BYTES, type BusEvent, type RedisBusOptions, type RedisCancellationBus, type RedisPipeline, type RedisPublisher, type RedisSubscriber } from './redis-bus-types.js';
import { DEFAULT_MAX_RETRY_BYTES, type BusEvent, type RedisBusOptions, type RedisCancellationBus } from './redis-bus-types.js';

const DEFAULT_RECORD_TTL_MS = 15 * 60_000;
// cancels retried at once (each a command in the client until Redis answers it)
const RETRY_BATCH = 1_000;
// a cancel Redis refused while up is tried again this long after
const RETRY_AFTER_MS = 1_000;


/**
 * Carries cancellations over Redis, so that a `notifications/cancelled` received by one instance
 * stops the request that runs on another (Streamable HTTP behind a load balancer), and loses
 * none of them:
 *
 * - A cancel for a key not in flight here is **recorded** (a Redis key per request key, with a
 *   TTL longer than any request) and **announced** (pub/sub, for latency). The cancels of one
 *   turn go together: per 1,000 of them one script writes their records, then publishes their
 *   announcement (one signature), and one `DEL` removes the records applied in a turn. Delivery is at least
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
  const rejected = (why: string, raw: string): undefined => {
    emit({ type: 'bus-message-rejected', error: CancellationErrorResult.of(CancellationError.INVALID_REQUEST, why, raw.slice(0, 200)) });
    return undefined;
  };
  const parse = (raw: string): unknown => E.getOrElse((): unknown => undefined)(E.tryCatch(() => JSON.parse(raw) as unknown, (e) => e));
  /** A record: one signed cancel. */
  const decode = (raw: string): WireCancellation | undefined => {
    // a record is one cancel: past the bound of a whole announcement it is refused unread too
    if (raw.length > MAX_ANNOUNCEMENT_CHARS) return rejected(`a bus record of ${raw.length} characters, over ${MAX_ANNOUNCEMENT_CHARS}`, raw);
    const d = WireCancellation.decode(parse(raw));
    const m = E.isRight(d) ? d.right : undefined;
    const authentic = m !== undefined && (secret === undefined || (m.sig !== undefined && verifyBusMessage(secret, m.origin, m.key, m.reason, m.sig)));
    return authentic ? m : rejected(m === undefined ? 'not a bus cancellation' : 'a bus cancellation without a valid signature', raw);
  };
  /** What the channel carries: an announcement of one turn's cancels, signed once. */
  const decodeAnnouncement = (raw: string): WireAnnouncement | undefined => {
    // refused unread: parsing and decoding an unbounded message is the cost an attacker wants
    if (raw.length > MAX_ANNOUNCEMENT_CHARS) return rejected(`a bus announcement of ${raw.length} characters, over ${MAX_ANNOUNCEMENT_CHARS}`, raw);
    const d = decodeWireAnnouncement(parse(raw));
    const m = E.isRight(d) ? d.right : undefined;
    if (m === undefined) return rejected('not a bus announcement', raw);
    // a bound on what one message may make this instance do, whoever signed it
    if (m.cancels.length > MAX_ANNOUNCED) return rejected(`a bus announcement of ${m.cancels.length} cancels, over ${MAX_ANNOUNCED}`, raw);
    if (secret !== undefined && (m.sig === undefined || !verifyAnnouncement(secret, m.origin, m.cancels, m.sig))) return rejected('a bus announcement without a valid signature', raw);
    return m;
  };

  // the manager's side: what it hears from the bus
  const incoming = new Subject<BusCancellation>();
  let inFlight: () => RequestKey[] = () => [];
  const apply = (origin: string, c: Cancel, recorded: boolean): void => {
    const key = RequestKey.of(c.key.requestId, c.key.sessionId);
    emit({ type: 'bus-received', key, origin, recorded });
    incoming.next({ key, reason: CancelReason.wire(c.reason) });
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
      apply(m.origin, m, true);
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
    // refused by a Redis that is up (out of memory, a reply lost as it came back): no 'ready'
    // will come to retry it, so a timer does; a client that is down retries on its 'ready'
    if (sendable()) retryLater();
  };
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const retryLater = (): void => {
    if (retryTimer !== undefined) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      retry();
    }, RETRY_AFTER_MS);
    // it never keeps a process alive on its own
    retryTimer.unref?.();
  };
  const published = (c: Cancel, receivers: number): void => {
    retries.delete(c.key);
    emit({ type: 'bus-published', key: c.key, receivers });
  };
  const send = busSender({ publisher, channel, origin, secret, ttl, recordKey, sendable, failed, published });
  // the cancels of one turn, sent together at its end, in announcements of MAX_ANNOUNCED
  let turn: Cancel[] | undefined;
  const flushTurn = (): void => {
    const cancels = turn ?? [];
    turn = undefined;
    for (let i = 0; i < cancels.length; i += MAX_ANNOUNCED) void send(cancels.slice(i, i + MAX_ANNOUNCED));
  };
  const publish = (key: RequestKey, reason: CancelReason): void => {
    // told at once, and kept as its compact record, when the client says it is down
    if (!sendable()) return failed(key, reason, `redis publisher not ready (${String(publisher.status)})`, undefined);
    if (turn === undefined) {
      turn = [];
      queueMicrotask(flushTurn);
    }
    turn.push(cancelOf(key, reason));
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
      const batch: Cancel[] = [];
      for (let next = sendable() ? waiting.next() : undefined; next !== undefined && next.done !== true; next = batch.length < RETRY_BATCH ? waiting.next() : undefined)
        batch.push(cancelOf(next.value.key, next.value.reason));
      const announced: Array<Promise<void>> = [];
      for (let i = 0; i < batch.length; i += MAX_ANNOUNCED) announced.push(send(batch.slice(i, i + MAX_ANNOUNCED)));
      if (batch.length > 0) return void Promise.all(announced).then(step);
      draining = false;
      if (again) {
        again = false;
        retry();
      }
    };
    step();
  };
  publisher.on('ready', retry);

  // the records applied in one turn, deleted with one DEL
  let appliedKeys: string[] | undefined;
  const flushApplied = (): void => {
    const keys = appliedKeys ?? [];
    appliedKeys = undefined;
    for (let i = 0; i < keys.length; i += MAX_ANNOUNCED) publisher.del(...keys.slice(i, i + MAX_ANNOUNCED)).catch((e: unknown) => fail('del', e));
  };

  const cancellations$ = new Observable<BusCancellation>((s) => {
    const onMessage = (from: string, raw: string) => {
      if (from !== channel) return;
      const m = decodeAnnouncement(raw);
      if (m === undefined || m.origin === origin) return;
      for (const c of m.cancels) apply(m.origin, c, false);
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
      if (appliedKeys === undefined) {
        appliedKeys = [];
        queueMicrotask(flushApplied);
      }
      appliedKeys.push(recordKey(key));
    },
    registered: (key) => {
      if (registered === undefined) {
        registered = [];
        queueMicrotask(flushRegistered);
      }
      registered.push(key);
    },
    publish,
  };
};
