import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { CancelReason } from '../manager/request-key.js';

/**
 * An object told of the cancel: lets a request's own state be the listener, with no closure.
 *
 * @example
 * // a request's own state is told of the cancel: no closure per request
 * class Job implements CancelListener {
 *   cancelledBy: CancelReason['source'] | undefined;
 *   cancel(reason: CancelReason): void {
 *     this.cancelledBy = reason.source;
 *   }
 * }
 * work$.pipe(untilCancelled(manager.cancelled(key), new Job())).subscribe();
 */
export interface CancelListener {
  cancel(reason: CancelReason): void;
}

/**
 * `takeUntil(cancelled$)` that also says why: the stream completes when `cancelled$` emits, and
 * `onCancel` is given the reason first. The race of completion and cancellation is then settled
 * by the chain itself: the observer at its end sees `complete` either from the source (a
 * result) or from the cancel, and knows which from whether `onCancel` ran, instead of asking a
 * registry afterwards.
 *
 * As RxJS's `takeUntil` does, it subscribes to `cancelled$` first, and to the source only if
 * that did not already end it: a cancel that came before the start means the work never starts.
 *
 * @example
 * let reason: CancelReason | undefined;
 * work$.pipe(untilCancelled(manager.cancelled(key), (r) => (reason = r))).subscribe({
 *   complete: () => (reason === undefined ? reply(result) : log('cancelled', reason)),
 * });
 */
export const untilCancelled =
  <T>(cancelled$: Observable<CancelReason>, onCancel: ((reason: CancelReason) => void) | CancelListener): MonoTypeOperatorFunction<T> =>
  (source) =>
    new Observable<T>((subscriber) => {
      // the notifier first: a cancel that came before means no start
      const notifier = cancelled$.subscribe((reason) => {
        if (typeof onCancel === 'function') onCancel(reason);
        else onCancel.cancel(reason);
        subscriber.complete();
      });
      // a Subscriber given to subscribe() is used as it is: no wrapper per request
      if (!subscriber.closed) source.subscribe(subscriber);
      return notifier;
    });
