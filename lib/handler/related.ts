import type { JsonRpcMessage, RequestId } from '../codec/messages.js';

// Which request an outgoing notification belongs to (progress, ctx.notify). Kept beside the
// message rather than in it, so the wire form stays exactly MCP's and plain users pay nothing;
// transports read it to route the message (Streamable HTTP sends it on that request's stream).
const related = new WeakMap<object, RequestId>();

/** Mark `message` as sent for the request `id`. */
export const relate = <M extends JsonRpcMessage>(message: M, id: RequestId): M => {
  related.set(message, id);
  return message;
};

/**
 * The request an outgoing message belongs to: its own id for a response, the request's id for a
 * notification a handler sent while serving it, `undefined` otherwise.
 *
 * @example
 * peer.outgoing$.subscribe((m) => transport.send(m, { relatedRequestId: relatedRequestId(m) }));
 */
export const relatedRequestId = (message: JsonRpcMessage): RequestId | undefined => {
  // a response is its own request's: no WeakMap lookup on the hot path
  if (!('method' in message)) return 'id' in message && message.id !== null ? message.id : undefined;
  return related.get(message);
};
