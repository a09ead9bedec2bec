// A Map for keys that come and go: requests in flight, ids remembered for a while, timeouts armed.

/** A map is renewed after at least this many insertions (and never before as many as it holds, twice). */
export const RENEW_AFTER = 1024;

/**
 * A `Map` whose keys come and go at the rate of requests, made safe from a garbage collector's
 * trap. V8 keeps a Map's entries in a table that it replaces as keys are added and deleted, and
 * a replaced table links to the one after it (for an iterator still on it). Once a full
 * collection has moved the live table into the old generation, which any full collection does,
 * every later table is reachable from that dead one through the links: each young collection
 * then copies and promotes the dead tables and every request they still point to, until the next
 * full collection, which seeds the chain again. A peer that saw one full collection under load
 * stays about a third slower for good.
 *
 * Renewing the Map (its live entries copied into a fresh one) ends the chain: the old Map's
 * table is current, so it links to nothing. It happens in `set`, after {@link RENEW_AFTER}
 * insertions and at least twice as many as there are entries: O(1) amortised per insertion, and
 * a chain seeded by a full collection lasts at most that many insertions.
 *
 * Iterating while setting: an iterator taken before a renewal goes on over the old Map. Every
 * caller here that sets while it iterates copies the entries first.
 *
 * @example
 * const inFlight = new ChurnMap<RequestId, Active>();
 * inFlight.set(7, active); // ... inFlight.delete(7) when it ends
 */
export class ChurnMap<K, V> implements Iterable<[K, V]> {
  private map = new Map<K, V>();
  private added = 0;

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): this {
    this.map.set(key, value);
    if (++this.added >= RENEW_AFTER && this.added >= 2 * this.map.size) this.renew();
    return this;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map = new Map<K, V>();
    this.added = 0;
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  private renew(): void {
    this.map = new Map(this.map);
    this.added = 0;
  }
}
