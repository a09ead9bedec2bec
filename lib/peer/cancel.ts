import { CANCELLED } from '../codec/cancelled.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import { RequestCancelledError, messageOf } from '../errors.js';
import { relate } from '../handler/related.js';
import type { CancelReason } from '../manager/request-key.js';
import { SENT, type Pending } from './pending.js';
import type { SentRequests } from './sent-requests.js';

/** Forget a pending request and send its cancel (once: it is no longer pending after this). */
export const cancel = (s: SentRequests, p: Pending, source: CancelReason['source'], reason: string | undefined): void => {
  s.forget(p);
  // still in the backlog: the peer never saw it, so there is nothing to cancel (attach skips it)
  if ((p.flags & SENT) === 0) return s.outbox.unsent();
  s.ended.set(p.id, source === 'timeout' ? 'timeout' : 'cancelled');
  // never for a 2025 initialize (C4), never as a 2026 server (only the client cancels), never
  // on a closed connection (a tied request ended by the close: no cancel-sent that never went)
  const { era, events } = s.init;
  if (!era.cancellable(p.method) || !era.sendsCancels || s.outbox.state === 'closed') return;
  // the event first: an in-memory peer reacts inside write(), and the trail should read in causal order
  if (events.enabled())
    events.emit(reason === undefined ? { type: 'cancel-sent', key: s.key(p.id), method: p.method, source }
      : { type: 'cancel-sent', key: s.key(p.id), method: p.method, source, reason });
  const message: JsonRpcMessage = { jsonrpc: '2.0', method: CANCELLED, params: reason === undefined ? { requestId: p.id } : { requestId: p.id, reason } };
  // a tied request's cancel travels where the request did: with the request it was tied to
  s.outbox.write(p.related === undefined ? message : relate(message, p.related));
};

/** The caller's signal of `p` aborted (its listener is `p` itself): cancelled, with a RequestCancelledError. */
export const signalAborted = (s: SentRequests, p: Pending): void => {
  if (!s.isPending(p)) return;
  const reason: unknown = p.options.signal?.reason;
  cancel(s, p, 'caller', p.options.reason ?? (reason === undefined ? undefined : messageOf(reason)));
  // docs/protocol.md D3: a distinct error, never a timeout
  p.subscriber.error(new RequestCancelledError(p.id, reason));
};

/** The caller unsubscribed from `p`: while in flight, the one place a caller's cancel is sent. */
export const abandoned = (s: SentRequests, p: Pending): void => {
  if (s.isPending(p)) cancel(s, p, 'caller', p.options.reason);
};
