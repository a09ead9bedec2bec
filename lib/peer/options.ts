import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Handler } from '../handler/run-request.js';
import { CancellationManager } from '../manager/cancellation-manager.js';
import { CancellationSecurity, type SecurityOptions } from '../security/cancellation-security.js';
import type { ProtocolEra } from '../codec/era.js';
import { DEFAULT_MAX_BATCH_SIZE } from './batch.js';

/**
 * The default for `maxInFlight`: requests served at once by one connection.
 *
 * @example
 * DEFAULT_MAX_IN_FLIGHT; // 1000
 * createPeer(incoming$, { handlers, maxInFlight: DEFAULT_MAX_IN_FLIGHT / 10 });
 */
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

/** A value's kind, for a TypeError: never the value itself (it may be large, or a secret). */
const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/**
 * A `handlers` or `notifications` map, checked: an object whose every own member is a function
 * (or `undefined`, which registers nothing). Configuration, not input: a bad one is a `TypeError`
 * naming the method, where the map is given (`createPeer`, `serve`, `streamableHttp`), rather
 * than a `-32603` on the wire with an internal name in it when the method is first called.
 *
 * @example
 * const handlers = callbackMap('handlers', options.handlers); // throws: handlers["a"] must be a function ...
 */
export const callbackMap = <F>(option: 'handlers' | 'notifications', map: Readonly<Record<string, F>> | undefined): Readonly<Record<string, F>> => {
  if (map === undefined) return {};
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    throw new TypeError(`${option} must be an object mapping each method to a function, got ${kindOf(map)}`);
  // own names, enumerable or not: what serving finds (it looks up own members only) is what is checked
  for (const method of Object.getOwnPropertyNames(map)) {
    const f: unknown = (map as Record<string, unknown>)[method];
    if (f !== undefined && typeof f !== 'function')
      throw new TypeError(`${option}[${JSON.stringify(method)}] must be a function (the ${option === 'handlers' ? 'request' : 'notification'} handler of method ${JSON.stringify(method)}), got ${kindOf(f)}`);
  }
  return map;
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

/** What is checked once, where the options are given: the bounds and the handler maps. */
export type CheckedOptions = Pick<ConnectionConfig, 'maxInFlight' | 'maxBatchSize' | 'handlers' | 'notifications'>;

/**
 * The options of a connection that are checked where they are given: a bad count or a handler
 * that is not a function is a TypeError (configuration, not input). The one place both
 * `createPeer` and `serve` check them.
 *
 * @example
 * const checked = checkedOptions(options); // at createPeer() or serve(), not per connection
 */
export const checkedOptions = (options: ConnectionOptions): CheckedOptions => ({
  maxInFlight: countOption('maxInFlight', options.maxInFlight, DEFAULT_MAX_IN_FLIGHT),
  maxBatchSize: countOption('maxBatchSize', options.maxBatchSize, DEFAULT_MAX_BATCH_SIZE),
  handlers: callbackMap('handlers', options.handlers),
  notifications: callbackMap('notifications', options.notifications),
});

/**
 * Resolve the options of one connection: its scope, registry and security. `checked` are the
 * bounds and handler maps, checked once where the options are given.
 */
export const connectionConfig = (
  kind: 'peer' | 'serve',
  options: ConnectionOptions,
  checked: CheckedOptions = checkedOptions(options),
): ConnectionConfig => {
  const scope = anonymousScope(kind);
  // a shared registry needs disjoint keys: a connection without a session gets one of its own
  const sessionId = options.sessionId ?? (options.manager !== undefined ? scope : undefined);
  // written out, not `...checked`: a spread followed by more members is a slow path of Node 20's
  // V8, and every 2026-07-28 POST is a connection
  return {
    sessionId,
    sender: sessionId ?? scope,
    forwards: options.sessionId !== undefined,
    manager: options.manager ?? new CancellationManager(),
    security: CancellationSecurity.from(options.security),
    maxInFlight: checked.maxInFlight,
    maxBatchSize: checked.maxBatchSize,
    handlers: checked.handlers,
    notifications: checked.notifications,
    scheduler: options.scheduler ?? asyncScheduler,
    era: eraOption(options.era),
  };
};

