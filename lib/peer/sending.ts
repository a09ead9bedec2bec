import * as E from 'fp-ts/lib/Either.js';
import { Observable, type SchedulerLike, type Subscriber } from 'rxjs';
import { CANCELLED } from '../codec/cancelled.js';
import { ErrorCodes } from '../codec/error-codes.js';
import { type JsonRpcErrorResponse, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse, type RequestId } from '../codec/messages.js';
import { ProgressParams } from '../codec/progress.js';
import {
  CancellationError,
  CancellationErrorResult,
  ConnectionClosedError,
  InvalidResponseError,
  JsonRpcError,
  RequestCancelledError,
  RequestSendError,
  RequestTimeoutError,
  messageOf,
} from '../errors.js';
import { Recent } from '../manager/recent.js';
import { RequestKey, type CancelReason } from '../manager/request-key.js';
import { Deadlines } from './deadlines.js';
import type { EventSink } from './events.js';
import { Outbox, type QueuedRequest } from './outbox.js';
import { LISTENING, ONCE, Pending, SENT, totalOf, type PendingOwner } from './pending.js';
import { requestMessage, withContributedMeta, type RequestMetaHook } from './request-meta.js';
import { requestFacts, resultFacts } from './request-facts.js';
import { relate } from '../handler/related.js';
import type { PeerEventInit } from './events.js';
import type { Era } from './era.js';
import { badTimeout, invalidOptions, isTimeout, type RequestOptions } from './request-options.js';

type LateWhy = 'cancelled' | 'timeout';

/** A `request-sent` event, with what the request names (built only when someone listens). */
const sentEvent = (key: RequestKey, method: string, params: unknown, related: RequestId | undefined): PeerEventInit =>
  related === undefined
    ? { type: 'request-sent', key, method, ...requestFacts(method, params, false) }
    : { type: 'request-sent', key, method, ...requestFacts(method, params, false), relatedRequestId: related };

/** A `response-received` event: the peer's error, or what its result says. */
const receivedEvent = (key: RequestKey, method: string, m: JsonRpcResponse | JsonRpcErrorResponse): PeerEventInit =>
  'result' in m
    ? { type: 'response-received', key, method, ok: true, ...resultFacts(method, m.result) }
    : { type: 'response-received', key, method, ok: false, error: m.error };

export interface SendingInit {
  readonly sessionId: string | undefined;
  readonly scheduler: SchedulerLike;
  readonly timeoutMs: number;
  readonly maxPending: number;
  readonly events: EventSink;
  /** The connection's protocol era, shared with its serving half. */
  readonly era: Era;
  /** As a 2026-07-28 client: the `_meta` members every request carries (its version, capabilities). */
  readonly clientMeta?: Readonly<Record<string, unknown>>;
  /** How many ended ids to remember, to tell a late response from an unknown one. */
  readonly rememberEnded?: number;
  /** Contributes `_meta` members to each request, after its `request-sent` event (PeerOptions.requestMeta). */
  readonly requestMeta?: RequestMetaHook;
}

/**
 * The sending half of a peer: pending requests by id, their timers, their cancellation.
 * Ids count up from 0 (so id 0, which the official SDK's D1 cannot cancel, is exercised by
 * every first request).
 */
export class SendingHalf implements PendingOwner {
  private readonly pending = new Map<RequestId, Pending>();
  // ids given up on (cancelled, timed out), to tell a late response from an unknown one
  private readonly ended: Recent<RequestId, LateWhy>;
  private nextId = 0;
  private readonly outbox = new Outbox((p) => this.pending.get(p.id) === p, (q) => this.send(q));
  private readonly idle: Deadlines<Pending>;
  private readonly total: Deadlines<Pending>;

  constructor(private readonly init: SendingInit) {
    // configuration, not input: a bad default would silently disable (NaN) or zero every timeout
    if (!isTimeout(init.timeoutMs)) throw new TypeError(`createPeer: ${badTimeout('timeoutMs', init.timeoutMs)}`);
    this.ended = new Recent(init.rememberEnded ?? 1000);
    this.idle = new Deadlines(init.scheduler, (p, ms) => this.timeout(p, ms, 'idle'));
    this.total = new Deadlines(init.scheduler, (p, ms) => this.timeout(p, ms, 'total'));
  }

  get size(): number {
    return this.pending.size;
  }

  /** The connection is up: flush what was sent before it. */
  attach(out: (m: JsonRpcMessage) => void): void {
    this.outbox.attach(out);
  }

