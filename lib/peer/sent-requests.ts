import type { SchedulerLike } from 'rxjs';
import type { RequestId } from '../codec/messages.js';
import { ChurnMap } from '../manager/churn-map.js';
import { Recent } from '../manager/recent.js';
import { RequestKey } from '../manager/request-key.js';
import { Deadlines } from './deadlines.js';
import type { Era } from './era.js';
import type { EventSink } from './events.js';
import { Outbox, type QueuedRequest } from './outbox.js';
import { LISTENING, totalOf, type Pending } from './pending.js';
import type { RequestMetaHook } from './request-meta.js';

/** Why we gave a request up, told of a response that comes after: cancelled, or timed out. */
export type LateWhy = 'cancelled' | 'timeout';

/** Which of a sent request's two timers fired: the idle timeout, or `maxTotalTimeoutMs`. */
export type TimeoutKind = 'idle' | 'total';

/** What a sending half needs: its connection's scope, clock, bounds and events, and its hooks. */
export interface SendingInit {
  readonly sessionId: string | undefined;
  readonly scheduler: SchedulerLike;
  readonly timeoutMs: number;
  readonly maxPending: number;
  readonly events: EventSink;
  /** The connection's protocol era, shared with its serving half. */
  readonly era: Era;
  /** As a 2026-07-28 client: the `_meta` members every request carries (its version, capabilities). */
  readonly clientMeta?: Readonly<Record<string, unknown>>;
  /** How many ended ids to remember, to tell a late response from an unknown one. */
  readonly rememberEnded?: number;
  /** Contributes `_meta` members to each request, after its `request-sent` event (PeerOptions.requestMeta). */
  readonly requestMeta?: RequestMetaHook;
}

/**
 * The requests a sending half has in flight, by id, and what every way of ending one goes
 * through: `take` when its answer came, `forget` when we give it up; both release its timers
 * and its abort listener, so nothing of an ended request is left behind.
 */
export class SentRequests {
  /** Sent (or waiting in the outbox) and not yet ended. */
  readonly pending = new ChurnMap<RequestId, Pending>();
  /** Ids given up on (cancelled, timed out), to tell a late response from an unknown one. */
  readonly ended: Recent<RequestId, LateWhy>;
  /** Where requests and notifications are written. */
  readonly outbox: Outbox;
  private readonly idle: Deadlines<Pending>;
  private readonly total: Deadlines<Pending>;
  private nextId = 0;

  constructor(
    readonly init: SendingInit,
    /** Hands a request waiting in the outbox to the connection, once it is up. */
    flush: (q: QueuedRequest) => void,
    /** A timer of `p` fired. */
    expired: (p: Pending, ms: number, kind: TimeoutKind) => void,
  ) {
    this.ended = new Recent(init.rememberEnded ?? 1000);
    this.outbox = new Outbox((p) => this.isPending(p), flush);
    this.idle = new Deadlines(init.scheduler, (p, ms) => expired(p, ms, 'idle'));
    this.total = new Deadlines(init.scheduler, (p, ms) => expired(p, ms, 'total'));
  }

  /**
   * A new request id. Ids count up from 0 (so id 0, which the official SDK's D1 cannot cancel,
   * is exercised by every first request).
   */
  newId(): number {
    return this.nextId++;
  }

  /** Whether `p` is still pending: a listener or an in-memory peer may have ended it meanwhile. */
  isPending(p: Pending): boolean {
    return this.pending.get(p.id) === p;
  }

  /** The key of request `id` in this connection's scope, for its events. */
  key(id: RequestId): RequestKey {
    return RequestKey.of(id, this.init.sessionId);
  }

  /** The pending request `id`, no longer pending: its timers and listener released. */
  take(id: RequestId): Pending | undefined {
    const p = this.pending.get(id);
    if (p === undefined) return undefined;
    this.pending.delete(id);
    this.release(p);
    return p;
  }

  /** `p`, no longer pending: its timers and listener released. */
  forget(p: Pending): void {
    this.pending.delete(p.id);
    this.release(p);
  }

  /** Start the timers of `p`, pending now. */
  arm(p: Pending): void {
    if (p.idleMs !== undefined) this.idle.arm(p, p.idleMs);
    const total = totalOf(p);
    // docs/protocol.md D5: a real timer, not a check on progress; no reset moves it
    if (total !== undefined) this.total.arm(p, total);
  }

  /** Progress came for `p` (asking for `resetTimeoutOnProgress`): its idle timeout starts again. */
  rearmIdle(p: Pending): void {
    if (p.idleMs !== undefined) this.idle.arm(p, p.idleMs);
  }

  /** Disarm the timers and remove the abort listener of a request that ended. */
  private release(p: Pending): void {
    if (p.idleMs !== undefined) this.idle.disarm(p, p.idleMs);
    const total = totalOf(p);
    if (total !== undefined) this.total.disarm(p, total);
    if ((p.flags & LISTENING) !== 0) {
      // docs/protocol.md D2: the official SDK never removes it; a later abort must send nothing
      p.options.signal?.removeEventListener('abort', p);
      p.flags &= ~LISTENING;
    }
  }
}
