import type { Subscriber } from 'rxjs';
import type { RequestId } from '../codec/messages.js';
import { DEFAULT_MAX_TOTAL_TIMEOUT_MS, type RequestOptions } from './request-options.js';

/** What a pending request reports to: the sending half that holds it. */
export interface PendingOwner {
  abandon(p: Pending): void;
  aborted(p: Pending): void;
}

// Pending.flags: a bit set rather than one field each, so a request in flight costs no more
/** Handed to the transport: it left the backlog, so ending it early needs a cancel on the wire. */
export const SENT = 1;
/** Its abort listener is on the caller's signal. */
export const LISTENING = 2;

// one object for every addEventListener: no options object per request
export const ONCE: AddEventListenerOptions = { once: true };



/**
 * One request sent and not yet answered. It is also the teardown of its `request()`
 * subscription and the abort listener of its signal (an object, not a closure per request).
 * Everything it holds is released by `release()`.
 */
export class Pending {
  flags = 0;
  constructor(
    readonly id: RequestId,
    readonly method: string,
    readonly subscriber: Subscriber<unknown>,
    readonly options: RequestOptions,
    private readonly owner: PendingOwner,
    /** The idle timeout in force, if any. */
    readonly idleMs: number | undefined,
    /** The served request it is tied to (`ctx.request`): it and its cancel travel with that one. */
    readonly related: RequestId | undefined = undefined,
  ) {}

  /** The subscriber unsubscribed: if still in flight, this is the caller's cancel. */
  unsubscribe(): void {
    this.owner.abandon(this);
  }

  /** The caller's signal aborted (EventListenerObject: the listener is this object). */
  handleEvent(): void {
    this.owner.aborted(this);
  }
}

/**
 * The hard deadline of `p`, if any: computed, not stored (one field less per request in flight).
 * Options are validated, so a number here is positive.
 */
export const totalOf = (p: Pending): number | undefined => {
  const total = p.options.maxTotalTimeoutMs;
  if (total !== undefined) return total === Infinity ? undefined : total;
  // MCP lifecycle: "SHOULD always enforce a maximum timeout, regardless of progress
  // notifications": with resets, progress alone could keep the request alive for ever; never
  // shorter than the idle timeout it caps
  return p.options.resetTimeoutOnProgress === true && p.idleMs !== undefined ? Math.max(DEFAULT_MAX_TOTAL_TIMEOUT_MS, p.idleMs) : undefined;
};
