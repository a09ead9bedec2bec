import type { Observable } from 'rxjs';
import type { CancelReason, RequestKey } from './request-key.js';

/**
 * One cancellation travelling between instances.
 *
 * @example
 * bus.cancellations$.subscribe(({ key, reason }: BusCancellation) => log.info(`${RequestKey.toString(key)} cancelled elsewhere (${reason.source})`));
 */
export interface BusCancellation {
  readonly key: RequestKey;
  readonly reason: CancelReason;
}

/**
 * Carries cancellations between the managers of several processes, so that a cancel received by
 * one instance stops a request running on another. Keys stay scoped by session.
 *
 * A durable bus (`redisBus`) also implements the two optional hooks: `registered`, so that a
 * cancel that reached the bus before its request was registered here still wins, and `bind`,
 * so that after an outage it can check every key in flight here against what it missed.
 *
 * @example
 * // the managers of one process (workers sharing a Subject), each with a bus of its own
 * const wire$ = new Subject<BusCancellation>();
 * const busOf = (): CancellationBus => ({ publish: (key, reason) => wire$.next({ key, reason }), cancellations$: wire$ });
 * const a = new CancellationManager({ bus: busOf() });
 * const b = new CancellationManager({ bus: busOf() });
 */
export interface CancellationBus {
  publish(key: RequestKey, reason: CancelReason): void;
  readonly cancellations$: Observable<BusCancellation>;
  /** A request was registered here: a cancel recorded for it before is delivered now. */
  registered?(key: RequestKey): void;
  /** The manager hands over how to list its keys in flight (called once, at construction). */
  bind?(inFlight: () => RequestKey[]): void;
  /** A cancel from the bus stopped a request here: a durable bus forgets its record. */
  applied?(key: RequestKey): void;
}
