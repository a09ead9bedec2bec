import type { ProgressToken } from '../codec/progress.js';

/** One message waiting for `'drain'`, as its line. */
interface Entry {
  /** The line; `''` once shed (an evicted progress keeps its slot until the head passes it). */
  data: string;
  bytes: number;
  /** A progress notification's token: a newer progress for it replaces this one. */
  readonly token: ProgressToken | undefined;
  /** Settles the Promise its `send` returned: written (no argument), or lost. */
  readonly settle: ((lost?: Error) => void) | undefined;
}

/**
 * What a transport holds while its writable asks it to wait, in order, bounded by `max` bytes.
 *
 * Two kinds of message. Progress is a report the other side can do without, and only its latest
 * value matters: one progress per token waits at most, a newer one taking the older one's place
 * (never a later place: it was sent before its request's response, and must stay before it, as
 * docs/protocol.md P3 requires), and progress is shed rather than held over `max`. Everything else
 * (responses, requests, other notifications) must be delivered: it is never shed, and what does
 * not fit is refused, for the caller to close the connection.
 *
 * @example
 * const q = new WriteQueue(1024);
 * q.offer(7, line(progress(7, 1)), n1);
 * q.offer(7, line(progress(7, 2)), n2); // replaces the first: q.shed === 1
 * if (q.canHold(n3)) q.push(line(response), n3, settle);
 * else closeTheConnection();
 * writable.write(q.take(64 * 1024) ?? '');
 */
export class WriteQueue {
  private entries: Entry[] = [];
  private head = 0;
  /** Entries before it hold no progress still waiting: eviction resumes here (O(1) amortised). */
  private evictAt = 0;
  private readonly latest = new Map<ProgressToken, Entry>();
  private mustBytes = 0;
  private progressBytes = 0;
  /** Progress notifications shed since the last {@link takeShed}. */
  private shedCount = 0;

  constructor(private readonly max: number) {}

  /** Nothing waits. */
  get empty(): boolean {
    return this.head === this.entries.length;
  }

  /** Whether a message that must be delivered fits, with every waiting progress shed if need be. */
  canHold(bytes: number): boolean {
    return this.mustBytes + bytes <= this.max;
  }

  /** A message that must be delivered; the caller has checked {@link canHold}. */
  push(data: string, bytes: number, settle: (lost?: Error) => void): void {
    this.mustBytes += bytes;
    this.evict();
    this.entries.push({ data, bytes, token: undefined, settle });
  }

  /** A progress notification: in its token's waiting slot if there is one, else at the end, or shed. */
  offer(token: ProgressToken, data: string, bytes: number): void {
    const old = this.latest.get(token);
    const room = this.max - this.mustBytes - this.progressBytes + (old?.bytes ?? 0);
    // one of the two is shed either way: the older when it is replaced, else the newer
    this.shedCount += old === undefined ? 0 : 1;
    if (bytes > room) {
      if (old === undefined) this.shedCount++;
      return;
    }
    if (old !== undefined) {
      this.progressBytes += bytes - old.bytes;
      old.data = data;
      old.bytes = bytes;
      return;
    }
    const entry: Entry = { data, bytes, token, settle: undefined };
    this.progressBytes += bytes;
    this.latest.set(token, entry);
    this.entries.push(entry);
  }

  /**
   * Up to about `limit` bytes of what waits, oldest first, as one string (at least one message),
   * or undefined when nothing waits. The Promises of what it holds are settled: it is the
   * caller's to write, now.
   */
  take(limit: number): string | undefined {
    let data: string | undefined;
    let size = 0;
    while (this.head < this.entries.length && size < limit) {
      const e = this.entries[this.head++] as Entry;
      if (e.token !== undefined) {
        if (this.latest.get(e.token) === e) this.latest.delete(e.token);
        this.progressBytes -= e.bytes;
      } else this.mustBytes -= e.bytes;
      size += e.bytes;
      if (e.data !== '') data = data === undefined ? e.data : data + e.data;
      e.settle?.();
    }
    this.compact();
    return data;
  }

  /** Empty the queue; what waited is settled with `lost`, or as written without it. */
  clear(lost?: Error): void {
    const waiting = this.entries.slice(this.head);
    this.entries = [];
    this.head = 0;
    this.evictAt = 0;
    this.latest.clear();
    this.mustBytes = 0;
    this.progressBytes = 0;
    for (const e of waiting) e.settle?.(lost);
  }

  /** Progress shed since the last call; counting starts again from 0. */
  takeShed(): number {
    const n = this.shedCount;
    this.shedCount = 0;
    return n;
  }

  /** Make room for what must be delivered: waiting progress goes, oldest first. */
  private evict(): void {
    if (this.evictAt < this.head) this.evictAt = this.head;
    while (this.mustBytes + this.progressBytes > this.max && this.evictAt < this.entries.length) {
      const e = this.entries[this.evictAt++] as Entry;
      if (e.token === undefined || e.data === '') continue;
      // a newer progress for its token now goes to the end of the queue: its own place in the order
      this.latest.delete(e.token);
      this.progressBytes -= e.bytes;
      e.data = '';
      e.bytes = 0;
      this.shedCount++;
    }
  }

  /** Drop the written head now and then: `shift()` per message would be O(n) each on a long queue. */
  private compact(): void {
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
      this.evictAt = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.evictAt = Math.max(0, this.evictAt - this.head);
      this.head = 0;
    }
  }
}