  /** The connection is closing: nothing more is written (the pending requests error in close()). */
  stopWriting(): void {
    this.outbox.close();
  }

  /** The connection is gone: every pending request errors with ConnectionClosedError. */
  close(): void {
    this.outbox.close();
    for (const p of [...this.pending.values()]) {
      this.pending.delete(p.id);
      this.release(p);
      p.subscriber.error(new ConnectionClosedError(`Connection closed before the response to ${JSON.stringify(p.id)} (${p.method})`));
    }
  }

  notify(method: string, params?: object): void {
    this.outbox.write(
      params === undefined
        ? { jsonrpc: '2.0', method }
        : { jsonrpc: '2.0', method, params: params as Record<string, unknown> },
    );
  }

  /**
   * A request, cold: subscribing sends it, unsubscribing while it is in flight sends its cancel.
   * `related` ties it to a request this peer serves (`ctx.request`): it and its cancel are marked
   * with that id (`relatedRequestId`), so a transport routes them with it.
   */
  request<R>(method: string, params: object | undefined, options: RequestOptions = {}, related?: RequestId): Observable<R> {
    return new Observable<R>((subscriber) => {
      const invalid = invalidOptions(options);
      if (invalid !== undefined) {
        // the caller's mistake, down the stream like every other error; nothing was sent
        subscriber.error(new TypeError(`request(${JSON.stringify(method)}): ${invalid}`));
        return undefined;
      }
      if (this.outbox.state === 'closed') {
        subscriber.error(new ConnectionClosedError());
        return undefined;
      }
      const { signal } = options;
      if (signal?.aborted === true) {
        // nothing was sent, so nothing to cancel
        subscriber.error(new RequestCancelledError(undefined, signal.reason));
        return undefined;
      }
      if (this.pending.size >= this.init.maxPending) {
        subscriber.error(
          new JsonRpcError(ErrorCodes.InternalError, `Too many pending requests (maxPendingRequests ${this.init.maxPending})`, {
            error: CancellationError.STATE_ERROR,
          }),
        );
        return undefined;
      }
      const id = this.nextId++;
      const idleMs = options.timeoutMs ?? this.init.timeoutMs;
      const p = new Pending(id, method, subscriber as Subscriber<unknown>, options, this, idleMs === Infinity ? undefined : idleMs, related);
      const message = requestMessage(id, method, params, options, this.init.clientMeta);
      this.init.era.sent(method, message.params);
      // pending before the send: an in-memory peer may answer inside write()
      this.pending.set(id, p);
      if (signal !== undefined) {
        // before the event and the write: a request-sent listener, or an in-memory peer inside
        // write(), may abort, and that abort must be seen
        signal.addEventListener('abort', p, ONCE);
        p.flags |= LISTENING;
      }
      if (this.outbox.state === 'open') this.send({ pending: p, params, message });
      else this.wait({ pending: p, params, message });
      if (this.pending.get(id) === p) this.arm(p);
      return p;
    });
  }

  /**
   * Hand a request to the `outgoing$` subscriber: now, or when the connection comes up (the
   * outbox's flush). Only here is `request-sent` said, so the trail never says it of a request
   * that was never written.
   */
  private send(q: QueuedRequest): void {
    const { pending: p, params } = q;
    const { id, method } = p;
    let { message } = q;
    const { events } = this.init;
    if (events.enabled()) events.emit(sentEvent(this.key(id), method, message.params, p.related));
    // after the event: what a listener started for this request (a span) is what the hook adds
    if (this.init.requestMeta !== undefined && this.pending.get(id) === p) message = this.contribute(id, method, params, message);
    // marked here, on the message that goes out (the hook's is a new object): the transport routes it with its served request
    if (p.related !== undefined) relate(message, p.related);
    // a request-sent listener may have ended it already: then it never goes out
    if (this.pending.get(id) === p) this.outbox.request(p, message);
  }

  /**
   * Nobody subscribed `outgoing$` yet: the request waits for the connection, and the trail says
   * so at once. Without it a caller sees nothing until the timeout, which reads like a slow peer.
   */
  private wait(q: QueuedRequest): void {
    const { pending: p } = q;
    const { events } = this.init;
    if (events.enabled()) events.emit({ type: 'request-queued', key: this.key(p.id), method: p.method, why: 'no-subscriber' });
    // a request-queued listener may have ended it already (aborted its signal): nothing to keep
    if (this.pending.get(p.id) === p) this.outbox.queue(q);
  }

