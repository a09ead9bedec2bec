import { Observable, type Subscriber } from 'rxjs';
import { RequestId, type JsonRpcMessage } from '../codec/messages.js';
import { WireFault } from '../peer/wire-fault.js';
import { messageOf } from '../errors.js';
import { ignorable, notSent } from './send-result.js';
import type { WireSendOptions, WireTransport } from './wire.js';

/**
 * The SDK's `TransportSendOptions`, all of it: a client transport declares only the resumption
 * members, and a type must share one with it to be assignable.
 *
 * @example
 * const o: SdkSendOptions = { relatedRequestId: 3 };
 */
export interface SdkSendOptions {
  relatedRequestId?: RequestId | undefined;
  resumptionToken?: string | undefined;
  onresumptiontoken?: ((token: string) => void) | undefined;
}

/**
 * The shape of the official SDK's `Transport` (`@modelcontextprotocol/sdk/shared/transport.js`),
 * written out here so that this package never needs the SDK, not even for its types: the SDK is
 * an optional peer dependency, and our declarations must resolve without it. Every SDK transport
 * (stdio, Streamable HTTP, in-memory) is assignable to it; spec/transport checks that it stays so.
 *
 * Callback parameters are typed `never`: the SDK declares `onmessage` over its own message type
 * (generic, in `Transport`), and only a `never` parameter accepts them all; we assign wider
 * functions to them, which is always sound.
 *
 * @example
 * import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
 * const [a]: SdkTransport[] = InMemoryTransport.createLinkedPair();
 */
export interface SdkTransport {
  start(): Promise<void>;
  send(message: never, options?: SdkSendOptions): Promise<void>;
  close(): Promise<void>;
  onclose?: (() => void) | undefined;
  onerror?: ((error: never) => void) | undefined;
  onmessage?: ((message: never, extra?: never) => void) | undefined;
  sessionId?: string | undefined;
  setProtocolVersion?: ((version: string) => void) | undefined;
}

/**
 * A {@link WireTransport} over an SDK transport, with the SDK's `start()` still to call
 * (`connect` calls it).
 *
 * @example
 * const wire = fromSdkTransport(sdkTransport);
 * const peer = createPeer(wire.incoming$);
 * peer.outgoing$.subscribe((m) => wire.send(m, { relatedRequestId: relatedRequestId(m) }));
 * await wire.start();
 */
export interface SdkWireTransport extends WireTransport {
  /** Start the SDK transport (spawn the process, open the stream); call it after subscribing to `incoming$`. */
  start(): Promise<void>;
  /** The SDK transport's session id, when it has one (Streamable HTTP). */
  readonly sessionId: string | undefined;
}

const INITIALIZE = 'initialize';

type Rec = Record<string, unknown>;
const isRec = (u: unknown): u is Rec => typeof u === 'object' && u !== null;
// the same rule as the decoder's: a usable id is a string or a safe integer
const idOf = (m: Rec): RequestId | undefined => (RequestId.is(m['id']) ? m['id'] : undefined);
const versionOf = (m: Rec): string | undefined => {
  const r = m['result'];
  return isRec(r) && typeof r['protocolVersion'] === 'string' ? r['protocolVersion'] : undefined;
};

/**
 * Adapt a transport of the official `@modelcontextprotocol/sdk` (stdio client or server,
 * Streamable HTTP client or server, in-memory) into a {@link WireTransport}.
 *
 * - `send` hands `relatedRequestId` to the SDK's `send`: over Streamable HTTP a handler's
 *   progress and its response travel on that request's stream.
 * - After an `initialize` result passes through (ours to a request we received, or the peer's to
 *   one we sent), it calls `setProtocolVersion` when the transport has one, as the SDK's own
 *   Client and Server do (the HTTP client sends it as a header from then on).
 * - The SDK's `onerror` is not a close: it becomes a `transport-error` event (a `WireFault` on
 *   `incoming$`). Only `onclose` closes: `incoming$` completes.
 * - After the close (`close()`, or the SDK's `onclose`), `send` hands nothing to the SDK, whose
 *   transports differ here (the stdio server's would still write, and resolve): it returns a
 *   Promise rejected with `ConnectionClosedError`. Every Promise `send` returns is already
 *   handled, so a caller that ignores one gets no `unhandledRejection`.
 *
 * @example
 * import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
 * const { peer } = connect(fromSdkTransport(new StdioServerTransport()), { handlers });
 */
export function fromSdkTransport(transport: SdkTransport): SdkWireTransport {
  // initialize requests in flight, each way: their result carries the negotiated version
  const initializeReceived = new Set<RequestId>();
  const initializeSent = new Set<RequestId>();
  let reader: Subscriber<unknown> | undefined;
  let closed = false;

  const setVersion = (m: Rec): void => {
    const version = versionOf(m);
    if (version === undefined || transport.setProtocolVersion === undefined) return;
    try {
      transport.setProtocolVersion(version);
    } catch (e) {
      reader?.next(WireFault.of('transport-error', `setProtocolVersion failed: ${messageOf(e)}`, e));
    }
  };

  const incoming$ = new Observable<unknown>((subscriber) => {
    if (reader !== undefined) {
      subscriber.error(new Error('fromSdkTransport: incoming$ is already subscribed: one reader per transport'));
      return undefined;
    }
    if (closed) {
      subscriber.complete();
      return undefined;
    }
    reader = subscriber;
    transport.onmessage = (message: unknown) => {
      if (isRec(message)) {
        const id = idOf(message);
        if (id !== undefined) {
          if (message['method'] === INITIALIZE) initializeReceived.add(id);
          // before passing it on: what the peer sends next (notifications/initialized) needs the version
          else if (!('method' in message) && initializeSent.delete(id)) setVersion(message);
        }
      }
      subscriber.next(message);
    };
    transport.onerror = (error: unknown) => subscriber.next(WireFault.of('transport-error', messageOf(error), error));
    transport.onclose = () => {
      closed = true;
      subscriber.complete();
    };
    return () => {
      transport.onmessage = undefined;
      transport.onerror = undefined;
      transport.onclose = undefined;
      if (reader === subscriber) reader = undefined;
    };
  });

  return {
    incoming$,
    get sessionId() {
      return transport.sessionId;
    },
    start: () => transport.start(),
    send: (m: JsonRpcMessage, options?: WireSendOptions): Promise<void> => {
      // closed: the other side has been told the stream ended; a message now must not go out,
      // and must not look sent either
      if (closed) return notSent('fromSdkTransport', 'the transport is closed');
      const rec = m as Rec;
      const id = idOf(rec);
      const answersInitialize = id !== undefined && !('method' in m) && initializeReceived.delete(id);
      if (id !== undefined && 'method' in m && m.method === INITIALIZE) initializeSent.add(id);
      const related = options?.relatedRequestId;
      // our message types are the wire form the SDK's schemas accept; `never` is its parameter here
      const sent = transport.send(m as never, related === undefined ? undefined : { relatedRequestId: related });
      // the SDK Server sets it before its result goes out; the HTTP server transport needs it
      // for the requests after initialize, never for the initialize response itself
      if (answersInitialize && 'result' in m) setVersion(rec);
      // Promise.resolve: the same Promise for a real one, and safe for a transport typed loosely
      return ignorable(Promise.resolve(sent));
    },
    close: () => {
      closed = true;
      return transport.close();
    },
  };
}
