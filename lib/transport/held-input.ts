import { CANCELLED } from '../codec/cancelled.js';
import type { RequestId } from '../codec/messages.js';
import { PROGRESS } from '../codec/progress.js';
import { WireFault } from '../peer/wire-fault.js';

type Rec = Record<string, unknown>;

const isId = (u: unknown): u is RequestId => typeof u === 'string' || typeof u === 'number';

/**
 * What a transport reads while its output is backed up and does not deliver yet: new work.
 *
 * Holding, not pausing the stream, is what keeps two peers that both do this from deadlocking:
 * were each to stop reading while its output waits, each would wait for the other to read. So
 * reading goes on, and what can only end work goes ahead: responses (to our requests),
 * progress (of our requests) and a `notifications/cancelled` for a request that is not held
 * (it stops a handler that is producing output). What adds work (requests, other notifications,
 * batches, faults that get a -32700) waits here, in order; a cancel for a held request waits
 * behind it. Past a bound the transport pauses the stream after all: a peer that floods us with
 * work and does not read cannot make us hold more.
 *
 * @example
 * const held = new HeldInput();
 * if (!backedUp || held.mayPass(v)) subscriber.next(v);
 * else held.hold(v, text.length);
 * // caught up: deliver in order
 * while (!held.empty) subscriber.next(held.next());
 */
export class HeldInput {
  private items: unknown[] = [];
  private sizes: number[] = [];
  private head = 0;
  private heldBytes = 0;
  /** Ids of the requests held: a cancel for one of them must not pass it. */
  private readonly ids = new Set<RequestId>();

  /** Nothing is held. */
  get empty(): boolean {
    return this.head === this.items.length;
  }

  /** About the bytes of the lines held. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Whether `v` may go ahead of what is held (and of the backed-up output): it only ends work. */
  mayPass(v: unknown): boolean {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || WireFault.is(v)) return false;
    const m = v as Rec;
    const method = m['method'];
    // a response: it ends one of our requests (or is rejected, which is one error at most)
    if (method === undefined) return true;
    if ('id' in m) return false;
    if (method === PROGRESS) return true;
    if (method !== CANCELLED) return false;
    const params = m['params'];
    const id = typeof params === 'object' && params !== null ? (params as Rec)['requestId'] : undefined;
    return !(isId(id) && this.ids.has(id));
  }

  /** Keep `v` (a line of about `bytes` bytes) until the output catches up. */
  hold(v: unknown, bytes: number): void {
    this.items.push(v);
    this.sizes.push(bytes);
    this.heldBytes += bytes;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'method' in v) {
      const id = (v as Rec)['id'];
      if (isId(id)) this.ids.add(id);
    }
  }

  /** The oldest value held, now the caller's to deliver; only when not {@link empty}. */
  next(): unknown {
    const v = this.items[this.head];
    this.heldBytes -= this.sizes[this.head] as number;
    // no reference kept to what is delivered; the arrays go once all is
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) this.clear();
    else if (this.head > 1024 && this.head * 2 > this.items.length) {
      // held all the while (released in part, held again): the delivered head must not pile up
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    return v;
  }

  /** Drop all that is held: the connection closed, and the close cancels everything anyway. */
  clear(): void {
    this.items = [];
    this.sizes = [];
    this.head = 0;
    this.heldBytes = 0;
    this.ids.clear();
  }
}
