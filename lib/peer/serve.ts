import { Observable, Subject, asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { classifyMessage } from '../codec/decode.js';
import { WireFault } from '../codec/wire-fault.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import type { Handler } from '../handler/run-request.js';
import { CancellationManager } from '../manager/cancellation-manager.js';
import { CancellationSecurity, type SecurityOptions } from '../security/cancellation-security.js';
import type { PeerEvent, PeerEventInit } from './events.js';
import { DEFAULT_MAX_IN_FLIGHT, Server, anonymousScope } from './server.js';
import { monotonicNow } from './clock.js';
import { countOption } from './options.js';
import { DEFAULT_MAX_BATCH_SIZE, eachMessage } from './batch.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  readonly sessionId?: string;
  readonly manager?: CancellationManager;
  readonly security?: SecurityOptions | CancellationSecurity;
  readonly notifications?: Readonly<Record<string, (params: unknown) => void>>;
  readonly maxInFlight?: number;
  /** Most elements of one JSON-RPC batch; a larger batch gets one -32600 (`id: null`). Default 64. */
  readonly maxBatchSize?: number;
  readonly scheduler?: SchedulerLike;
  /** Where lifecycle and audit events go (a Subject, say). */
  readonly events?: Subject<PeerEvent> | ((e: PeerEvent) => void);
}

/**
 * The serving half alone: `incoming$.pipe(serve(handlers))` is the stream of responses and
 * progress notifications to write back. It holds nothing until subscribed, and each
 * subscription is one connection: its own requests, cancelled when the source ends or the
 * subscription is unsubscribed.
 *
 * @example
 * stdinMessages$.pipe(serve({ 'tools/call': callTool })).subscribe((m) => writeLine(m));
 */
export const serve =
  (handlers: Readonly<Record<string, Handler>>, options: ServeOptions = {}): OperatorFunction<unknown, JsonRpcMessage> =>
  (source) => {
    // configuration is checked when the operator is applied, not per connection
    const maxInFlight = countOption('maxInFlight', options.maxInFlight, DEFAULT_MAX_IN_FLIGHT);
    const maxBatchSize = countOption('maxBatchSize', options.maxBatchSize, DEFAULT_MAX_BATCH_SIZE);
    return new Observable<JsonRpcMessage>((destination) => {
      const scheduler = options.scheduler ?? asyncScheduler;
      const sink = options.events;
      const emit = sink === undefined ? undefined : typeof sink === 'function' ? sink : (e: PeerEvent) => sink.next(e);
      const scope = anonymousScope('serve');
      const sessionId = options.sessionId ?? (options.manager !== undefined ? scope : undefined);
      const server = new Server({
        handlers,
        notifications: options.notifications ?? {},
        sessionId,
        sender: sessionId ?? scope,
        manager: options.manager ?? new CancellationManager(),
        security: CancellationSecurity.from(options.security),
        maxInFlight,
        // rate windows on a monotonic clock: a wall-clock step back must not throttle a sender for an hour
      now: monotonicNow(scheduler),
        scheduler,
        send: (m) => destination.next(m),
        events: {
          enabled: () => emit !== undefined,
          emit: (e: PeerEventInit) => emit?.({ ...e, at: scheduler.now() } as PeerEvent),
        },
      });
      const subscription = source.subscribe({
        next: (u) => eachMessage(u, (m) => (WireFault.is(m) ? server.fault(m) : server.receive(classifyMessage(m))), maxBatchSize),
        // the connection closed: stop every request, then end (never an error: input cannot break the stream)
        error: () => {
          server.close();
          destination.complete();
        },
        complete: () => {
          server.close();
          destination.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        server.close();
      };
    });
  };
