import * as E from 'fp-ts/lib/Either.js';
import type { Observable, Subscriber, Subscription } from 'rxjs';
import { CANCELLED } from '../codec/cancelled.js';
import { classifyMessage } from '../codec/decode.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import { PROGRESS } from '../codec/progress.js';
import { FailedSend, WireFault } from './wire-fault.js';
import { CancellationError, CancellationErrorResult } from '../errors.js';
import { eachMessage } from './batch.js';
import { monotonicNow } from './clock.js';
import { Era } from './era.js';
import type { EventSink } from './events.js';
import type { SendingHalf } from './sending.js';
import type { TiedSend } from '../handler/tied-request.js';
import type { ConnectionConfig } from './options.js';
import { ServingHalf } from './serving.js';

export { connectionConfig, checkedOptions, type ConnectionConfig, type ConnectionOptions } from './options.js';

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
 *
 * `era` is the connection's protocol era (docs/protocol.md "Eras"); a peer passes the one its
 * sending half also asks, so both halves keep the same rules.
 */
export const openConnection = (
  source: Observable<unknown>,
  config: ConnectionConfig,
  events: EventSink,
  destination: Subscriber<JsonRpcMessage>,
  sending?: SendingHalf,
  era: Era = new Era(config.era, events),
): OpenConnection => {
  const send = (m: JsonRpcMessage): void => destination.next(m);
  // one sending path: a handler's ctx.request is the peer's own request(), tied to its request
  const sendRequest: TiedSend | undefined =
    sending === undefined ? undefined : (method, params, options, related) => sending.request(method, params, options, related);
  const server = new ServingHalf(config, { now: monotonicNow(config.scheduler), send, events, era, sendRequest });
  era.open();
  sending?.attach(send);
  let state: 'open' | 'closed' = 'open';

  const close = (error?: unknown): void => {
    if (state === 'closed') return;
    state = 'closed';
    // nothing is written once closed: a request a handler tied to its own (ctx.request) is
    // unsubscribed by the close below, and must not send its cancel to a closed connection
    sending?.stopWriting();
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
