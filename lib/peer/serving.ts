import { CANCELLED } from '../codec/cancelled.js';
import type { ProtocolEra } from '../codec/era.js';
import type { DecodeError } from '../codec/decode.js';
import { ErrorCodes } from '../codec/error-codes.js';
import { RequestId, type JsonRpcErrorObject, type JsonRpcMessage, type JsonRpcRequest } from '../codec/messages.js';
import { RequestMeta, type ProgressToken } from '../codec/progress.js';
import type { WireFault } from './wire-fault.js';
import { CancellationError, CancellationErrorResult } from '../errors.js';
import type { RequestOutcome } from '../handler/outcome.js';
import { startRequest } from '../handler/run-request.js';
import type { CancellationManager } from '../manager/cancellation-manager.js';
import { ChurnMap } from '../manager/churn-map.js';
import type { CancelOptions } from '../manager/manager-options.js';
import { CancelReason, RequestKey } from '../manager/request-key.js';
import type { CancellationSecurity } from '../security/cancellation-security.js';
import type { ConnectionConfig } from './options.js';
import type { Era } from './era.js';
import type { CancelIgnoredWhy, EventSink, PeerEventInit } from './events.js';
import type { CancelInput } from '../security/cancel-decision.js';
import { Repeats } from './repeats.js';
import { LiveConnectionRef } from '../handler/connection-ref.js';
import { Active, type ActiveOwner } from './active.js';
import { requestFacts, resultFacts } from './request-facts.js';
import type { TiedSend } from '../handler/tied-request.js';

// the two ways a cancel may go, made once: a cancel is on the hot path, an object per cancel is not
const FORWARD: CancelOptions = Object.freeze({ forward: true });
const HERE_ONLY: CancelOptions = Object.freeze({ forward: false });

// The reasons that were cut to maxReasonLength: the fact travels with the reason itself, down
// the request's chain to its outcome, rather than being written on the request and read back.
const truncated = new WeakSet<CancelReason>();


/**
 * What a serving half is wired to, besides its connection's config: a clock, the wire, the
 * events, the era. Given apart from the config (not spread into one object with it), so that
 * opening a connection copies nothing: a 2026-07-28 POST opens one each.
 */
export interface ServingWiring {
  /** The connection's protocol era, shared with its sending half. */
  readonly era: Era;
  /** Monotonic ms, for the rate windows. */
  readonly now: () => number;
  readonly send: (m: JsonRpcMessage) => void;
  readonly events: EventSink;
  /** The connection's sending half, when it has one (a peer): what `ctx.request` sends with. */
  readonly sendRequest: TiedSend | undefined;
}

/** A `request-received` event, with what the request names (built only when someone listens). */
const receivedEvent = (sender: string, key: RequestKey, m: JsonRpcRequest): PeerEventInit =>
  ({ sender, type: 'request-received', key, method: m.method, ...requestFacts(m.method, m.params, true) });

/** A `request-completed` event, with what its result says. */
const completedEvent = (sender: string, key: RequestKey, method: string, result: unknown): PeerEventInit =>
  ({ sender, type: 'request-completed', key, method, ...resultFacts(method, result) });

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

const errorResponse = (id: RequestId | null, error: JsonRpcErrorObject): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id,
  error,
});

/**
 * The serving half of one connection: runs decoded requests through {@link runRequest}, takes
 * `notifications/cancelled` through security to the manager, and answers invalid input. The
 * connection core (`connection.ts`) dispatches to it; `serve()` and `createPeer()` both open one.
 */
export class ServingHalf implements ActiveOwner {
  // this connection's requests, by id: inFlight().serving, and what close() cancels
  private readonly active = new ChurnMap<RequestId, Active>();
  private closed = false;
  private readonly repeats: Repeats;

  /** @internal The registry every request of this connection is in. */
  readonly manager: CancellationManager;
  /** @internal Writes one message of this connection. */
  readonly send: (m: JsonRpcMessage) => void;
  /** @internal This connection, as each of its requests' `ctx.connection` sees it. */
  readonly connection: LiveConnectionRef;

