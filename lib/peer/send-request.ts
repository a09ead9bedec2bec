import { Observable, type Subscriber } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import type { JsonRpcRequest, RequestId } from '../codec/messages.js';
import { CancellationError, CancellationErrorResult, ConnectionClosedError, JsonRpcError, RequestCancelledError, RequestSendError } from '../errors.js';
import { relate } from '../handler/related.js';
import type { RequestKey } from '../manager/request-key.js';
import type { PeerEventInit } from './events.js';
import type { QueuedRequest } from './outbox.js';
import { LISTENING, ONCE, Pending, type PendingOwner } from './pending.js';
import { requestFacts } from './request-facts.js';
import { requestMessage, withContributedMeta, type RequestMetaHook } from './request-meta.js';
import { invalidOptions, type RequestOptions } from './request-options.js';
import type { SentRequests } from './sent-requests.js';

/** A `request-sent` event, with what the request names (built only when someone listens). */
const sentEvent = (key: RequestKey, method: string, params: unknown, related: RequestId | undefined): PeerEventInit =>
  related === undefined
    ? { type: 'request-sent', key, method, ...requestFacts(method, params, false) }
    : { type: 'request-sent', key, method, ...requestFacts(method, params, false), relatedRequestId: related };

/**
 * A request, cold: subscribing sends it, unsubscribing while it is in flight sends its cancel
 * (through `owner`, which its Pending reports to). `related` ties it to a request this peer
 * serves (`ctx.request`): it and its cancel are marked with that id (`relatedRequestId`), so a
 * transport routes them with it.
 */
export const sendRequest = <R>(s: SentRequests, owner: PendingOwner, method: string, params: object | undefined, options: RequestOptions, related: RequestId | undefined): Observable<R> =>
  new Observable<R>((subscriber) => {
    const invalid = invalidOptions(options);
    if (invalid !== undefined) {
      // the caller's mistake, down the stream like every other error; nothing was sent
      subscriber.error(new TypeError(`request(${JSON.stringify(method)}): ${invalid}`));
      return undefined;
    }
    if (s.outbox.state === 'closed') {
      subscriber.error(new ConnectionClosedError());
      return undefined;
    }
    const { signal } = options;
    if (signal?.aborted === true) {
      // nothing was sent, so nothing to cancel
      subscriber.error(new RequestCancelledError(undefined, signal.reason));
      return undefined;
    }
    const { init } = s;
    if (s.pending.size >= init.maxPending) {
      subscriber.error(
        new JsonRpcError(ErrorCodes.InternalError, `Too many pending requests (maxPendingRequests ${init.maxPending})`, {
          error: CancellationError.STATE_ERROR,
        }),
      );
      return undefined;
    }
    const id = s.newId();
    const idleMs = options.timeoutMs ?? init.timeoutMs;
    const p = new Pending(id, method, subscriber as Subscriber<unknown>, options, owner, idleMs === Infinity ? undefined : idleMs, related);
    const message = requestMessage(id, method, params, options, init.clientMeta);
    init.era.sent(method, message.params);
    // pending before the send: an in-memory peer may answer inside write()
    s.pending.set(id, p);
    if (signal !== undefined) {
      // before the event and the write: a request-sent listener, or an in-memory peer inside
      // write(), may abort, and that abort must be seen
      signal.addEventListener('abort', p, ONCE);
      p.flags |= LISTENING;
    }
    if (s.outbox.state === 'open') send(s, { pending: p, params, message });
    else wait(s, { pending: p, params, message });
    if (s.isPending(p)) s.arm(p);
    return p;
  });

/**
 * Hand a request to the `outgoing$` subscriber: now, or when the connection comes up (the
 * outbox's flush). Only here is `request-sent` said, so the trail never says it of a request
 * that was never written.
 */
export const send = (s: SentRequests, q: QueuedRequest): void => {
  const { pending: p, params } = q;
  const { id, method } = p;
  let { message } = q;
  const { events, requestMeta } = s.init;
  if (events.enabled()) events.emit(sentEvent(s.key(id), method, message.params, p.related));
  // after the event: what a listener started for this request (a span) is what the hook adds
  if (requestMeta !== undefined && s.isPending(p)) message = contribute(s, requestMeta, id, method, params, message);
  // marked here, on the message that goes out (the hook's is a new object): the transport routes it with its served request
  if (p.related !== undefined) relate(message, p.related);
  // a request-sent listener may have ended it already: then it never goes out
  if (s.isPending(p)) s.outbox.request(p, message);
};

/**
 * Nobody subscribed `outgoing$` yet: the request waits for the connection, and the trail says
 * so at once. Without it a caller sees nothing until the timeout, which reads like a slow peer.
 */
const wait = (s: SentRequests, q: QueuedRequest): void => {
  const { pending: p } = q;
  const { events } = s.init;
  if (events.enabled()) events.emit({ type: 'request-queued', key: s.key(p.id), method: p.method, why: 'no-subscriber' });
  // a request-queued listener may have ended it already (aborted its signal): nothing to keep
  if (s.isPending(p)) s.outbox.queue(q);
};

/** The members the requestMeta hook adds to `message`'s `_meta`: a callback we don't own, so a throw is an event and the request goes as it was. */
const contribute = (s: SentRequests, hook: RequestMetaHook, id: RequestId, method: string, params: object | undefined, message: JsonRpcRequest): JsonRpcRequest => {
  const key = s.key(id);
  try {
    const members = hook({ key, method, params });
    return members === undefined ? message : withContributedMeta(message, members);
  } catch (e) {
    const { events } = s.init;
    if (events.enabled()) events.emit({ type: 'callback-failed', key, error: CancellationErrorResult.fromThrown(CancellationError.HANDLER_FAILED, e) });
    return message;
  }
};

/**
 * The transport failed to write request `id` (its `send` threw or rejected). When it is
 * pending, it errors now with RequestSendError and no cancel is sent: it never went out, and
 * no response can come. Returns whether it was pending.
 */
export const sendFailed = (s: SentRequests, id: RequestId, cause: unknown): boolean => {
  const p = s.take(id);
  if (p === undefined) return false;
  const { events } = s.init;
  if (events.enabled())
    events.emit({ type: 'request-send-failed', key: s.key(id), method: p.method, error: CancellationErrorResult.fromThrown(CancellationError.TRANSPORT_ERROR, cause) });
  p.subscriber.error(new RequestSendError(id, cause));
  return true;
};
