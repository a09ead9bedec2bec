import type { CancellationBus } from './bus.js';

/**
 * What `cancel` did: only `cancelled` changes the registry. `elsewhere`: the id is in flight in
 * another session of this manager, and not in the key's own (a sender aiming at another
 * tenant's request: the caller should report it as not allowed, and tell the sender nothing).
 * `forwarded`: the key was not known here and went to the other instances over the bus (where
 * it may be in flight).
 *
 * @example
 * const result: CancelResult = manager.cancel(key, 'user pressed stop');
 * if (result === 'elsewhere') audit.warn('a cancel aimed at another session', key);
 * new CancellationManager().cancel({ requestId: 7 }); // 'unknown'
 */
export type CancelResult = 'cancelled' | 'already-cancelled' | 'finished' | 'unknown' | 'elsewhere' | 'forwarded';

/**
 * Options of one {@link CancellationManager.cancel}.
 *
 * @example
 * // a connection's own random scope: no other instance can hold the key, so no bus message
 * const local: CancelOptions = { forward: false };
 * manager.cancel(key, CancelReason.of('close'), local);
 */
export interface CancelOptions {
  /**
   * Whether a key not in flight here goes to the other instances over the bus. Default `true`.
   * `false` for a key whose scope no other instance can hold (a connection's own random scope):
   * forwarding it could stop nothing and would only cost the bus a record and a publish.
   */
  readonly forward?: boolean;
}

/**
 * Options of {@link CancellationManager}.
 *
 * @example
 * const options: CancellationManagerOptions = { rememberFinished: 10_000, bus: redisBus({ publisher, subscriber, secret }) };
 * const manager = new CancellationManager(options);
 */
export interface CancellationManagerOptions {
  /**
   * How many ended keys to remember per session, so that a late cancel is reported as
   * `finished` rather than `unknown`. Oldest forgotten first: it never grows with traffic, and
   * one session cannot push another's memory out. Default 1,000.
   */
  readonly rememberFinished?: number;
  /**
   * How many ended keys to remember across all sessions together: past it the oldest-seen
   * session's oldest keys go first. Default 100,000.
   */
  readonly rememberFinishedTotal?: number;
  /** Carries cancellations to and from other instances. Default: none (in-process only). */
  readonly bus?: CancellationBus;
}
