import * as E from 'fp-ts/lib/Either.js';
import type { Observable } from 'rxjs';
import type { JsonRpcErrorResponse, JsonRpcMessage, JsonRpcNotification, JsonRpcResponse, RequestId } from '../codec/messages.js';
import { ProgressParams } from '../codec/progress.js';
import { CancellationError, CancellationErrorResult, ConnectionClosedError } from '../errors.js';
import { abandoned, signalAborted } from './cancel.js';
import type { Pending, PendingOwner } from './pending.js';
import { badTimeout, isTimeout, type RequestOptions } from './request-options.js';
import { rejected, responded } from './responses.js';
import { send, sendFailed, sendRequest } from './send-request.js';
import { SentRequests, type SendingInit } from './sent-requests.js';
import { timedOut } from './timeout.js';

export type { SendingInit } from './sent-requests.js';

// the options of a request that gives none: one object for all (options are only read), not one per request
const NO_OPTIONS: RequestOptions = Object.freeze({});

/**
 * The sending half of a peer: pending requests by id, their timers, their cancellation. Each way
 * a sent request ends has a file of its own: its answer (responses.ts), a write that failed
 * (send-request.ts), its timeout (timeout.ts), the caller's cancel (cancel.ts), and here the
 * connection's close.
 */
export class SendingHalf implements PendingOwner {
  private readonly sent: SentRequests;

  constructor(init: SendingInit) {
    // configuration, not input: a bad default would silently disable (NaN) or zero every timeout
    if (!isTimeout(init.timeoutMs)) throw new TypeError(`createPeer: ${badTimeout('timeoutMs', init.timeoutMs)}`);
    this.sent = new SentRequests(init, (q) => send(this.sent, q), (p, ms, kind) => timedOut(this.sent, p, ms, kind));
  }

  get size(): number {
    return this.sent.pending.size;
  }

  /** The connection is up: flush what was sent before it. */
  attach(out: (m: JsonRpcMessage) => void): void {
    this.sent.outbox.attach(out);
  }

  /** The connection is closing: nothing more is written (the pending requests error in close()). */
  stopWriting(): void {
    this.sent.outbox.close();
  }

  /** The connection is gone: every pending request errors with ConnectionClosedError. */
  close(): void {
    const { sent } = this;
    sent.outbox.close();
    for (const p of [...sent.pending.values()]) {
      sent.forget(p);
      p.subscriber.error(new ConnectionClosedError(`Connection closed before the response to ${JSON.stringify(p.id)} (${p.method})`));
    }
  }

  notify(method: string, params?: object): void {
    this.sent.outbox.write(
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
  request<R>(method: string, params: object | undefined, options: RequestOptions = NO_OPTIONS, related?: RequestId): Observable<R> {
    return sendRequest<R>(this.sent, this, method, params, options, related);
  }

  /** A response or error response with an id. */
  response(m: JsonRpcResponse | JsonRpcErrorResponse): void {
    responded(this.sent, m);
  }

  /** A response-shaped message naming `id` that did not decode: see {@link rejected}. Returns whether it was one of ours. */
  invalidResponse(id: RequestId, errors: ReadonlyArray<string>): boolean {
    return rejected(this.sent, id, errors);
  }

  /** The transport failed to write request `id`: see {@link sendFailed}. Returns whether it was pending. */
  writeFailed(id: RequestId, cause: unknown): boolean {
    return sendFailed(this.sent, id, cause);
  }

  /** `notifications/progress`: to its request's `onProgress`, and a fresh idle timeout if asked. */
  progress(m: JsonRpcNotification): boolean {
    const decoded = ProgressParams.decode(m.params);
    if (E.isLeft(decoded)) return false;
    const { progressToken, progress, total, message } = decoded.right;
    const p = this.sent.pending.get(progressToken);
    const { events } = this.sent.init;
    if (p === undefined || (p.options.onProgress === undefined && p.options.resetTimeoutOnProgress !== true)) {
      if (events.enabled()) events.emit({ type: 'progress-dropped', progressToken });
      return true;
    }
    if (p.options.resetTimeoutOnProgress === true) this.sent.rearmIdle(p);
    const onProgress = p.options.onProgress;
    if (onProgress !== undefined) {
      try {
        onProgress(total === undefined ? (message === undefined ? { progress } : { progress, message }) : message === undefined ? { progress, total } : { progress, total, message });
      } catch (e) {
        if (events.enabled()) events.emit({ type: 'callback-failed', key: this.sent.key(p.id), error: CancellationErrorResult.fromThrown(CancellationError.HANDLER_FAILED, e) });
      }
    }
    return true;
  }

  /** The signal of `p` aborted (its listener is `p` itself). */
  aborted(p: Pending): void {
    signalAborted(this.sent, p);
  }

  /** The subscriber of `p` unsubscribed: while in flight, the one place a caller's cancel is sent. */
  abandon(p: Pending): void {
    abandoned(this.sent, p);
  }
}
