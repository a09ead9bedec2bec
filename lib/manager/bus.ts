import type { Observable } from 'rxjs';
import type { CancelReason, RequestKey } from './request-key.js';

/** One cancellation travelling between instances. */
export interface BusCancellation {
  readonly key: RequestKey;
  readonly reason: CancelReason;
}

/**
 * Carries cancellations between the managers of several processes, so that a cancel received by
 * one instance stops a request running on another. Keys stay scoped by session.
 */
export interface CancellationBus {
  publish(key: RequestKey, reason: CancelReason): void;
  readonly cancellations$: Observable<BusCancellation>;
}
