import { Observable, type Subscriber, type Subscription } from 'rxjs';
import type { RequestId } from '../codec/messages.js';
import type { CancellationBus } from './bus.js';
import { CancelReason, RequestKey } from './request-key.js';

/** What `cancel` did: the first three leave the registry unchanged. */
export type CancelResult = 'cancelled' | 'already-cancelled' | 'finished' | 'unknown';

/** Options of {@link CancellationManager}. */
export interface CancellationManagerOptions {
  /**
   * How many ended keys to remember, so that a late cancel is reported as `finished` rather than
   * `unknown`. The memory is a ring: it never grows with traffic. Default 1,000.
   */
  readonly rememberFinished?: number;
  /** Carries cancellations to and from other instances. Default: none (in-process only). */
  readonly bus?: CancellationBus;
}

type Observer = Subscriber<CancelReason>;

// One request's entry. Its observers are usually one (the request's own takeUntil), so the first
// lives in a field and only a second makes an array: an empty `[]` that is pushed to grows a
// backing store of 17 slots, about 150 bytes per request in flight.
class Entry {
  reason: CancelReason | undefined = undefined;
  first: Observer | undefined = undefined;
  more: Observer[] | undefined = undefined;
  constructor(readonly key: RequestKey) {}

  add(o: Observer): void {
    if (this.first === undefined || this.first.closed) this.first = o;
    else {
      // observers that unsubscribed are dropped here, not in a teardown closure per subscriber
      this.more = this.more === undefined ? [o] : [...this.more.filter((x) => !x.closed), o];
    }
  }

  /** Take the observers out, so each is told once. */
  drain(): Observer[] {
    const all = this.first === undefined ? [] : [this.first];
    if (this.more !== undefined) all.push(...this.more);
    this.first = undefined;
    this.more = undefined;
    return all;
  }
}

/**
 * The registry of requests in flight, keyed by `(sessionId, requestId)`.
 *
 * Routing a cancel is two `Map` lookups whatever the number in flight, and an entry is deleted
 * by `complete` the moment its request ends: nothing per request outlives it but a bounded
 * memory of recently ended keys. `cancelled(key)` is an ordinary Observable, so any stream can
 * be made cancellable from the wire:
 *
 * @example
 * const manager = new CancellationManager();
 * manager.register(key);
 * work$.pipe(takeUntil(manager.cancelled(key)), finalize(() => manager.complete(key))).subscribe();
 * manager.cancel(key, 'user pressed stop'); // work$ is unsubscribed
 */
export class CancellationManager {
  // session -> id -> entry. Nested maps keep 1 and '1' apart with no string building on the hot path.
  private readonly sessions = new Map<string | undefined, Map<RequestId, Entry>>();
  private readonly finished: Array<RequestKey | undefined>;
  private finishedNext = 0;
  private count = 0;
  private readonly bus: CancellationBus | undefined;
  private readonly busSubscription: Subscription | undefined;

  constructor(options: CancellationManagerOptions = {}) {
    this.finished = new Array<RequestKey | undefined>(Math.max(0, Math.floor(options.rememberFinished ?? 1000)));
    this.bus = options.bus;
    // a cancel published by another instance acts here like a local one; never re-published
    this.busSubscription = options.bus?.cancellations$.subscribe({
      next: ({ key, reason }) => void this.cancelLocal(key, reason),
      error: () => undefined,
    });
  }

  /** How many requests are registered now. */
  get size(): number {
    return this.count;
  }

  /**
   * Register a request in flight. Returns `false`, and changes nothing, when the key is in
   * flight already (a duplicate id: the caller must not run it).
   */
  register(key: RequestKey): boolean {
    let ids = this.sessions.get(key.sessionId);
    if (ids === undefined) {
      ids = new Map();
      this.sessions.set(key.sessionId, ids);
    } else if (ids.has(key.requestId)) {
      return false;
    }
    ids.set(key.requestId, new Entry(key));
    this.count++;
    return true;
  }

  /** Whether the key is in flight. */
  has(key: RequestKey): boolean {
    return this.entry(key) !== undefined;
  }

  /** Whether the key is in flight and was cancelled (its teardown has not yet completed it). */
  isCancelled(key: RequestKey): boolean {
    return this.entry(key)?.reason !== undefined;
  }

  /** The reason the key was cancelled with, while it is in flight; `undefined` otherwise. */
  reasonOf(key: RequestKey): CancelReason | undefined {
    return this.entry(key)?.reason;
  }

  /**
   * Emits the reason once when the key is cancelled, then completes; completes without a value
   * when the request ends otherwise, or at once when the key is not in flight. Subscribed after
   * the cancel, it still emits (vscode-jsonrpc's late listener), so
   * `takeUntil(manager.cancelled(key))` stops work that had not yet started.
   */
  cancelled(key: RequestKey): Observable<CancelReason> {
    return new Observable<CancelReason>((subscriber) => {
      const entry = this.entry(key);
      if (entry === undefined) {
        subscriber.complete();
        return;
      }
      if (entry.reason !== undefined) {
        subscriber.next(entry.reason);
        subscriber.complete();
        return;
      }
      // no teardown: an unsubscribed observer ignores what it is told, and goes with its entry
      // (the request's end), or sooner when a later observer takes its place
      entry.add(subscriber);
    });
  }

  /**
   * Cancel a request in flight. A second cancel, a cancel for an ended key, or one for a key
   * never seen changes nothing, and the result says which. A plain string reason is a
   * cancellation from the peer. With a bus, a key not in flight here is published to the
   * other instances.
   */
  cancel(key: RequestKey, reason?: string | CancelReason): CancelResult {
    const why = typeof reason === 'object' ? reason : CancelReason.of('peer', reason);
    const result = this.cancelLocal(key, why);
    if (result === 'unknown' && this.bus !== undefined) this.bus.publish(key, why);
    return result;
  }

  /**
   * The request ended (result, error or cancel): delete its entry and complete its
   * `cancelled` observers without a value. Returns `false` if it was not in flight.
   */
  complete(key: RequestKey): boolean {
    const ids = this.sessions.get(key.sessionId);
    const entry = ids?.get(key.requestId);
    if (ids === undefined || entry === undefined) return false;
    ids.delete(key.requestId);
    if (ids.size === 0) this.sessions.delete(key.sessionId);
    this.count--;
    this.remember(key);
    for (const o of entry.drain()) o.complete();
    return true;
  }

  /**
   * Whether the key ended recently (within the `rememberFinished` memory). A scan of the ring:
   * it only runs for a cancel that is ignored anyway, so the hot path (`complete`) stays one store.
   */
  wasFinished(key: RequestKey): boolean {
    for (const k of this.finished) if (k !== undefined && RequestKey.equals(k, key)) return true;
    return false;
  }

  /** Stop listening to the bus. The registry itself needs no disposal. */
  dispose(): void {
    this.busSubscription?.unsubscribe();
  }

  private entry(key: RequestKey): Entry | undefined {
    return this.sessions.get(key.sessionId)?.get(key.requestId);
  }

  private cancelLocal(key: RequestKey, reason: CancelReason): CancelResult {
    const entry = this.entry(key);
    if (entry === undefined) return this.wasFinished(key) ? 'finished' : 'unknown';
    if (entry.reason !== undefined) return 'already-cancelled';
    entry.reason = reason;
    for (const o of entry.drain()) {
      o.next(reason);
      o.complete();
    }
    return 'cancelled';
  }

  private remember(key: RequestKey): void {
    const size = this.finished.length;
    if (size === 0) return;
    this.finished[this.finishedNext] = key;
    this.finishedNext = (this.finishedNext + 1) % size;
  }
}
