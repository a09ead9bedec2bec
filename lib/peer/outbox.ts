import type { JsonRpcMessage, JsonRpcRequest } from '../codec/messages.js';
import { SENT, type Pending } from './pending.js';

/**
 * A request waiting for the connection. It keeps what it needs to go out later, because its
 * `request-sent` event and the `_meta` the `requestMeta` hook adds belong to the moment it is
 * handed to an `outgoing$` subscriber, not to the moment it was asked for.
 *
 * @example
 * const queued: QueuedRequest = { pending: p, params, message: requestMessage(p.id, p.method, params, {}) };
 */
export interface QueuedRequest {
  readonly pending: Pending;
  /** The params the caller gave (what the `requestMeta` hook sees). */
  readonly params: object | undefined;
  readonly message: JsonRpcRequest;
}

// a JsonRpcMessage never has a `pending` member: the backlog tells its two kinds apart by it
const isQueued = (e: JsonRpcMessage | QueuedRequest): e is QueuedRequest => 'pending' in e;

/**
 * Where the sending half writes: straight to the connection once it is up, into a backlog
 * before (`request()` may be subscribed before `outgoing$`), nowhere after it closed.
 *
 * A queued request goes out through `flush` when the connection comes up, so that it is said to
 * be sent only when it is. A request that ends while in the backlog (unsubscribed, timed out,
 * aborted) never reaches the wire, nor does a cancel for it: at the flush a request that is no
 * longer `live` is skipped, and the dead are dropped once they are most of the backlog, so it
 * cannot grow with abandoned requests.
 *
 * @example
 * const outbox = new Outbox((p) => pending.get(p.id) === p, (q) => send(q));
 * outbox.queue({ pending: p, params, message }); // waits until attach()
 * outbox.attach((m) => destination.next(m));  // calls send(q) for each live queued request
 */
export class Outbox {
  state: 'idle' | 'open' | 'closed' = 'idle';
  private out: ((m: JsonRpcMessage) => void) | undefined = undefined;
  private backlog: Array<JsonRpcMessage | QueuedRequest> = [];
  private dead = 0;

  constructor(
    private readonly live: (p: Pending) => boolean,
    private readonly flush: (q: QueuedRequest) => void,
  ) {}

  /** The connection is up: flush what was written before it, the dead requests left out. */
  attach(out: (m: JsonRpcMessage) => void): void {
    this.out = out;
    this.state = 'open';
    const backlog = this.backlog;
    this.backlog = [];
    this.dead = 0;
    for (const e of backlog) {
      // a listener of a flushed request's event may have closed the connection: nothing more goes
      if (this.state !== 'open') return;
      if (!isQueued(e)) out(e);
      else if (this.live(e.pending)) this.flush(e);
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

  /** A request, on a connection that is up: SENT before the write, as an abort inside write() must send the cancel. */
  request(p: Pending, m: JsonRpcRequest): void {
    if (this.out === undefined) return;
    p.flags |= SENT;
    this.out(m);
  }

  /** A request asked for before the connection: it waits for attach(). */
  queue(q: QueuedRequest): void {
    if (this.state === 'idle') this.backlog.push(q);
  }

  /** A request ended in the backlog: drop the dead once they are most of it (amortised O(1)). */
  unsent(): void {
    if (++this.dead < 64 || this.dead * 2 < this.backlog.length) return;
    this.backlog = this.backlog.filter((e) => !isQueued(e) || this.live(e.pending));
    this.dead = 0;
  }
}