  /** A response or error response with an id. */
  response(m: JsonRpcResponse | JsonRpcErrorResponse): void {
    const id = m.id;
    const { events } = this.init;
    if (id === undefined || id === null) {
      // the peer could not read something we sent (J5): nothing to match it to
      if ('error' in m && events.enabled()) events.emit({ type: 'peer-error', error: m.error });
      return;
    }
    const p = this.take(id);
    if (p === undefined) {
      // docs/protocol.md C7: a response after we cancelled is dropped silently (D7: the SDK calls onerror)
      if (events.enabled()) events.emit({ type: 'late-response-dropped', key: this.key(id), why: this.ended.get(id) ?? 'unknown' });
      return;
    }
    if (events.enabled()) events.emit(receivedEvent(this.key(id), p.method, m));
    if ('result' in m) {
      p.subscriber.next(m.result);
      p.subscriber.complete();
    } else {
      p.subscriber.error(new JsonRpcError(m.error.code, m.error.message, m.error.data));
    }
  }

  /**
   * A response-shaped message naming `id` that did not decode (both `result` and `error`, a
   * `result` that is not an object, a malformed `error`). When `id` is a pending request, it
   * errors now with InvalidResponseError, and no cancel is sent: the peer did answer, and
   * waiting would only end in a timeout and a cancel for a request it no longer runs.
   * Returns whether it was one of ours: if not, the caller reports the message as before.
   */
  invalidResponse(id: RequestId, errors: ReadonlyArray<string>): boolean {
    const p = this.take(id);
    if (p === undefined) return false;
    const { events } = this.init;
    if (events.enabled())
      events.emit({ type: 'response-rejected', key: this.key(id), method: p.method, error: CancellationErrorResult.of(CancellationError.INVALID_REQUEST, errors.join('; ')) });
    p.subscriber.error(new InvalidResponseError(id, errors));
    return true;
  }

  /**
   * The transport failed to write request `id` (its `send` threw or rejected). When it is
   * pending, it errors now with RequestSendError and no cancel is sent: it never went out, and
   * no response can come. Returns whether it was pending.
   */
  writeFailed(id: RequestId, cause: unknown): boolean {
    const p = this.take(id);
    if (p === undefined) return false;
    const { events } = this.init;
    if (events.enabled())
      events.emit({ type: 'request-send-failed', key: this.key(id), method: p.method, error: CancellationErrorResult.fromThrown(CancellationError.TRANSPORT_ERROR, cause) });
    p.subscriber.error(new RequestSendError(id, cause));
    return true;
  }

  /** `notifications/progress`: to its request's `onProgress`, and a fresh idle timeout if asked. */
  progress(m: JsonRpcNotification): boolean {
    const decoded = ProgressParams.decode(m.params);
    if (E.isLeft(decoded)) return false;
    const { progressToken, progress, total, message } = decoded.right;
    const p = this.pending.get(progressToken);
    const { events } = this.init;
    if (p === undefined || (p.options.onProgress === undefined && p.options.resetTimeoutOnProgress !== true)) {
      if (events.enabled()) events.emit({ type: 'progress-dropped', progressToken });
      return true;
    }
    if (p.options.resetTimeoutOnProgress === true && p.idleMs !== undefined) this.idle.arm(p, p.idleMs);
    const onProgress = p.options.onProgress;
    if (onProgress !== undefined) {
      try {
        onProgress(total === undefined ? (message === undefined ? { progress } : { progress, message }) : message === undefined ? { progress, total } : { progress, total, message });
      } catch (e) {
        if (events.enabled()) events.emit({ type: 'callback-failed', key: this.key(p.id), error: CancellationErrorResult.fromThrown(CancellationError.HANDLER_FAILED, e) });
      }
    }
    return true;
  }

  /** The members the requestMeta hook adds to `message`'s `_meta`: a callback we don't own, so a throw is an event and the request goes as it was. */
  private contribute(id: RequestId, method: string, params: object | undefined, message: JsonRpcRequest): JsonRpcRequest {
    const hook = this.init.requestMeta as RequestMetaHook;
    const key = this.key(id);
    try {
      const members = hook({ key, method, params });
      return members === undefined ? message : withContributedMeta(message, members);
    } catch (e) {
      const { events } = this.init;
      if (events.enabled()) events.emit({ type: 'callback-failed', key, error: CancellationErrorResult.fromThrown(CancellationError.HANDLER_FAILED, e) });
      return message;
    }
  }

