/**
 * The last `capacity` keys seen, each with a value, oldest forgotten first: the one bounded
 * memory behind every "remember the last N" here (the ids a session finished, the ids the
 * sending side gave up on). A `Map` keeps insertion order, so every operation is O(1): setting
 * a key again makes it the newest, and the oldest is the first.
 *
 * @example
 * const ended = new Recent<RequestId, 'cancelled' | 'timeout'>(1_000);
 * ended.set(7, 'timeout');
 * ended.get(7); // 'timeout', until 1,000 newer ids have pushed it out
 */
export class Recent<K, V> {
  private readonly items = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.items.size;
  }

  get(key: K): V | undefined {
    return this.items.get(key);
  }

  has(key: K): boolean {
    return this.items.has(key);
  }

  /** Remember `key` as the newest; past the capacity the oldest goes. */
  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.capacity) this.dropOldest();
  }

  /** Forget the oldest key; false when there is none. */
  dropOldest(): boolean {
    const first = this.items.keys().next();
    if (first.done === true) return false;
    this.items.delete(first.value);
    return true;
  }
}
