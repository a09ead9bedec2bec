import { Observable, type Subscription } from 'rxjs';
import type { RequestId } from '../codec/messages.js';
import type { CancellationBus } from './bus.js';
import { ChurnMap } from './churn-map.js';
import type { CancelOptions, CancelResult, CancellationManagerOptions } from './manager-options.js';
import { Recent } from './recent.js';
import { CancelReason, RequestKey } from './request-key.js';

/**
 * What a request's entry tells of its cancel: a Subscriber of `cancelled(key)`, or an object of
 * the serving side's own (see {@link CancellationManager.watch}). Told once, and nothing once closed.
 */
export interface CancelWatcher {
  readonly closed: boolean;
  next(reason: CancelReason): void;
  complete(): void;
}

type Observer = CancelWatcher;

// One request's entry. Its observers are usually one (the request's own takeUntil), so the first
// lives in a field with no teardown (it goes with the entry); only a second makes a Set, whose
// members remove themselves when they unsubscribe: O(1) per subscribe and unsubscribe, whatever
// the number of observers (a handler may take `takeUntil(ctx.cancelled$)` per item of a list).
class Entry {
  reason: CancelReason | undefined = undefined;
  first: Observer | undefined = undefined;
  more: Set<Observer> | undefined = undefined;
  constructor(readonly key: RequestKey) {}

  /** Add an observer; returns its teardown when it needs one. */
  add(o: Observer): (() => void) | undefined {
    if (this.first === undefined || this.first.closed) {
      this.first = o;
      return undefined;
    }
    const more = (this.more ??= new Set());
    more.add(o);
    return () => void this.more?.delete(o);
  }

  /**
   * Take the observers out, so each is told once, then tell them: the reason and the end, or
   * only the end. No array per request: the usual entry has its one observer in `first`.
   */
  tell(reason: CancelReason | undefined): void {
    const { first, more } = this;
    this.first = undefined;
    this.more = undefined;
    if (first !== undefined) {
      if (reason !== undefined) first.next(reason);
      first.complete();
    }
    if (more === undefined) return;
    for (const o of more) {
      if (reason !== undefined) o.next(reason);
      o.complete();
    }
  }
}

// A reason as a bus delivers it, marked so. Written out rather than spread: a burst brings 1,000
// a message, and a spread builds each object key by key.
const viaBus = ({ source, reason, method }: CancelReason): CancelReason => {
  const r: CancelReason = reason === undefined ? { source, via: 'bus' } : { source, reason, via: 'bus' };
  return method === undefined ? r : { ...r, method };
};

// The entries of one id: usually one session has it, so the slot is the Entry itself; only when
// several sessions have the same id in flight (every client starts at 0) does it become a Map.
type Slot = Entry | Map<string | undefined, Entry>;

// The ended ids of one session, oldest first: the id itself while it is the only one (a session
// that finishes one request, as every 2026-07-28 POST does, builds no structure only to drop it
// at its close), a Recent from its second.
type Finished = RequestId | Recent<RequestId, true>;

const sizeOf = (f: Finished): number => (f instanceof Recent ? f.size : 1);
// 1 and '1' stay apart: a lone id is compared with ===
const holds = (f: Finished | undefined, id: RequestId): boolean => (f instanceof Recent ? f.has(id) : f === id);