  /** @internal How `ctx.request` sends, when the connection has a sending half. */
  get sendRequest(): TiedSend | undefined {
    return this.wiring.sendRequest;
  }

  /** @internal The era in force: decided before a request runs, and never changed after. */
  get era(): ProtocolEra {
    return this.wiring.era.current;
  }

  constructor(
    private readonly config: ConnectionConfig,
    private readonly wiring: ServingWiring,
  ) {
    this.manager = config.manager;
    this.send = wiring.send;
    this.connection = new LiveConnectionRef(wiring.send, (e) => {
      const { events } = this.wiring;
      // a callback given to ctx.connection.onClose failed: the user's to hear, nobody else's
      if (events.enabled()) events.emit({ sender: config.sender, type: 'notification-failed', method: 'connection.onClose', error: CancellationErrorResult.fromThrown(CancellationError.HANDLER_FAILED, e) });
    });
    this.repeats = new Repeats(config.scheduler, (f, count) => {
      const { events } = this.wiring;
      if (!events.enabled()) return;
      const error = CancellationErrorResult.of(CancellationError.TRANSPORT_ERROR, f.message, f.details);
      events.emit(count === 1 ? { sender: this.config.sender, type: 'transport-error', error } : { sender: this.config.sender, type: 'transport-error', error, count });
    });
  }

  get size(): number {
    return this.active.size;
  }

  /**
   * A fault the transport reported in band. A line that is not JSON, or is over the transport's
   * limit, gets -32700 with `id: null` (docs/protocol.md J4, J5: its id cannot be read) and a
   * `message-rejected` event; a transport error is only an event: it is not a close.
   */
  fault(f: WireFault): void {
    if (this.closed) return;
    const { events } = this.wiring;
    if (f.kind === 'transport-error') return this.repeats.report(f);
    // a batch too large is a request we will not read: -32600; a bad line is not JSON: -32700
    const code = f.kind === 'batch-too-large' ? ErrorCodes.InvalidRequest : ErrorCodes.ParseError;
    this.wiring.send(errorResponse(null, { code, message: code === ErrorCodes.ParseError ? `Parse error: ${f.message}` : `Invalid request: ${f.message}` }));
    if (events.enabled())
      events.emit({ sender: this.config.sender, type: 'message-rejected', error: CancellationErrorResult.of(CancellationError.INVALID_REQUEST, f.message, f.details), repliedWith: null, code });
  }

  /**
   * The connection closed (or `outgoing$` was unsubscribed): cancel every request in flight with
   * `source: 'close'`; their teardown runs every cleanup once and sends nothing.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.repeats.close();
    const reason = CancelReason.of('close');
    for (const a of [...this.active.values()]) {
      // a close is this connection's own: never forwarded to the other instances
      this.config.manager.cancel(a.key, reason, HERE_ONLY);
      // unsubscribing is what ends it if the manager could not (the key was not its own)
      a.subscription?.unsubscribe();
    }
    // a scope made for this connection (no sessionId given) ends with it: what it finished is
    // remembered for no one, and would only crowd the live sessions out of a shared registry
    if (!this.config.forwards) this.config.manager.forgetSession(this.config.sessionId);
    // after the requests' own cleanups: what watched the connection hears it closed
    this.connection.close();
  }

  /** A decoded request: run it, or answer why not (duplicate, unknown method, over `maxInFlight`). */
  request(m: JsonRpcRequest): void {
    const { id, method } = m;
    const { events } = this.wiring;
    const key = RequestKey.of(id, this.config.sessionId);
    // every request of ours in flight is registered under its key: one lookup says duplicate
    if (this.config.manager.has(key)) {
      // at most one response per id, ever: answering the duplicate would give its id two
      return this.rejectState(`Duplicate request id ${JSON.stringify(id)}: a request with this id is in flight`);
    }
    if (events.enabled()) events.emit(receivedEvent(this.config.sender, key, m));
    // a version this connection does not speak: -32022 with the ones it does (the client retries)
    const refused = this.wiring.era.received(m);
    if (refused !== undefined)
      return this.fail(key, method, refused, CancellationErrorResult.of(CancellationError.INVALID_REQUEST, refused.message));
    const handler = has(this.config.handlers, method) ? this.config.handlers[method] : undefined;
    if (handler === undefined) {
      return this.fail(key, method, { code: ErrorCodes.MethodNotFound, message: `Method not found: ${method}` },
        CancellationErrorResult.of(CancellationError.INVALID_REQUEST, `Method not found: ${method}`));
    }
    if (this.active.size >= this.config.maxInFlight) {
      const message = `Too many requests in flight (maxInFlight ${this.config.maxInFlight})`;
      return this.fail(key, method, { code: ErrorCodes.InternalError, message, data: { maxInFlight: this.config.maxInFlight } },
        CancellationErrorResult.of(CancellationError.STATE_ERROR, message));
    }
    // decoded only when present: most requests ask for no progress
    const meta = m.params?.['_meta'] !== undefined && RequestMeta.is(m.params) ? m.params : undefined;
    const progressToken: ProgressToken | undefined = meta?._meta?.progressToken;
    const active = new Active(this, key, method, m.params, handler, progressToken);
    // register before subscribe: a sync handler may finish inside subscribe()
    this.config.manager.register(key);
    this.active.set(id, active);
    const subscription = startRequest(active, active);
    // a sync handler has ended already: keep no subscription of a finished request
    if (this.active.get(id) === active) active.subscription = subscription;
  }

