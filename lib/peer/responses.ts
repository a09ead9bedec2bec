import type { JsonRpcErrorResponse, JsonRpcResponse, RequestId } from '../codec/messages.js';
import { CancellationError, CancellationErrorResult, InvalidResponseError, JsonRpcError } from '../errors.js';
import type { RequestKey } from '../manager/request-key.js';
import type { PeerEventInit } from './events.js';
import { resultFacts } from './request-facts.js';
import type { SentRequests } from './sent-requests.js';

/** A `response-received` event: the peer's error, or what its result says. */
const receivedEvent = (key: RequestKey, method: string, m: JsonRpcResponse | JsonRpcErrorResponse): PeerEventInit =>
  'result' in m
    ? { type: 'response-received', key, method, ok: true, ...resultFacts(method, m.result) }
    : { type: 'response-received', key, method, ok: false, error: m.error };

/** A response or error response with an id: its request completes with the result, or errors with a JsonRpcError. */
export const responded = (s: SentRequests, m: JsonRpcResponse | JsonRpcErrorResponse): void => {
  const id = m.id;
  const { events } = s.init;
  if (id === undefined || id === null) {
    // the peer could not read something we sent (J5): nothing to match it to
    if ('error' in m && events.enabled()) events.emit({ type: 'peer-error', error: m.error });
    return;
  }
  const p = s.take(id);
  if (p === undefined) {
    // docs/protocol.md C7: a response after we cancelled is dropped silently (D7: the SDK calls onerror)
    if (events.enabled()) events.emit({ type: 'late-response-dropped', key: s.key(id), why: s.ended.get(id) ?? 'unknown' });
    return;
  }
  if (events.enabled()) events.emit(receivedEvent(s.key(id), p.method, m));
  if ('result' in m) {
    p.subscriber.next(m.result);
    p.subscriber.complete();
  } else {
    p.subscriber.error(new JsonRpcError(m.error.code, m.error.message, m.error.data));
  }
};

/**
 * A response-shaped message naming `id` that did not decode (both `result` and `error`, a
 * `result` that is not an object, a malformed `error`). When `id` is a pending request, it
 * errors now with InvalidResponseError, and no cancel is sent: the peer did answer, and
 * waiting would only end in a timeout and a cancel for a request it no longer runs.
 * Returns whether it was one of ours: if not, the caller reports the message as before.
 */
export const rejected = (s: SentRequests, id: RequestId, errors: ReadonlyArray<string>): boolean => {
  const p = s.take(id);
  if (p === undefined) return false;
  const { events } = s.init;
  if (events.enabled())
    events.emit({ type: 'response-rejected', key: s.key(id), method: p.method, error: CancellationErrorResult.of(CancellationError.INVALID_REQUEST, errors.join('; ')) });
  p.subscriber.error(new InvalidResponseError(id, errors));
  return true;
};
