/** A token bucket's state: pure data, so decisions are pure functions (house style). */
export interface Bucket {
  readonly tokens: number;
  readonly at: number;
}

/**
 * Take one token from a bucket refilled at `perSecond` up to `burst`.
 * Returns the new bucket and whether the token was there.
 *
 * @example
 * take(undefined, 0, 10, 5); // { ok: true, bucket: { tokens: 4, at: 0 } }
 */
export const take = (
  bucket: Bucket | undefined,
  now: number,
  perSecond: number,
  burst: number,
): { readonly ok: boolean; readonly bucket: Bucket } => {
  const tokens = bucket === undefined ? burst : level(bucket, now, perSecond, burst);
  return tokens >= 1 ? { ok: true, bucket: { tokens: tokens - 1, at: now } } : { ok: false, bucket: { tokens, at: now } };
};

/** The tokens a bucket holds at `now`, refilled at `perSecond` up to `burst`. */
export const level = (bucket: Bucket, now: number, perSecond: number, burst: number): number =>
  Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) * perSecond) / 1000);

/**
 * Token buckets per sender with bounded memory: at most `maxSenders` buckets.
 *
 * A bucket that has refilled to full carries no information (a new sender starts full), so it
 * may be forgotten; one that has not must never be, or a sender could buy back its throttle by
 * pushing itself out of the table with a flood of fresh sender ids. So: buckets are kept in
 * least-recently-used order (a `Map` keeps insertion order; a use re-inserts); every take also
 * forgets the least recently used bucket if it has refilled (O(1), so idle senders cost nothing
 * before long); and when the table is full of buckets that have not refilled, a new sender is
 * not given a bucket of its own but shares one overflow bucket with every other such sender:
 * memory stays bounded and no throttled sender is ever handed a full bucket.
 *
 * @example
 * const l = new RateLimiter(100, 1_000, 10_000);
 * if (!l.tryTake(sessionId, performance.now())) reportRateLimited();
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private overflow: Bucket | undefined = undefined;
  // the sender last given a bucket of its own: the Map's last entry, while it has one
  private newest: string | undefined = undefined;
  constructor(
    readonly perSecond: number,
    readonly burst: number,
    readonly maxSenders: number,
  ) {}

  /** Take a token for `sender` at time `now` (ms). */
  tryTake(sender: string, now: number): boolean {
    const previous = this.buckets.get(sender);
    // the most recently used already (a burst from one sender): no reordering, no other bucket to age
    if (previous !== undefined && sender === this.newest) {
      const { ok, bucket } = take(previous, now, this.perSecond, this.burst);
      this.buckets.set(sender, bucket);
      return ok;
    }
    if (previous !== undefined) this.buckets.delete(sender);
    this.forgetRefilled(now);
    if (previous === undefined && this.buckets.size >= this.maxSenders) {
      // full of senders still being throttled: the newcomer shares the overflow bucket
      const r = take(this.overflow, now, this.perSecond, this.burst);
      this.overflow = r.bucket;
      return r.ok;
    }
    const { ok, bucket } = take(previous, now, this.perSecond, this.burst);
    this.buckets.set(sender, bucket);
    this.newest = sender;
    return ok;
  }

  /** How many senders have a bucket now (never more than `maxSenders`). */
  get size(): number {
    return this.buckets.size;
  }

  // the least recently used bucket is the likeliest to have refilled; checking it alone keeps a
  // take O(1), and every take checks one, so refilled buckets go at the rate senders come
  private forgetRefilled(now: number): void {
    // for..of with a break: the first entry without an iterator result object per take
    for (const [sender, bucket] of this.buckets) {
      if (level(bucket, now, this.perSecond, this.burst) >= this.burst) {
        this.buckets.delete(sender);
        if (sender === this.newest) this.newest = undefined;
      }
      break;
    }
    if (this.overflow !== undefined && level(this.overflow, now, this.perSecond, this.burst) >= this.burst) this.overflow = undefined;
  }
}
