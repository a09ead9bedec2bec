import * as E from 'fp-ts/lib/Either.js';
import { asyncScheduler, type Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { CANCELLED } from '../codec/cancelled.js';
import { classifyMessage } from '../codec/decode.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import { PROGRESS } from '../codec/progress.js';
import { FailedSend, WireFault } from './wire-fault.js';
import { CancellationError, CancellationErrorResult } from '../errors.js';
import type { Handler } from '../handler/run-request.js';
import { CancellationManager } from '../manager/cancellation-manager.js';
import { CancellationSecurity, type SecurityOptions } from '../security/cancellation-security.js';
import { DEFAULT_MAX_BATCH_SIZE, eachMessage } from './batch.js';
import { monotonicNow } from './clock.js';
import type { EventSink } from './events.js';
import { countOption } from './options.js';
import type { SendingHalf } from './sending.js';
import { DEFAULT_MAX_IN_FLIGHT, ServingHalf } from './serving.js';

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
  readonly manager: CancellationManager;
  readonly security: CancellationSecurity;
  readonly maxInFlight: number;
  readonly maxBatchSize: number;
  readonly scheduler: SchedulerLike;
}

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
    manager: options.manager ?? new CancellationManager(),
    security: CancellationSecurity.from(options.security),
    ...limits,
    scheduler: options.scheduler ?? asyncScheduler,
  };
};

/** A connection being served: its serving half, and the one way to end it. */
export interface OpenConnection {
  readonly server: ServingHalf;
  /** Unsubscribe the source and close (idempotent). */
  readonly teardown: () => void;
}

/**
 * One connection: the single dispatch of everything that comes in, and its one lifecycle.
 * `serve` opens it without a sending half, `createPeer` with one; nothing else wires a connection.
 *
 * Every value from `source` enters at `dispatch`, a four-way branch as in vscode-jsonrpc's
 * `handleMessage`: a transport's fault, an invalid value, a request, a notification (the cancel,
 * progress, others), a response. The source ending, failing or being unsubscribed is the close:
 * every request in flight both ways is cancelled (`source: 'close'`, cleanups run once), pending
 * `request()`s error with ConnectionClosedError, one `connection-closed` event says how, and
 * `destination` completes (input can never error the output stream).
 *
 * @example
 * new Observable<JsonRpcMessage>((destination) => openConnection(source$, connectionConfig('serve', options), events, destination).teardown);
 */
export const openConnection = (
  source: Observable<unknown>,
  config: ConnectionConfig,
  events: EventSink,
  destination: Subscriber<JsonRpcMessage>,
  sending?: SendingHalf,
): OpenConnection => {
  const send = (m: JsonRpcMessage): void => destination.next(m);
  const server = new ServingHalf({ ...config, now: monotonicNow(config.scheduler), send, events });
  sending?.attach(send);
  let state: 'open' | 'closed' = 'open';

  const close = (error?: unknown): void => {
    if (state === 'closed') return;
    state = 'closed';
    server.close();
    sending?.close();
    if (events.enabled())
      events.emit(error === undefined ? { type: 'connection-closed' }
        : { type: 'connection-closed', error: CancellationErrorResult.fromThrown(CancellationError.TRANSPORT_ERROR, error) });
  };

  const dispatch = (u: unknown): void => {
    if (state === 'closed') return;
    if (WireFault.is(u)) {
      // a write of one of our requests failed: that request errors now, not at its timeout
      const failed = FailedSend.requestId(u);
      if (failed !== undefined) sending?.writeFailed(failed, u.details ?? new Error(u.message));
      return server.fault(u);
    }
    const d = classifyMessage(u);
    if (E.isLeft(d)) {
      const e = d.left;
      // a bad answer to one of our requests ends it now (not at its timeout, with a cancel for
      // a request the peer already answered); one naming no pending request is only reported
      if (e.shape === 'response' && e.id !== null && sending?.invalidResponse(e.id, e.errors) === true) return;
      return server.reject(e);
    }
    const r = d.right;
    switch (r.kind) {
      case 'request':
        return server.request(r.message);
      case 'response':
      case 'error-response':
        // without a sending half nothing of ours is pending: a response has no one to go to
        return sending?.response(r.message);
      case 'notification':
        if (r.message.method === CANCELLED) return server.cancel({ kind: 'params', params: r.message.params });
        // progress for a request of ours; progress the sending half cannot read goes to the
        // notification handlers like any other notification
        if (r.message.method === PROGRESS && sending?.progress(r.message) === true) return;
        return server.notification(r.message.method, r.message.params);
    }
  };

  const subscription: Subscription = source.subscribe({
    next: (u) => eachMessage(u, dispatch, config.maxBatchSize),
    error: (e: unknown) => {
      close(e);
      destination.complete();
    },
    complete: () => {
      close();
      destination.complete();
    },
  });
  return {
    server,
    teardown: () => {
      subscription.unsubscribe();
      close();
    },
  };
};