/**
 * The registry of requests in flight, keyed by `(sessionId, requestId)`.
 *
 * Routing a cancel is one `Map` lookup (two when sessions share the id) whatever the number in flight, and an entry is deleted
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
  // id -> entry (or entries by session). Keyed by the id first: a cancel finds its own session's
  // entry and learns whether another session has the id, in one lookup; 1 and '1' stay apart.
  private readonly ids = new ChurnMap<RequestId, Slot>();
  private readonly finished = new ChurnMap<string | undefined, Finished>();
  private finishedCount = 0;
  private readonly rememberPerSession: number;
  private readonly rememberTotal: number;
  private count = 0;
  private readonly bus: CancellationBus | undefined;
  private readonly busSubscription: Subscription | undefined;

  constructor(options: CancellationManagerOptions = {}) {
    this.rememberPerSession = Math.max(0, Math.floor(options.rememberFinished ?? 1000));
    this.rememberTotal = Math.max(0, Math.floor(options.rememberFinishedTotal ?? 100_000));
    this.bus = options.bus;
    // a cancel published by another instance acts here like a local one; never re-published
    this.busSubscription = options.bus?.cancellations$.subscribe({
      next: ({ key, reason }) => {
        if (this.cancelLocal(key, viaBus(reason)) === 'cancelled') this.bus?.applied?.(key);
      },
      error: () => undefined,
    });
    // a durable bus reconciles what it missed against what is in flight here
    options.bus?.bind?.(() => this.inFlightKeys());
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
    const slot = this.ids.get(key.requestId);
    if (slot === undefined) this.ids.set(key.requestId, new Entry(key));
    else if (slot instanceof Entry) {
      if (slot.key.sessionId === key.sessionId) return false;
      this.ids.set(key.requestId, new Map([[slot.key.sessionId, slot], [key.sessionId, new Entry(key)]]));
    } else {
      if (slot.has(key.sessionId)) return false;
      slot.set(key.sessionId, new Entry(key));
    }
    this.count++;
    // a cancel that reached the bus before this request reached us still wins
    this.bus?.registered?.(key);
    return true;
  }

  /** Every key in flight now (O(n): for a bus reconciling after an outage, never per message). */
  inFlightKeys(): RequestKey[] {
    const keys: RequestKey[] = [];
    for (const slot of this.ids.values()) {
      if (slot instanceof Entry) keys.push(slot.key);
      else for (const e of slot.values()) keys.push(e.key);
    }
    return keys;
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
        return undefined;
      }
      if (entry.reason !== undefined) {
        subscriber.next(entry.reason);
        subscriber.complete();
        return undefined;
      }
      // the request's own observer needs no teardown: an unsubscribed observer ignores what it
      // is told, and goes with its entry (the request's end)
      return entry.add(subscriber);
    });
  }

  /**
   * @internal `cancelled(key).subscribe(watcher)` without the Observable and its Subscriber: for
   * the request's own run, which completes its key however it ends (so the entry, and the
   * watcher in it, go then). Told exactly as a subscriber would be, at once if it is cancelled
   * already or not in flight.
   */
  watch(key: RequestKey, watcher: CancelWatcher): void {
    const entry = this.entry(key);
    if (entry === undefined) return watcher.complete();
    if (entry.reason !== undefined) {
      watcher.next(entry.reason);
      return watcher.complete();
    }
    entry.add(watcher);
  }

  /**
   * Cancel a request in flight. A second cancel, a cancel for an ended key, or one for a key
   * never seen changes nothing, and the result says which. A plain string reason is a
   * cancellation from the peer. With a bus, a key not in flight here is published to the
   * other instances, unless `options.forward` is `false`.
   *
   * @example
   * manager.cancel({ sessionId: 's1', requestId: 7 }, 'user pressed stop'); // 'cancelled', or why not
   * manager.cancel(key, CancelReason.of('caller'), { forward: false }); // this instance only
   */
  cancel(key: RequestKey, reason?: string | CancelReason, options?: CancelOptions): CancelResult {
    const why = typeof reason === 'object' ? reason : CancelReason.of('peer', reason);
    const result = this.cancelLocal(key, why);
    // not in flight here in its own session: it may be on another instance
    if ((result === 'unknown' || result === 'elsewhere') && this.bus !== undefined && options?.forward !== false) {
      this.bus.publish(key, why);
      return result === 'unknown' ? 'forwarded' : result;
    }
    return result;
  }

  /**
   * The request ended (result, error or cancel): delete its entry and complete its
   * `cancelled` observers without a value. Returns `false` if it was not in flight.
   */
  complete(key: RequestKey): boolean {
    const slot = this.ids.get(key.requestId);
    let entry: Entry | undefined;
    if (slot instanceof Entry) {
      if (slot.key.sessionId !== key.sessionId) return false;
      entry = slot;
      this.ids.delete(key.requestId);
    } else {
      entry = slot?.get(key.sessionId);
      if (slot === undefined || entry === undefined) return false;
      slot.delete(key.sessionId);
      if (slot.size === 1) for (const only of slot.values()) this.ids.set(key.requestId, only);
    }
    this.count--;
    this.remember(key);
    entry.tell(undefined);
    return true;
  }

  /** Whether the key ended recently (within the `rememberFinished` memory of its session). O(1). */
  wasFinished(key: RequestKey): boolean {
    return holds(this.finished.get(key.sessionId), key.requestId);
  }

  /**
   * A session ended: forget the ids it finished (its requests still in flight stay). Nothing
   * can reach a session that ended, so its memory only takes room that the live sessions'
   * share (`rememberFinishedTotal`); a connection with a scope of its own forgets it when it
   * closes, as each 2026-07-28 POST does. O(1).
   *
   * @example
   * manager.forgetSession('s1'); // a late cancel naming a finished id of s1 is now 'unknown'
   */
  forgetSession(sessionId: string | undefined): void {
    const ids = this.finished.get(sessionId);
    if (ids === undefined) return;
    this.finishedCount -= sizeOf(ids);
    this.finished.delete(sessionId);
  }

  /** Whether the id is in flight in a session other than the key's own (and not in its own). O(1). */
  inFlightElsewhere(key: RequestKey): boolean {
    const slot = this.ids.get(key.requestId);
    if (slot === undefined) return false;
    return slot instanceof Entry ? slot.key.sessionId !== key.sessionId : !slot.has(key.sessionId);
  }

  /** Stop listening to the bus. The registry itself needs no disposal. */
  dispose(): void {
    this.busSubscription?.unsubscribe();
  }

  private entry(key: RequestKey): Entry | undefined {
    const slot = this.ids.get(key.requestId);
    if (slot instanceof Entry) return slot.key.sessionId === key.sessionId ? slot : undefined;
    return slot?.get(key.sessionId);
  }

  private cancelLocal(key: RequestKey, reason: CancelReason): CancelResult {
    const entry = this.entry(key);
    if (entry === undefined) return this.wasFinished(key) ? 'finished' : this.inFlightElsewhere(key) ? 'elsewhere' : 'unknown';
    if (entry.reason !== undefined) return 'already-cancelled';
    entry.reason = reason;
    entry.tell(reason);
    return 'cancelled';
  }

  private remember(key: RequestKey): void {
    if (this.rememberPerSession === 0 || this.rememberTotal === 0) return;
    const { sessionId, requestId } = key;
    const ids = this.finished.get(sessionId);
    if (ids === undefined) {
      this.finished.set(sessionId, requestId);
      this.finishedCount++;
    } else if (ids instanceof Recent) {
      // an id may come again (2026-07-28): it keeps its place, and is counted once
      const before = ids.size;
      ids.set(requestId, true);
      this.finishedCount += ids.size - before;
    } else if (ids !== requestId) {
      if (this.rememberPerSession === 1) this.finished.set(sessionId, requestId);
      else {
        // the session's second id: now it needs the structure
        const recent = new Recent<RequestId, true>(this.rememberPerSession);
        recent.set(ids, true);
        recent.set(requestId, true);
        this.finished.set(sessionId, recent);
        this.finishedCount++;
      }
    }
    // the total bound: the session seen first gives up its oldest key
    while (this.finishedCount > this.rememberTotal) {
      const oldest = this.finished.entries().next();
      if (oldest.done === true) break;
      const [oldestSession, first] = oldest.value;
      if (!(first instanceof Recent)) {
        this.finished.delete(oldestSession);
        this.finishedCount--;
        continue;
      }
      if (first.dropOldest()) this.finishedCount--;
      if (first.size === 0) this.finished.delete(oldestSession);
    }
  }
}
