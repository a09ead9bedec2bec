import type { Observable } from 'rxjs';
import type { JsonRpcMessage, RequestId } from '../codec/messages.js';

/**
 * Options of one {@link WireTransport.send}.
 *
 * @example
 * peer.outgoing$.subscribe((m) => wire.send(m, { relatedRequestId: relatedRequestId(m) }));
 */
export interface WireSendOptions {
  /** The request this message belongs to (a response, a handler's progress): Streamable HTTP sends it on that request's stream. */
  readonly relatedRequestId?: RequestId;
}

/**
 * What a peer needs from a transport: the values it receives, and a sink for what it sends.
 * `incoming$` completing (or erroring) means the connection closed. A transport may also emit a
 * `WireFault` on `incoming$` (a line that is not JSON, a transport error): the peer answers it.
 *
 * `send` returns nothing only when the message was written (or handed to the output). Otherwise
 * it returns a Promise that resolves once the message is written and rejects when it never will
 * be: after the close that is a `ConnectionClosedError`, never a silent no-op. That Promise
 * should already be handled (a no-op `catch` attached to it), so that a caller that ignores it
 * gets no `unhandledRejection`.
 *
 * @example
 * const wire: WireTransport = ndjson(process.stdin, process.stdout);
 * const { peer, subscription } = connect(wire, { handlers });
 */
export interface WireTransport {
  readonly incoming$: Observable<unknown>;
  send(message: JsonRpcMessage, options?: WireSendOptions): void | Promise<void>;
  close(): void | Promise<void>;
}
