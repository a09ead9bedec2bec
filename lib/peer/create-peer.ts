import * as E from 'fp-ts/lib/Either.js';
import { Observable, Subject, asyncScheduler, type SchedulerLike } from 'rxjs';
import { classifyMessage } from '../codec/decode.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import { PROGRESS } from '../codec/progress.js';
import { DEFAULT_MAX_BATCH_SIZE, eachMessage } from './batch.js';
import { WireFault } from '../codec/wire-fault.js';
import { CancellationError, CancellationErrorResult } from '../errors.js';
import type { Handler } from '../handler/run-request.js';
import { CancellationManager } from '../manager/cancellation-manager.js';
import { CancellationSecurity, type SecurityOptions } from '../security/cancellation-security.js';
import type { EventSink, PeerEvent, PeerEventInit } from './events.js';
import { DEFAULT_MAX_PENDING, DEFAULT_TIMEOUT_MS, FailedSend, Sender, type RequestOptions } from './sender.js';
import { DEFAULT_MAX_IN_FLIGHT, Server, anonymousScope } from './server.js';
import { monotonicNow } from './clock.js';
import { countOption } from './options.js';

/** Options of {@link createPeer}. */
export interface PeerOptions {
  /** Request handlers by method. Unknown methods get -32601. */
  readonly handlers?: Readonly<Record<string, Handler>>;
  /** Incoming notifications by method; others are ignored. */
  readonly notifications?: Readonly<Record<string, (params: unknown) => void>>;
  /** The owner scope of this peer's cancellation keys. */
  readonly sessionId?: string;
  /** Share one registry across peers or sessions. A peer given one and no `sessionId` gets a unique one. */
  readonly manager?: CancellationManager;
  readonly security?: SecurityOptions | CancellationSecurity;
  /** Default idle timeout of `request()`. Default 60,000 ms, as the official SDK. A positive number or `Infinity`: else createPeer throws a TypeError. */
  readonly timeoutMs?: number;
  /** Requests served at once; over it a request gets an error response at once. Default 1,000. */
  readonly maxInFlight?: number;
  /** Most elements of one JSON-RPC batch; a larger batch gets one -32600 (`id: null`). Default 64. */
  readonly maxBatchSize?: number;
  /** Requests sent and not yet answered; over it `request()` errors at once. Default 10,000. */
  readonly maxPendingRequests?: number;
  /** Time source for timeouts and event stamps (TestScheduler, virtual time). */
  readonly scheduler?: SchedulerLike;
}

/** A peer: one stream transform, serving and sending. */
export interface Peer {
  /** Subscribe once; write each value to the transport. Nothing runs before. */
  readonly outgoing$: Observable<JsonRpcMessage>;
  /** Typed lifecycle and audit events. Hot: subscribe before `outgoing$` to see them all. */
  readonly events$: Observable<PeerEvent>;
  /** Cold: subscribing sends; unsubscribing before the response sends one `notifications/cancelled`. */
  request<R = unknown>(method: string, params?: object, options?: RequestOptions): Observable<R>;
  /** Send a notification. */
  notify(method: string, params?: object): void;
  /** Live entries, per direction; 0 when idle. */
  inFlight(): { serving: number; sending: number };
}

/**
 * Create a peer over an Observable of incoming JSON values.
 *
 * @example
 * const peer = createPeer(incoming$, {
 *   handlers: { 'tools/call': (params, ctx) => longJob(params, ctx.signal) },
 * });
 * peer.outgoing$.subscribe((m) => transport.send(m));
 * peer.request('ping', {}, { timeoutMs: 5_000 }).subscribe(console.log);
 */
