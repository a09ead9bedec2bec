import { messageOf } from '../errors.js';
import { signAnnouncement, signBusMessage } from './bus-signature.js';
import { ANNOUNCEMENT_OVERHEAD, MAX_ANNOUNCEMENT_CHARS, type Cancel, type WireAnnouncement, type WireCancellation } from './bus-wire.js';
import type { RedisPublisher } from './redis-bus-types.js';
import { CancelReason, type RequestKey } from './request-key.js';

// How redisBus writes cancels: records (one each, signed) then announcements (one per batch,
// signed once, bounded in count and characters), every failure kept to retry, never thrown.
// With `eval`, a part's records and its announcement are one script; without, the records are
// written first and announced once Redis took them.

// a batch of fewer records writes each on its own: a pipeline costs more than it saves there
const PIPELINE_FROM = 8;

// KEYS: the records' keys; ARGV: the records' TTL (ms), the channel, the announcement, the records.
// A record that fails raises, and the script stops before the PUBLISH: nothing is announced unwritten.
const RECORD_AND_ANNOUNCE = `for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 3], 'PX', ARGV[1]) end
return redis.call('PUBLISH', ARGV[2], ARGV[3])`;

/**
 * Where a batch splits into announcements, as [from, to) ranges: each bounded in characters (a
 * receiver refuses a longer one unread). A record's text is longer than its cancel in an
 * announcement, so the records' lengths are the measure.
 */
const announcementParts = (cancels: readonly Cancel[], lengths: readonly number[]): Array<readonly [number, number]> => {
  const parts: Array<readonly [number, number]> = [];
  let from = 0;
  let size = 0;
  cancels.forEach((_, i) => {
    const n = lengths[i] ?? 0;
    if (i > from && size + n > MAX_ANNOUNCEMENT_CHARS - ANNOUNCEMENT_OVERHEAD) {
      parts.push([from, i]);
      from = i;
      size = 0;
    }
    size += n;
  });
  if (cancels.length > from) parts.push([from, cancels.length]);
  return parts;
};

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
    const texts = cancels.map((c) => JSON.stringify(recordOf(c)));
    if (publisher.eval !== undefined) {
      const run = publisher.eval.bind(publisher);
      return Promise.all(announcementParts(cancels, texts.map((x) => x.length)).map(([from, to]) => recordAndAnnounce(run, cancels.slice(from, to), texts.slice(from, to)))).then(() => undefined);
    }
    return record(cancels, texts).then((settled) => {
      const recorded: Cancel[] = [];
      const lengths: number[] = [];
      settled.forEach((c, i) => {
        if (c === undefined) return;
        recorded.push(c);
        lengths.push(texts[i]?.length ?? 0);
      });
      return Promise.all(announcementParts(recorded, lengths).map(([from, to]) => announce(recorded.slice(from, to)))).then(() => undefined);
    });
  };
  /**
   * One command for a part: its records, then its announcement, in a script. Redis runs a script
   * whole, in order: the announcement is never processed before its records are written (a
   * receiver that applied it and deleted a record must not see that record written after), and
   * a record that fails (out of memory) stops the script before anything is announced. Whatever
   * fails, every cancel of the part is kept to retry: a record written without its announcement
   * is written again, then announced.
   */
  const recordAndAnnounce = (run: NonNullable<RedisPublisher['eval']>, part: readonly Cancel[], texts: readonly string[]): Promise<void> =>
    run(RECORD_AND_ANNOUNCE, part.length, ...scriptArgs(part, texts)).then(
      (receivers) => {
        for (const c of part) published(c, typeof receivers === 'number' ? receivers : 0);
      },
      (e: unknown) => {
        for (const c of part) failed(c.key, c.reason, messageOf(e), e);
      },
    );
  /** What the script is given: the records' keys, then its ARGV (TTL, channel, announcement, records), in one array. */
  const scriptArgs = (part: readonly Cancel[], texts: readonly string[]): string[] => {
    const args = new Array<string>(part.length * 2 + 3);
    part.forEach((c, i) => {
      args[i] = recordKey(c.key);
      args[part.length + 3 + i] = texts[i] ?? '';
    });
    args[part.length] = String(ttl);
    args[part.length + 1] = channel;
    args[part.length + 2] = announcementOf(part);
    return args;
  };
  /** A cancel's record, signed alone (one object of one shape, not a spread: a burst makes one per cancel). */
  const recordOf = (c: Cancel): WireCancellation =>
    secret === undefined ? { v: 2, origin, key: c.key, reason: c.reason } : { v: 2, origin, key: c.key, reason: c.reason, sig: signBusMessage(secret, origin, c.key, c.reason) };
  /** The text of an announcement of `cancels`, signed once. */
  const announcementOf = (cancels: readonly Cancel[]): string => {
    const announcement: WireAnnouncement = { v: 3, origin, cancels: [...cancels], ...(secret === undefined ? {} : { sig: signAnnouncement(secret, origin, cancels) }) };
    return JSON.stringify(announcement);
  };
  /** Announce recorded cancels in one message, signed once. Resolves (never rejects). */
  const announce = (recorded: readonly Cancel[]): Promise<void> => {
    return publisher.publish(channel, announcementOf(recorded)).then(
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
