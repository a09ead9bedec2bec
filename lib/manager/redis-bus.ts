import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { Observable, Subject, share } from 'rxjs';
import { CancellationError, CancellationErrorResult, messageOf } from '../errors.js';
import type { BusCancellation } from './bus.js';
import { busRetries } from './bus-retries.js';
import { signBusMessage, verifyBusMessage } from './bus-signature.js';
import { CancelReason, RequestKey } from './request-key.js';

export { DEFAULT_MAX_RETRY_BYTES, type BusEvent, type RedisBusOptions, type RedisCancellationBus, type RedisPublisher, type RedisSubscriber } from './redis-bus-types.js';
import { DEFAULT_MAX_RETRY_BYTES, type BusEvent, type RedisBusOptions, type RedisCancellationBus } from './redis-bus-types.js';

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
