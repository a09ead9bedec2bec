import { ChurnMap } from './churn-map.js';

/**
 * The last `capacity` keys seen, each with a value, oldest forgotten first: the one bounded
 * memory behind every "remember the last N" here (the ids a session finished, the ids the
 * sending side gave up on). Every operation is O(1) and allocates nothing once the ring is
 * full: the keys sit in a ring (a preallocated array), and a Map from key to its slot answers
 * lookups.
 *
 * @example
 * const ended = new Recent<RequestId, 'cancelled' | 'timeout'>(1_000);
 * ended.set(7, 'timeout');
 * ended.get(7); // 'timeout', until 1,000 newer ids have pushed it out
 */
export class Recent<K, V> {
  // grown to `capacity` as keys come (a session that finishes one request costs one slot)
  private readonly slots: Array<K | undefined> = [];
  private readonly index = new ChurnMap<K, V>();
  private head = 0; // the oldest slot
  private count = 0; // slots in use

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.index.size;
  }

  get(key: K): V | undefined {
    return this.index.get(key);
  }

  has(key: K): boolean {
    return this.index.has(key);
  }

  /**
   * Remember `key`; past the capacity the oldest goes. A key already remembered keeps its place
   * (only its value changes): keys are forgotten in the order they were first set.
   */
  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    // one lookup, not has() then set(): a key already remembered leaves the size as it was
    const before = this.index.size;
    this.index.set(key, value);
    if (this.index.size === before) return;
    if (this.count === this.capacity) this.shift();
    const slot = (this.head + this.count) % this.capacity;
    if (slot === this.slots.length) this.slots.push(key);
    else this.slots[slot] = key;
    this.count++;
  }

  /** Forget the oldest key; false when there is none. */
  dropOldest(): boolean {
    while (this.count > 0) if (this.shift()) return true;
    return false;
  }

  // free the oldest slot; true if it held a live key
  private shift(): boolean {
    const slot = this.head;
    const key = this.slots[slot];
    this.slots[slot] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return key !== undefined && this.index.delete(key);
  }
}