  /** @internal A cleanup of `a` threw or rejected. */
  cleanupFailed(a: Active, thrown: unknown): void {
    const { events } = this.wiring;
    if (events.enabled())
      events.emit({ sender: this.config.sender, type: 'cleanup-failed', key: a.key, method: a.method, error: CancellationErrorResult.fromThrown(CancellationError.CLEANUP_FAILED, thrown) });
  }

  /** @internal `a`'s handler called `ctx.progress` with a value no peer could read. */
  progressRefused(a: Active, why: string): void {
    const { events } = this.wiring;
    if (events.enabled())
      events.emit({ sender: this.config.sender, type: 'progress-refused', key: a.key, method: a.method, error: CancellationErrorResult.of(CancellationError.HANDLER_FAILED, why) });
  }

  /** @internal `a` ended (after its outcome, if it had one). */
  end(a: Active): void {
    if (this.active.get(a.key.requestId) === a) this.active.delete(a.key.requestId);
  }

  /** @internal The one outcome of `a`. */
  outcome(a: Active, o: RequestOutcome): void {
    const { events } = this.wiring;
    const { key, method } = a;
    this.end(a);
    switch (o.type) {
      case 'result':
        if (events.enabled()) events.emit(completedEvent(this.config.sender, key, method, o.result));
        // no relate(): relatedRequestId(response) is its own id already, and a WeakMap entry per
        // response costs the garbage collector (ephemerons) on every round trip
        this.wiring.send({ jsonrpc: '2.0', id: key.requestId, result: o.result });
        return;
      case 'error':
        if (events.enabled()) events.emit({ sender: this.config.sender, type: 'request-failed', key, method, code: o.error.code, error: o.failure });
        this.wiring.send(errorResponse(key.requestId, o.error));
        return;
      case 'cancelled':
        // docs/protocol.md C5: a cancelled request gets no response at all
        if (events.enabled())
          events.emit(truncated.has(o.reason) ? { sender: this.config.sender, type: 'request-cancelled', key, method, reason: o.reason, reasonTruncated: true }
            : { sender: this.config.sender, type: 'request-cancelled', key, method, reason: o.reason });
        return;
    }
  }

  private fail(key: RequestKey, method: string, error: JsonRpcErrorObject, failure: CancellationErrorResult): void {
    const { events } = this.wiring;
    if (events.enabled()) events.emit({ sender: this.config.sender, type: 'request-failed', key, method, code: error.code, error: failure });
    this.wiring.send(errorResponse(key.requestId, error));
  }

