// The cancels a bus could not hand to Redis, kept to try again, bounded in count and in bytes.
// Each is two flat strings (no objects, no closures, no signature: that is computed again when it
// is retried), so what one costs is what its key and reason weigh plus a fixed part, and that is
// what is counted.
import { CancelReason, RequestKey } from './request-key.js';

/**
 * The fixed heap bytes one kept cancel is counted at besides the characters of its two strings:
 * the two string headers and its slot in the map. Measured with `bench/cases/bus-retry-heap.ts`
 * on Node 20, 64-bit: about 95 bytes; counted at 128 to cover the map's room to grow.
 *
 * @example
 * RETRY_ENTRY_BYTES; // 128
 */
export const RETRY_ENTRY_BYTES = 128;

/**
 * Which bound refused a cancel: how many are kept, or how many bytes they hold.
 *
 * @example
 * const dropping = (bound: RetryBound): void => log.error(`redisBus: ${bound} reached, cancels are being dropped`);
 * bus.events$.subscribe((e) => {
 *   if (e.type === 'bus-record-failed' && e.bound !== undefined) dropping(e.bound);
 * });
 */
export type RetryBound = 'maxRetries' | 'maxRetryBytes';

/**
 * How many cancels are kept to retry, the bytes they are counted at, and how many were refused since the bus was made.
 *
 * @example
 * const stats: RetryStats = bus.retryStats();
 * if (stats.dropped > 0) log.error(`${stats.dropped} cancels dropped; ${stats.held} waiting to retry (${stats.bytes} bytes)`);
 */
export interface RetryStats {
  readonly held: number;
  readonly bytes: number;
  readonly dropped: number;
}

/** One kept cancel, as it is handed back to be retried. */
export interface RetryEntry {
  readonly key: RequestKey;
  readonly reason: CancelReason;
}

/** The cancels kept to retry: offered, taken out once recorded, listed to retry. */
export interface BusRetries {
  /** Keep (or replace) the cancel of `key`: `undefined` when kept, else the bound that refused it. */
  offer(key: RequestKey, reason: CancelReason): RetryBound | undefined;
  /** It was recorded: forget it. */
  delete(key: RequestKey): void;
  /**
   * What is kept, to retry, read lazily: a cancel kept while it is read is read too, one
   * deleted before its turn is not (no copy of them all is made).
   */
  entries(): IterableIterator<RetryEntry>;
  stats(): RetryStats;
}

// V8 keeps a string whose characters all fit in Latin-1 at one byte each, any other at two
const WIDE = /[^\u0000-\u00ff]/;

/**
 * The heap bytes a string is counted at: one byte a character when all are Latin-1, else two.
 *
 * @example
 * stringBytes('abc'); // 3
 * stringBytes('日本'); // 4
 */
export const stringBytes = (s: string): number => s.length * (WIDE.test(s) ? 2 : 1);

/**
 * The record of a cancel kept to retry: its key, as {@link RequestKey.toString}, and its source
 * and reason as one JSON text. Both are new flat strings: a reason cut from a larger text does
 * not keep that text alive.
 *
 * @example
 * retryRecord({ sessionId: 'S', requestId: 1 }, { source: 'peer', reason: 'stop' }); // ['["S",1]', '["peer","stop"]']
 */
export const retryRecord = (key: RequestKey, reason: CancelReason): readonly [string, string] => [
  RequestKey.toString(key),
  JSON.stringify(reason.method === undefined ? [reason.source, reason.reason ?? null] : [reason.source, reason.reason ?? null, reason.method]),
];

/**
 * The bytes one kept cancel is counted at: its two strings and {@link RETRY_ENTRY_BYTES}.
 *
 * @example
 * retryBytes({ requestId: 1 }, { source: 'peer' }); // 128 + '[null,1]'.length + '["peer",null]'.length
 */
export const retryBytes = (key: RequestKey, reason: CancelReason): number => {
  const [id, record] = retryRecord(key, reason);
  return RETRY_ENTRY_BYTES + stringBytes(id) + stringBytes(record);
};

const keyOf = (id: string): RequestKey => {
  // written by retryRecord from a RequestKey: always this shape
  const [sessionId, requestId] = JSON.parse(id) as [string | null, string | number];
  return RequestKey.of(requestId, sessionId ?? undefined);
};

const reasonOf = (record: string): CancelReason => {
  const [source, reason, method] = JSON.parse(record) as [CancelReason['source'], string | null, CancelReason['method']?];
  const r = CancelReason.of(source, reason ?? undefined);
  return method === undefined ? r : { ...r, method };
};

/**
 * A retry store that keeps at most `maxEntries` cancels and at most `maxBytes` bytes of them
 * (each counted by {@link retryBytes}). A cancel past either bound is refused, and counted. A
 * cancel for a key kept already is kept (its key will be retried): its reason replaces the kept
 * one when the bytes allow.
 *
 * @example
 * const retries = busRetries(100_000, 32 * 1024 * 1024);
 * if (retries.offer(key, reason) !== undefined) report('dropped');
 */
export const busRetries = (maxEntries: number, maxBytes: number): BusRetries => {
  // id → record, nothing else: what an entry weighs is worked out again from its two strings
  const kept = new Map<string, string>();
  const costOf = (id: string, record: string): number => RETRY_ENTRY_BYTES + stringBytes(id) + stringBytes(record);
  let bytes = 0;
  let dropped = 0;
  return {
    offer: (key, reason) => {
      const [id, record] = retryRecord(key, reason);
      const cost = costOf(id, record);
      const old = kept.get(id);
      if (old !== undefined) {
        // that key's cancel is kept already, and it will be retried: the newer reason wins if it fits
        const freed = costOf(id, old);
        if (bytes - freed + cost <= maxBytes) {
          bytes += cost - freed;
          kept.set(id, record);
        }
        return undefined;
      }
      const bound: RetryBound | undefined = kept.size >= maxEntries ? 'maxRetries' : bytes + cost > maxBytes ? 'maxRetryBytes' : undefined;
      if (bound !== undefined) {
        dropped++;
        return bound;
      }
      bytes += cost;
      kept.set(id, record);
      return undefined;
    },
    delete: (key) => {
      const id = RequestKey.toString(key);
      const old = kept.get(id);
      if (old === undefined) return;
      kept.delete(id);
      bytes -= costOf(id, old);
    },
    entries: function* () {
      for (const [id, record] of kept) yield { key: keyOf(id), reason: reasonOf(record) };
    },
    stats: () => ({ held: kept.size, bytes, dropped }),
  };
};