export function createPeer(incoming$: Observable<unknown>, options: PeerOptions = {}): Peer {
  const scheduler = options.scheduler ?? asyncScheduler;
  const maxBatchSize = countOption('maxBatchSize', options.maxBatchSize, DEFAULT_MAX_BATCH_SIZE);
  const maxInFlight = countOption('maxInFlight', options.maxInFlight, DEFAULT_MAX_IN_FLIGHT);
  const maxPending = countOption('maxPendingRequests', options.maxPendingRequests, DEFAULT_MAX_PENDING);
  // a shared registry needs disjoint keys: a peer without a session gets one of its own, unique
  // across processes too (a counter is not: two instances sharing a bus would both have a
  // `peer-1`, and a cancel one of them forwards would stop the other's request of another tenant)
  const scope = anonymousScope('peer');
  const sessionId = options.sessionId ?? (options.manager !== undefined ? scope : undefined);
  const sender = sessionId ?? scope;
  const manager = options.manager ?? new CancellationManager();
  const security = CancellationSecurity.from(options.security);
  const events$ = new Subject<PeerEvent>();
  const events: EventSink = {
    enabled: () => events$.observed,
    emit: (e: PeerEventInit) => events$.next({ ...e, at: scheduler.now() } as PeerEvent),
  };
  const sending = new Sender({
    sessionId,
    scheduler,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxPending,
    events,
  });
  let server: Server | undefined;
  let connected = false;

  const outgoing$ = new Observable<JsonRpcMessage>((destination) => {
    if (connected) {
      destination.error(new Error('outgoing$ is already subscribed: a peer has one connection at a time'));
      return undefined;
    }
    connected = true;
    const send = (m: JsonRpcMessage) => destination.next(m);
    const serving = new Server({
      handlers: options.handlers ?? {},
      notifications: options.notifications ?? {},
      sessionId,
      sender,
      manager,
      security,
      maxInFlight,
      // rate windows on a monotonic clock: a wall-clock step back must not throttle a sender for an hour
      now: monotonicNow(scheduler),
      scheduler,
      send,
      events,
    });
    server = serving;
    sending.attach(send);
    let open = true;
    const close = (error?: unknown) => {
      if (!open) return;
      open = false;
      serving.close();
      sending.close();
      if (events.enabled())
        events.emit(error === undefined ? { type: 'connection-closed' }
          : { type: 'connection-closed', error: CancellationErrorResult.fromThrown(CancellationError.TRANSPORT_ERROR, error) });
    };
    const route = (u: unknown): void => {
      // a transport's in-band report (bad line, transport error): the serving half answers it
      if (WireFault.is(u)) {
        // a write of one of our requests failed: that request errors now, not at its timeout
        const failed = FailedSend.requestId(u);
        if (failed !== undefined) sending.writeFailed(failed, u.details ?? new Error(u.message));
        return serving.fault(u);
      }
      const d = classifyMessage(u);
      if (E.isRight(d)) {
        const r = d.right;
        // responses and progress belong to the sending half; everything else to the serving half
        if (r.kind === 'response' || r.kind === 'error-response') return sending.response(r.message);
        if (r.kind === 'notification' && r.message.method === PROGRESS && sending.progress(r.message)) return;
      } else if (d.left.shape === 'response' && d.left.id !== null && sending.invalidResponse(d.left.id, d.left.errors)) {
        // a bad answer to one of our requests ends it now (not at its timeout, with a cancel for
        // a request the peer already answered); one naming no pending request is the server's to report
        return;
      }
      serving.receive(d);
    };
    const subscription = incoming$.subscribe({
      next: (u) => eachMessage(u, route, maxBatchSize),
      error: (e: unknown) => {
        close(e);
        destination.complete();
      },
      complete: () => {
        close();
        destination.complete();
      },
    });
    return () => {
      subscription.unsubscribe();
      close();
      connected = false;
    };
  });

  return {
    outgoing$,
    events$: events$.asObservable(),
    request: <R = unknown>(method: string, params?: object, o?: RequestOptions) => sending.request<R>(method, params, o),
    notify: (method: string, params?: object) => sending.notify(method, params),
    inFlight: () => ({ serving: server?.size ?? 0, sending: sending.size }),
  };
}
