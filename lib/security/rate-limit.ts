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
  const elapsed = bucket === undefined ? 0 : Math.max(0, now - bucket.at);
  const tokens = bucket === undefined ? burst : Math.min(burst, bucket.tokens + (elapsed * perSecond) / 1000);
  return tokens >= 1 ? { ok: true, bucket: { tokens: tokens - 1, at: now } } : { ok: false, bucket: { tokens, at: now } };
};

/**
 * Token buckets per sender with bounded memory: at most `maxSenders` buckets, the least
 * recently used evicted first (a `Map` keeps insertion order; a use re-inserts).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  constructor(
    readonly perSecond: number,
    readonly burst: number,
    readonly maxSenders: number,
  ) {}

  /** Take a token for `sender` at time `now` (ms). */
  tryTake(sender: string, now: number): boolean {
    const previous = this.buckets.get(sender);
    const { ok, bucket } = take(previous, now, this.perSecond, this.burst);
    if (previous !== undefined) this.buckets.delete(sender);
    else if (this.buckets.size >= this.maxSenders) {
      const oldest = this.buckets.keys().next();
      if (oldest.done !== true) this.buckets.delete(oldest.value);
    }
    // a full bucket carries no information: forget it, so idle senders cost nothing
    if (bucket.tokens < this.burst) this.buckets.set(sender, bucket);
    return ok;
  }

  /** How many senders have a bucket now (never more than `maxSenders`). */
  get size(): number {
    return this.buckets.size;
  }
}