  /**
   * A `notifications/cancelled`, decoded or not: one decision ({@link CancellationSecurity.check}),
   * then the registry; every outcome is audited, and the sender is told nothing (a cancel gets
   * no reply, docs/protocol.md C6).
   */
  cancel(input: CancelInput): void {
    const { security, sender, sessionId } = this.config;
    const d = security.check(sender, input, { sessionId, cancellable: this.cancellable }, this.wiring.now());
    if (!d.allowed) return this.ignored(d.why, d.key, d.reason, d.error);
    const reason = CancelReason.of('peer', d.reason);
    if (d.truncated) truncated.add(reason);
    const result = this.config.manager.cancel(d.key, reason, this.config.forwards ? FORWARD : HERE_ONLY);
    if (result === 'cancelled') return; // reported as request-cancelled by the request's own ending
    // not in flight here: gone to the other instances over the bus, where it may be
    if (result === 'forwarded') {
      if (this.wiring.events.enabled()) this.wiring.events.emit({ type: 'cancel-forwarded', sender, key: d.key, ...(d.reason === undefined ? {} : { reason: d.reason }) });
      return;
    }
    // in flight only in another session of this manager: a probe of another tenant, audited as
    // such; the sender is told nothing either way
    this.ignored(result === 'elsewhere' ? 'not-allowed' : result === 'unknown' ? 'unknown' : 'finished', d.key, d.reason);
  }

  // in the 2025 era `initialize` is never cancelled (docs/protocol.md C4)
  private readonly cancellable = (key: RequestKey): boolean => {
    const a = this.active.get(key.requestId);
    return a === undefined || this.wiring.era.cancellable(a.method);
  };

  private ignored(why: CancelIgnoredWhy, key: RequestKey | undefined, reason?: string, error?: CancellationErrorResult): void {
    const { events } = this.wiring;
    const { sender } = this.config;
    if (!events.enabled()) return;
    events.emit({ type: 'cancel-ignored', sender, why, ...(key === undefined ? {} : { key }), ...(reason === undefined ? {} : { reason }), ...(error === undefined ? {} : { error }) });
  }

  /** Any other notification: to its handler, if one is registered. */
  notification(method: string, params: unknown): void {
    if (!has(this.config.notifications, method)) return;
    try {
      this.config.notifications[method]?.(params);
    } catch (e) {
      const { events } = this.wiring;
      if (events.enabled()) events.emit({ sender: this.config.sender, type: 'notification-failed', method, error: CancellationErrorResult.fromThrown(CancellationError.HANDLER_FAILED, e) });
    }
  }

  /** A value that is not a valid message: the reply the spec asks for, and an event. */
  reject(e: DecodeError): void {
    const { events } = this.wiring;
    const error = CancellationErrorResult.of(CancellationError.INVALID_REQUEST, e.errors.join('; '));
    if (e.shape === 'notification' || e.shape === 'response') {
      // J2: never a reply to a notification; a bad response has no one to answer
      // a malformed cancel goes through the same decision: it counts against its sender's rate
      if (e.shape === 'notification' && e.method === CANCELLED) return this.cancel({ kind: 'malformed', errors: e.errors });
      if (events.enabled()) events.emit({ sender: this.config.sender, type: 'message-rejected', error });
      return;
    }
    const code = e.invalidParams && e.method !== undefined && has(this.config.handlers, e.method) ? ErrorCodes.InvalidParams : ErrorCodes.InvalidRequest;
    const message = code === ErrorCodes.InvalidParams ? `Invalid params: ${e.errors.join('; ')}` : `Invalid request: ${e.errors.join('; ')}`;
    this.wiring.send(errorResponse(e.id, { code, message }));
    if (events.enabled()) events.emit({ sender: this.config.sender, type: 'message-rejected', error, repliedWith: e.id, code });
  }

  private rejectState(message: string): void {
    const { events } = this.wiring;
    if (events.enabled()) events.emit({ sender: this.config.sender, type: 'message-rejected', error: CancellationErrorResult.of(CancellationError.STATE_ERROR, message) });
  }
}