  private key(id: RequestId): RequestKey {
    return RequestKey.of(id, this.init.sessionId);
  }


  /** The pending request `id`, no longer pending: its timers and listener released. */
  private take(id: RequestId): Pending | undefined {
    const p = this.pending.get(id);
    if (p === undefined) return undefined;
    this.pending.delete(id);
    this.release(p);
    return p;
  }

  private arm(p: Pending): void {
    if (p.idleMs !== undefined) this.idle.arm(p, p.idleMs);
    const total = totalOf(p);
    // docs/protocol.md D5: a real timer, not a check on progress; no reset moves it
    if (total !== undefined) this.total.arm(p, total);
  }

  /** Disarm the timers and remove the abort listener of a request that ended. */
  private release(p: Pending): void {
    if (p.idleMs !== undefined) this.idle.disarm(p, p.idleMs);
    const total = totalOf(p);
    if (total !== undefined) this.total.disarm(p, total);
    if ((p.flags & LISTENING) !== 0) {
      // docs/protocol.md D2: the official SDK never removes it; a later abort must send nothing
      p.options.signal?.removeEventListener('abort', p);
      p.flags &= ~LISTENING;
    }
  }

  private timeout(p: Pending, ms: number, kind: 'idle' | 'total'): void {
    if (this.pending.get(p.id) !== p) return;
    const { events } = this.init;
    if (events.enabled()) events.emit({ type: 'request-timeout', key: this.key(p.id), method: p.method, timeoutMs: ms, kind });
    // a request-timeout listener may have ended it (aborted its signal): nothing more for it
    if (this.pending.get(p.id) !== p) return;
    // read before end(): a request still in the backlog was never written, and the error says so
    const sent = (p.flags & SENT) !== 0;
    // P4: on expiry, cancel on the wire, then stop waiting (never for initialize: C4)
    this.end(p, 'timeout', `Request timed out after ${ms} ms${kind === 'total' ? ' (maxTotalTimeoutMs)' : ''}`);
    p.subscriber.error(sent ? new RequestTimeoutError(p.id, ms) : RequestTimeoutError.unsent(p.id, ms));
  }

  /** The signal of `p` aborted (its listener is `p` itself). */
  aborted(p: Pending): void {
    if (this.pending.get(p.id) !== p) return;
    const reason: unknown = p.options.signal?.reason;
    this.end(p, 'caller', p.options.reason ?? (reason === undefined ? undefined : messageOf(reason)));
    // docs/protocol.md D3: a distinct error, never a timeout
    p.subscriber.error(new RequestCancelledError(p.id, reason));
  }

  /** The subscriber of `p` unsubscribed: while in flight, the one place a caller's cancel is sent. */
  abandon(p: Pending): void {
    if (this.pending.get(p.id) === p) this.end(p, 'caller', p.options.reason);
  }

  /** Forget a pending request and send its cancel (once: it is no longer pending after this). */
  private end(p: Pending, source: CancelReason['source'], reason: string | undefined): void {
    this.pending.delete(p.id);
    this.release(p);
    // still in the backlog: the peer never saw it, so there is nothing to cancel (attach skips it)
    if ((p.flags & SENT) === 0) return this.outbox.unsent();
    this.ended.set(p.id, source === 'timeout' ? 'timeout' : 'cancelled');
    // never for a 2025 initialize (C4), never as a 2026 server (only the client cancels), never
    // on a closed connection (a tied request ended by the close: no cancel-sent that never went)
    const { era } = this.init;
    if (!era.cancellable(p.method) || !era.sendsCancels || this.outbox.state === 'closed') return;
    const { events } = this.init;
    // the event first: an in-memory peer reacts inside write(), and the trail should read in causal order
    if (events.enabled())
      events.emit(reason === undefined ? { type: 'cancel-sent', key: this.key(p.id), method: p.method, source }
        : { type: 'cancel-sent', key: this.key(p.id), method: p.method, source, reason });
    const cancel: JsonRpcMessage = { jsonrpc: '2.0', method: CANCELLED, params: reason === undefined ? { requestId: p.id } : { requestId: p.id, reason } };
    // a tied request's cancel travels where the request did: with the request it was tied to
    this.outbox.write(p.related === undefined ? cancel : relate(cancel, p.related));
  }

}


