/**
 * The core: a peer over any stream of JSON-RPC messages, the `serve` operator, the options of a
 * sent request, the errors a subscriber sees, the manager and handler for streams of your own,
 * and the events. Everything a world of its own needs (HTTP, stdio, the official SDK, Redis, the
 * MCP layer, the wire codecs, OpenTelemetry) is behind a subpath: `mcp-rx-cancel/http`,
 * `/stdio`, `/sdk`, `/redis`, `/mcp`, `/codecs`, `/open-telemetry`.
 *
 * @example
 * ```ts
 * import { createPeer } from 'mcp-rx-cancel';
 * import { Subject, firstValueFrom } from 'rxjs';
 *
 * const toServer = new Subject<unknown>();
 * const toClient = new Subject<unknown>();
 * const server = createPeer(toServer, { handlers: { ping: () => Promise.resolve({ pong: true }) } });
 * const client = createPeer(toClient);
 * server.outgoing$.subscribe((m) => toClient.next(m));
 * client.outgoing$.subscribe((m) => toServer.next(m));
 * await firstValueFrom(client.request('ping')); // { pong: true }
 * ```
 *
 * @module mcp-rx-cancel
 */

// a peer, and serving a stream you already have
export { createPeer, type Peer, type PeerOptions } from './peer/create-peer.js';
export { serve, type ServeOptions, type EventsSubject } from './peer/serve.js';
export { connect, type Connection, type ConnectTransport } from './transport/connect.js';
export type { WireTransport, WireSendOptions } from './transport/wire.js';
export { WireFault, FailedSend, type WireFaultKind } from './peer/wire-fault.js';
export type { PeerEvent, PeerEventType, CancelIgnoredWhy } from './peer/events.js';

// a sent request: its options and the errors its subscriber sees
export { DEFAULT_TIMEOUT_MS, DEFAULT_MAX_PENDING, DEFAULT_MAX_TOTAL_TIMEOUT_MS, type RequestOptions } from './peer/request-options.js';
export { DEFAULT_MAX_IN_FLIGHT } from './peer/options.js';
export { DEFAULT_MAX_BATCH_SIZE } from './peer/batch.js';
export type { OutgoingRequest, RequestMetaHook } from './peer/request-meta.js';
export { ErrorCodes, type ErrorCode } from './codec/error-codes.js';
export {
  CancellationError,
  CancellationErrorResult,
  JsonRpcError,
  RequestTimeoutError,
  RequestCancelledError,
  ConnectionClosedError,
  InvalidResponseError,
  RequestSendError,
  TiedRequestRefusedError,
  type TiedRequestRefusal,
} from './errors.js';

// a served request: its handler, its context, how it ends
export { runRequest, type Handler, type RunRequestInit } from './handler/run-request.js';
export type { RequestContext } from './handler/context.js';
export type { RequestOutcome } from './handler/outcome.js';
export type { ConnectionRef } from './handler/connection-ref.js';
export type { TiedSend } from './handler/tied-request.js';

// the manager and handler, for streams of your own
export { CancellationManager } from './manager/cancellation-manager.js';
export type { CancellationManagerOptions, CancelOptions, CancelResult } from './manager/manager-options.js';
export { RequestKey, CancelReason } from './manager/request-key.js';
export type { CancellationBus, BusCancellation } from './manager/bus.js';
export { RequestHandler, type HandleOptions } from './handler/request-handler.js';
export { untilCancelled, type CancelListener } from './handler/until-cancelled.js';
export { CancellationSecurity, SECURITY_DEFAULTS, type SecurityOptions, type Sender } from './security/cancellation-security.js';
export { decideCancel, type CancelDecision, type CancelFacts, type CancelInput } from './security/cancel-decision.js';
