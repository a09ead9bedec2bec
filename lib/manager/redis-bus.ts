import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { Observable, Subject, share } from 'rxjs';
import { CancellationError, CancellationErrorResult, messageOf } from '../errors.js';
import type { BusCancellation, CancellationBus } from './bus.js';
import { CancelReason, RequestKey } from './request-key.js';

/**
 * The few methods of a Redis client the bus needs. ioredis clients fit as they are; the
 * subscriber must be a connection of its own (Redis puts a subscribed connection in a mode
 * where it can do nothing else).
 */
export interface RedisPublisher {
  publish(channel: string, message: string): Promise<unknown>;
  on(event: 'error', listener: (e: unknown) => void): unknown;
}
export interface RedisSubscriber {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (e: unknown) => void): unknown;
  off(event: 'message', listener: (channel: string, message: string) => void): unknown;
}

/** Options of {@link redisBus}. */
export interface RedisBusOptions {
  readonly publisher: RedisPublisher;
  readonly subscriber: RedisSubscriber;
  /** Default `mcp-rx-cancel:cancellations`. */
  readonly channel?: string;
  /** This instance's name on the bus; its own messages are not applied twice. Default: random. */
  readonly instanceId?: string;
}

/** What goes wrong on the bus: an event, never a crash. */
export type BusEvent =
  | { readonly type: 'bus-error'; readonly error: CancellationErrorResult }
  | { readonly type: 'bus-message-rejected'; readonly error: CancellationErrorResult };

/** A {@link CancellationBus} that also reports its failures. */
export interface RedisCancellationBus extends CancellationBus {
  readonly events$: Observable<BusEvent>;
}

// what travels on the channel: decoded like everything else that comes from outside
const WireCancellation = t.type({
  v: t.literal(1),
  origin: t.string,
  key: RequestKey.codec,
  reason: CancelReason.codec,
});

/**
 * Carries cancellations over Redis pub/sub, so that a `notifications/cancelled` received by one
 * instance stops the request that runs on another (Streamable HTTP behind a load balancer).
 * Keys stay scoped by session. A Redis outage is a `bus-error` event: local cancellation keeps
 * working, and the bus picks up again when the client reconnects.
 *
 * @example
 * import Redis from 'ioredis';
 * const bus = redisBus({ publisher: new Redis(url), subscriber: new Redis(url) });
 * const manager = new CancellationManager({ bus });
 */
export const redisBus = (options: RedisBusOptions): RedisCancellationBus => {
  const channel = options.channel ?? 'mcp-rx-cancel:cancellations';
  const origin = options.instanceId ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const events = new Subject<BusEvent>();
  const fail = (what: string, e: unknown) =>
    events.next({ type: 'bus-error', error: CancellationErrorResult.of(CancellationError.STATE_ERROR, `${what}: ${messageOf(e)}`, e) });
  // an 'error' with no listener would crash the process: the outage becomes an event instead
  options.publisher.on('error', (e) => fail('redis publisher', e));
  options.subscriber.on('error', (e) => fail('redis subscriber', e));

  const cancellations$ = new Observable<BusCancellation>((subscriber) => {
    const onMessage = (from: string, raw: string) => {
      if (from !== channel) return;
      const decoded = E.chainW((u: unknown) => WireCancellation.decode(u))(E.tryCatch(() => JSON.parse(raw) as unknown, (e) => e));
      if (E.isLeft(decoded)) {
        events.next({ type: 'bus-message-rejected', error: CancellationErrorResult.of(CancellationError.INVALID_REQUEST, 'not a bus cancellation', raw.slice(0, 200)) });
        return;
      }
      const m = decoded.right;
      if (m.origin === origin) return;
      subscriber.next({ key: RequestKey.of(m.key.requestId, m.key.sessionId), reason: CancelReason.of(m.reason.source, m.reason.reason) });
    };
    options.subscriber.on('message', onMessage);
    options.subscriber.subscribe(channel).catch((e: unknown) => fail('subscribe', e));
    return () => {
      options.subscriber.off('message', onMessage);
      options.subscriber.unsubscribe(channel).catch((e: unknown) => fail('unsubscribe', e));
    };
  }).pipe(share());

  return {
    cancellations$,
    events$: events.asObservable(),
    publish: (key, reason) => {
      const message = JSON.stringify({
        v: 1,
        origin,
        key: key.sessionId === undefined ? { requestId: key.requestId } : { requestId: key.requestId, sessionId: key.sessionId },
        reason,
      });
      options.publisher.publish(channel, message).catch((e: unknown) => fail('publish', e));
    },
  };
};
