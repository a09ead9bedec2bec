import { messageOf } from '../errors.js';
import { signAnnouncement, signBusMessage } from './bus-signature.js';
import { ANNOUNCEMENT_OVERHEAD, MAX_ANNOUNCEMENT_CHARS, type Cancel, type WireAnnouncement, type WireCancellation } from './bus-wire.js';
import type { RedisPublisher } from './redis-bus-types.js';
import { CancelReason, type RequestKey } from './request-key.js';

// How redisBus writes cancels: records (one each, signed) then announcements (one per batch,
// signed once, bounded in count and characters), every failure kept to retry, never thrown.

// a batch of fewer records writes each on its own: a pipeline costs more than it saves there
const PIPELINE_FROM = 8;

/** What sending needs of the bus. */
export interface BusSenderInit {
  readonly publisher: RedisPublisher;
  readonly channel: string;
  readonly origin: string;
  readonly secret: string | undefined;
  readonly ttl: number;
  readonly recordKey: (key: RequestKey) => string;
  /** Whether the publisher may be given commands now. */
  readonly sendable: () => boolean;
  /** A cancel Redis did not take: kept to retry, and told. */
  readonly failed: (key: RequestKey, reason: CancelReason, why: string, e: unknown) => void;
  /** A cancel recorded and announced. */
  readonly published: (c: Cancel, receivers: number) => void;
}

/** A cancel as the wire carries it: the key without an `undefined` session, the reason bare. */
export const cancelOf = (key: RequestKey, reason: CancelReason): Cancel => ({
  key: key.sessionId === undefined ? { requestId: key.requestId } : { requestId: key.requestId, sessionId: key.sessionId },
  reason: CancelReason.wire(reason),
});

/**
 * The bus's writer: `send(cancels)` records and announces a batch, and resolves (never rejects)
 * once each cancel is published or kept to retry.
 */
export const busSender = (init: BusSenderInit): ((cancels: readonly Cancel[]) => Promise<void>) => {
  const { publisher, channel, origin, secret, ttl, recordKey, sendable, failed, published } = init;
  /**
   * Record and announce cancels: a record each (a signed message of its own, which a later
   * registration or reconcile reads alone), then one announcement for all of them, signed once.
   * Resolves (never rejects) once they are published or kept to retry.
   */
  const send = (cancels: readonly Cancel[]): Promise<void> => {
    // a client that is down would queue the commands (2 to 4 KB each, held until it gives up):
    // keep the compact records instead; its 'ready' retries them
    if (!sendable()) {
      for (const c of cancels) failed(c.key, c.reason, `redis publisher not ready (${String(publisher.status)})`, undefined);
      return Promise.resolve();
    }
    const texts = cancels.map((c) => {
      const m: WireCancellation = { v: 2, origin, key: c.key, reason: c.reason, ...(secret === undefined ? {} : { sig: signBusMessage(secret, origin, c.key, c.reason) }) };
      return JSON.stringify(m);
    });
    const records = record(cancels, texts);
    return records.then((settled) => {
      // announcements bounded in characters too (a receiver refuses a longer one unread): a
      // record's text is longer than its cancel in an announcement, so its length is the measure
      const parts: Cancel[][] = [];
      let part: Cancel[] = [];
      let size = 0;
      settled.forEach((c, i) => {
        if (c === undefined) return;
        const n = texts[i]?.length ?? 0;
        if (part.length > 0 && size + n > MAX_ANNOUNCEMENT_CHARS - ANNOUNCEMENT_OVERHEAD) {
          parts.push(part);
          part = [];
          size = 0;
        }
        part.push(c);
        size += n;
      });
      if (part.length > 0) parts.push(part);
      return Promise.all(parts.map(announce)).then(() => undefined);
    });
  };
  /** Announce recorded cancels in one message, signed once. Resolves (never rejects). */
  const announce = (recorded: readonly Cancel[]): Promise<void> => {
    const announcement: WireAnnouncement = { v: 3, origin, cancels: [...recorded], ...(secret === undefined ? {} : { sig: signAnnouncement(secret, origin, recorded) }) };
    return publisher.publish(channel, JSON.stringify(announcement)).then(
      (receivers) => {
        for (const c of recorded) published(c, typeof receivers === 'number' ? receivers : 0);
      },
      // recorded but not announced: the records reach a registration or a reconcile; keep
      // them to announce again, as a cancel Redis did not take at all
      (e: unknown) => {
        for (const c of recorded) failed(c.key, c.reason, messageOf(e), e);
      },
    );
  };
  /** Write the records of `cancels`: the ones Redis took, the others kept to retry. */
  const record = (cancels: readonly Cancel[], texts: readonly string[]): Promise<ReadonlyArray<Cancel | undefined>> => {
    const refused = (c: Cancel, e: unknown): undefined => void failed(c.key, c.reason, messageOf(e), e);
    if (publisher.pipeline === undefined || cancels.length < PIPELINE_FROM)
      return Promise.all(cancels.map((c, i) => publisher.set(recordKey(c.key), texts[i] ?? '', 'PX', ttl).then(() => c, (e: unknown) => refused(c, e))));
    // one write for the turn's records, however many: a burst costs Redis one round trip
    const pipeline = publisher.pipeline();
    cancels.forEach((c, i) => pipeline.set(recordKey(c.key), texts[i] ?? '', 'PX', ttl));
    return pipeline.exec().then(
      (results) =>
        cancels.map((c, i) => {
          const [error] = results?.[i] ?? [new Error('no reply from the pipeline')];
          return error === null ? c : refused(c, error);
        }),
      (e: unknown) => cancels.map((c) => refused(c, e)),
    );
  };
  return send;
};
