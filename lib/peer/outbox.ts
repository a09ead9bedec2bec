import { isRequestMessage, type JsonRpcMessage, type JsonRpcRequest, type RequestId } from '../codec/messages.js';
import { SENT, type Pending } from './pending.js';

/**
 * Where the sending half writes: straight to the connection once it is up, into a backlog
 * before (`request()` may be subscribed before `outgoing$`), nowhere after it closed.
 *
 * A request that ends while in the backlog (unsubscribed, timed out, aborted) never reaches the
 * wire, nor does a cancel for it: at the flush, a request whose id is no longer pending is
 * skipped (ids are never reused, so the id alone says which request it was), and the dead are
 * dropped once they are most of the backlog, so it cannot grow with abandoned requests.
 *
 * @example
 * const outbox = new Outbox((id) => pending.get(id));
 * outbox.request(p, message); // queued until attach()
 * outbox.attach((m) => destination.next(m));
 */
export class Outbox {
  state: 'idle' | 'open' | 'closed' = 'idle';
  private out: ((m: JsonRpcMessage) => void) | undefined = undefined;
  private backlog: JsonRpcMessage[] = [];
  private dead = 0;

  constructor(private readonly live: (id: RequestId) => Pending | undefined) {}

  /** The connection is up: flush what was written before it, the dead requests left out. */
  attach(out: (m: JsonRpcMessage) => void): void {
    this.out = out;
    this.state = 'open';
    const backlog = this.backlog;
    this.backlog = [];
    this.dead = 0;
    for (const m of backlog) {
      if (isRequestMessage(m)) {
        const p = this.live(m.id);
        if (p === undefined) continue;
        p.flags |= SENT;
      }
      out(m);
    }
  }

  /** The connection is gone: nothing more is written, and the backlog is dropped. */
  close(): void {
    this.out = undefined;
    this.state = 'closed';
    this.backlog = [];
    this.dead = 0;
  }

  /** A notification (a cancel, `notify`). */
  write(m: JsonRpcMessage): void {
    if (this.out !== undefined) this.out(m);
    else if (this.state === 'idle') this.backlog.push(m);
  }

  /** A request: SENT before the write, as an abort inside write() must send the cancel. */
  request(p: Pending, m: JsonRpcRequest): void {
    if (this.out !== undefined) {
      p.flags |= SENT;
      this.out(m);
    } else if (this.state === 'idle') this.backlog.push(m);
  }

  /** A request ended in the backlog: drop the dead once they are most of it (amortised O(1)). */
  unsent(): void {
    if (++this.dead < 64 || this.dead * 2 < this.backlog.length) return;
    this.backlog = this.backlog.filter((m) => !isRequestMessage(m) || this.live(m.id) !== undefined);
    this.dead = 0;
  }
}
