import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Handler } from '../handler/run-request.js';
import { CancellationManager } from '../manager/cancellation-manager.js';
import { CancellationSecurity, type SecurityOptions } from '../security/cancellation-security.js';
import type { ProtocolEra } from '../codec/era.js';
import { DEFAULT_MAX_BATCH_SIZE } from './batch.js';

/** The default for `maxInFlight`: requests served at once by one connection. */
export const DEFAULT_MAX_IN_FLIGHT = 1000;

/**
 * A count option (`maxInFlight`, `maxPendingRequests`, `maxBatchSize`): a non-negative integer,
 * or `Infinity` for no bound. Configuration, not input: a bad one is a `TypeError` at
 * construction (`NaN` used to disable a bound in silence: nothing is greater than NaN).
 *
 * @example
 * const maxInFlight = countOption('maxInFlight', options.maxInFlight, DEFAULT_MAX_IN_FLIGHT);
 */
export const countOption = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0))) return value;
  throw new TypeError(`${name} must be a non-negative integer or Infinity, got ${String(value)}`);
};

/** What `serve` and `createPeer` share: the options of one connection's serving half. */
export interface ConnectionOptions {
  /** Request handlers by method. Unknown methods get -32601. */
  readonly handlers?: Readonly<Record<string, Handler>>;
  /** Incoming notifications by method; others are ignored. */
  readonly notifications?: Readonly<Record<string, (params: unknown) => void>>;
  /** The owner scope of this connection's cancellation keys. */
  readonly sessionId?: string;
  /** Share one registry across peers or sessions. Given one and no `sessionId`, a connection gets a unique scope. */
  readonly manager?: CancellationManager;
  readonly security?: SecurityOptions | CancellationSecurity;
  /** Requests served at once; over it a request gets an error response at once. Default 1,000. */
  readonly maxInFlight?: number;
  /** Most elements of one JSON-RPC batch; a larger batch gets one -32600 (`id: null`). Default 64. */
  readonly maxBatchSize?: number;
  /** Time source for timeouts, rate windows and event stamps (TestScheduler, virtual time). */
  readonly scheduler?: SchedulerLike;
  /**
   * The protocol rules this connection keeps: `'2025-11-25'`, `'2026-07-28'`, or `'auto'` (the
   * default): decided by what comes first, an `initialize` request (2025) or a request naming its
   * version in `_meta` (2026). Until decided, the 2025 rules apply. See docs/protocol.md "Eras".
   */
  readonly era?: ProtocolEra | 'auto';
}

/**
 * The scope of a connection given no `sessionId`: a random UUID, so that no two share one, not
 * even in two processes that share a cancellation bus (a counter would give both instances'
 * first clients the same scope, and a cancel one forwards would stop the other's request).
 */
const anonymousScope = (kind: 'peer' | 'serve'): string => `${kind}-${globalThis.crypto.randomUUID()}`;

/** Options resolved once, checked at construction (a bad count is a TypeError: configuration, not input). */
export interface ConnectionConfig {
  readonly handlers: Readonly<Record<string, Handler>>;
  readonly notifications: Readonly<Record<string, (params: unknown) => void>>;
  readonly sessionId: string | undefined;
  /** The rate-limit and audit "who": the session, or the connection's own scope. */
  readonly sender: string;
  /**
   * Whether a cancel for a key not in flight here may go to other instances over the manager's
   * bus: only when the scope was given (`sessionId`), since only a given scope can be held by
   * another instance too. A random scope is this connection's alone: a cancel naming an id it
   * does not have could stop nothing anywhere, and forwarding it would let any peer without a
   * stable identity (a 2026-07-28 POST, say) write to the bus for free.
   */
  readonly forwards: boolean;
  readonly manager: CancellationManager;
  readonly security: CancellationSecurity;
  readonly maxInFlight: number;
  readonly maxBatchSize: number;
  readonly scheduler: SchedulerLike;
  readonly era: ProtocolEra | 'auto';
}

/** The `era` option, checked: configuration, so a value that names no era is a TypeError. */
const eraOption = (era: ConnectionOptions['era']): ProtocolEra | 'auto' => {
  if (era === undefined) return 'auto';
  if (era === 'auto' || era === '2025-11-25' || era === '2026-07-28') return era;
  throw new TypeError(`era must be '2025-11-25', '2026-07-28' or 'auto', got ${String(era)}`);
};

/** The bounds of a connection, checked: a bad count is a TypeError (configuration, not input). */
export const connectionLimits = (options: ConnectionOptions): Pick<ConnectionConfig, 'maxInFlight' | 'maxBatchSize'> => ({
  maxInFlight: countOption('maxInFlight', options.maxInFlight, DEFAULT_MAX_IN_FLIGHT),
  maxBatchSize: countOption('maxBatchSize', options.maxBatchSize, DEFAULT_MAX_BATCH_SIZE),
});

/**
 * Resolve the options of one connection: its scope, registry and security. `limits` are the
 * checked bounds, resolved once where the options are given.
 */
export const connectionConfig = (
  kind: 'peer' | 'serve',
  options: ConnectionOptions,
  limits: Pick<ConnectionConfig, 'maxInFlight' | 'maxBatchSize'> = connectionLimits(options),
): ConnectionConfig => {
  const scope = anonymousScope(kind);
  // a shared registry needs disjoint keys: a connection without a session gets one of its own
  const sessionId = options.sessionId ?? (options.manager !== undefined ? scope : undefined);
  return {
    handlers: options.handlers ?? {},
    notifications: options.notifications ?? {},
    sessionId,
    sender: sessionId ?? scope,
    forwards: options.sessionId !== undefined,
    manager: options.manager ?? new CancellationManager(),
    security: CancellationSecurity.from(options.security),
    ...limits,
    scheduler: options.scheduler ?? asyncScheduler,
    era: eraOption(options.era),
  };
};

