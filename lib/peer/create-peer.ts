import { Observable, Subject, isObservable } from 'rxjs';
import { META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_PROTOCOL_VERSION, type ProtocolEra } from '../codec/era.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import { Era } from './era.js';
import { connectionConfig, openConnection, type ConnectionOptions } from './connection.js';
import type { EventSink, PeerEvent, PeerEventInit } from './events.js';
import { countOption } from './options.js';
import { DEFAULT_MAX_PENDING, DEFAULT_TIMEOUT_MS, type RequestOptions } from './request-options.js';
import { SendingHalf } from './sending.js';
import type { RequestMetaHook } from './request-meta.js';
import type { ServingHalf } from './serving.js';
import { extend } from '../codec/extend.js';

/**
 * Options of {@link createPeer}: those of a connection, and of its sending half.
 *
 * @example
 * const options: PeerOptions = { handlers, timeoutMs: 30_000, maxPendingRequests: 1_000, era: '2026-07-28', clientInfo: { name: 'app', version: '1.0.0' } };
 * const peer = createPeer(incoming$, options);
 */
export interface PeerOptions extends ConnectionOptions {
  /** Default idle timeout of `request()`. Default 60,000 ms, as the official SDK. A positive number or `Infinity`: else createPeer throws a TypeError. */
  readonly timeoutMs?: number;
  /** Requests sent and not yet answered; over it `request()` errors at once. Default 10,000. */
  readonly maxPendingRequests?: number;
  /** As a 2026-07-28 client (`era: '2026-07-28'`): the capabilities every request declares in `_meta`. Default `{}`. */
  readonly clientCapabilities?: Readonly<Record<string, unknown>>;
  /** As a 2026-07-28 client: the software every request names in `_meta` (`{ name, version }`). */
  readonly clientInfo?: { readonly name: string; readonly version: string };
  /**
   * Members to add to the `_meta` of each request this peer sends, e.g. the W3C trace context of
   * its span (`tracePropagation().requestMeta` from `mcp-rx-cancel/open-telemetry`). Called after
   * the request's `request-sent` event; the caller's own `_meta` members win. See {@link RequestMetaHook}.
   */
  readonly requestMeta?: RequestMetaHook;
}

/** The `_meta` members of every request a 2026-07-28 client sends (docs/protocol.md "Eras"). */
const clientMetaOf = (options: PeerOptions): Readonly<Record<string, unknown>> => ({
  [META_PROTOCOL_VERSION]: '2026-07-28',
  [META_CLIENT_CAPABILITIES]: options.clientCapabilities ?? {},
  ...(options.clientInfo === undefined ? {} : { [META_CLIENT_INFO]: options.clientInfo }),
});

/**
 * A peer: one stream transform, serving and sending.
 *
 * @example
 * const peer: Peer = createPeer(incoming$, { handlers });
 * peer.events$.subscribe((e) => log.info(e.type)); // before outgoing$: every event is seen
 * peer.outgoing$.subscribe((m) => transport.send(m));
 * peer.notify('notifications/initialized');
 * const { serving, sending } = peer.inFlight();
 */
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
  /**
   * The protocol era this peer keeps (docs/protocol.md "Eras"), once decided: the `era` option, or
   * what came first under `'auto'`; `undefined` until then. The same as the `era-decided` event,
   * for a caller that subscribed to `events$` too late to see it (`connect` starts at once).
   */
  era(): ProtocolEra | undefined;
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
  // the contract is an Observable: anything else (an array, a Promise, a Node stream) is the
  // caller's mistake, said now rather than as an error of outgoing$ at the first subscribe
  if (!isObservable(incoming$))
    throw new TypeError(`createPeer: incoming$ must be an Observable, got ${incoming$ === null ? 'null' : typeof incoming$} (wrap other sources with rxjs from())`);
  // one scope per peer (the sending half's keys are in it too), resolved and checked once
  const config = connectionConfig('peer', options);
  const { scheduler } = config;
  const events$ = new Subject<PeerEvent>();
  const events: EventSink = {
    enabled: () => events$.observed,
    emit: (e: PeerEventInit) => events$.next(extend(e, { at: scheduler.now() }) as PeerEvent),
  };
  // one era for both halves: what the peer sends (an initialize) and receives decide it together
  const era = new Era(config.era, events);
  const sending = new SendingHalf({
    era,
    ...(config.era === '2026-07-28' ? { clientMeta: clientMetaOf(options) } : {}),
    sessionId: config.sessionId,
    scheduler,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxPending: countOption('maxPendingRequests', options.maxPendingRequests, DEFAULT_MAX_PENDING),
    events,
    ...(options.requestMeta === undefined ? {} : { requestMeta: options.requestMeta }),
  });
  let server: ServingHalf | undefined;
  let connected = false;

  const outgoing$ = new Observable<JsonRpcMessage>((destination) => {
    if (connected) {
      destination.error(new Error('outgoing$ is already subscribed: a peer has one connection at a time'));
      return undefined;
    }
    connected = true;
    const connection = openConnection(incoming$, config, events, destination, sending, era);
    server = connection.server;
    return () => {
      connection.teardown();
      connected = false;
    };
  });

  return {
    outgoing$,
    events$: events$.asObservable(),
    request: <R = unknown>(method: string, params?: object, o?: RequestOptions) => sending.request<R>(method, params, o),
    notify: (method: string, params?: object) => sending.notify(method, params),
    inFlight: () => ({ serving: server?.size ?? 0, sending: sending.size }),
    era: () => era.decidedEra,
  };
}
