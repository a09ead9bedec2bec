import { Observable, Subscription, isObservable } from 'rxjs';
import { cancelledRequestId } from '../codec/cancelled.js';
import { isRequestMessage, type JsonRpcMessage, type RequestId } from '../codec/messages.js';
import { relatedRequestId } from '../handler/related.js';
import { FailedSend, WireFault } from '../peer/wire-fault.js';
import { messageOf } from '../errors.js';
import { createPeer, type Peer, type PeerOptions } from '../peer/create-peer.js';
import { fromSdkTransport, type SdkTransport } from './sdk.js';
import type { WireSendOptions, WireTransport } from './wire.js';

/**
 * A peer wired to a transport, and the one handle that ends it all.
 *
 * @example
 * const { peer, subscription }: Connection = connect(ndjson(child.stdout, child.stdin));
 */
export interface Connection {
  readonly peer: Peer;
  /** Unsubscribe to close: requests in flight both ways are cancelled, cleanups run, the transport is closed. */
  readonly subscription: Subscription;
}

/**
 * Either kind {@link connect} takes: ours, or any transport of the official SDK.
 *
 * @example
 * const t: ConnectTransport = useSdk ? new StdioServerTransport() : ndjson(process.stdin, process.stdout);
 */
export type ConnectTransport = WireTransport | SdkTransport;

const isWire = (t: ConnectTransport): t is WireTransport => 'incoming$' in t && isObservable(t.incoming$);

/** A WireTransport still to be started: what `fromSdkTransport` returns (an SdkWireTransport). */
type Startable = WireTransport & { start(): void | Promise<void> };
const isStartable = (t: WireTransport): t is Startable => typeof (t as { start?: unknown }).start === 'function';

/**
 * What the peer sent before the transport started, minus the requests abandoned meanwhile
 * (unsubscribed, timed out, aborted): a request whose cancel waits behind it never went out, so
 * neither it nor its cancel is sent. One O(n) pass, once per connection, copying only when
 * something was abandoned.
 */
const withoutAbandoned = (waiting: JsonRpcMessage[]): JsonRpcMessage[] => {
  let requests: Set<RequestId> | undefined;
  let abandoned: Set<RequestId> | undefined;
  for (const m of waiting) {
    if (isRequestMessage(m)) (requests ??= new Set()).add(m.id);
    else {
      const id = cancelledRequestId(m);
      if (id !== undefined && requests?.has(id) === true) (abandoned ??= new Set()).add(id);
    }
  }
  if (abandoned === undefined) return waiting;
  const dead = abandoned;
  return waiting.filter((m) => {
    const id = isRequestMessage(m) ? m.id : cancelledRequestId(m);
    return id === undefined || !dead.has(id);
  });
};

const sendOptions = (m: JsonRpcMessage): WireSendOptions | undefined => {
  const id = relatedRequestId(m);
  return id === undefined ? undefined : { relatedRequestId: id };
};

/**
 * Wire a peer to a transport: a {@link WireTransport} (`ndjson(...)`, your own) or a transport of
 * the official SDK (told apart by shape: only ours has `incoming$`), which is adapted with
 * `fromSdkTransport` and started once its callbacks are set, as the SDK requires. A transport
 * adapted already (`connect(fromSdkTransport(t))`, or any WireTransport with a `start()`) is
 * started the same way: do not start it yourself. What the peer sends before `start()` resolves
 * waits, in order; a request abandoned meanwhile is never sent, nor is its cancel.
 *
 * Each outgoing message is sent with its `relatedRequestId`. A failed send or start is a
 * `transport-error` event, never a crash. The transport closing (`incoming$` completing)
 * cancels every request in flight both ways (cleanups run once, no response is sent) and
 * errors every pending `request()` with `ConnectionClosedError`; unsubscribing `subscription`
 * does the same, then closes the transport.
 *
 * @example
 * import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
 * const { peer, subscription } = connect(new StdioClientTransport({ command: 'node', args: ['server.js'] }));
 * peer.request('tools/list').subscribe((r) => show(r));
 * // later: cancels what is in flight, then closes the transport
 * subscription.unsubscribe();
 */
export function connect(transport: ConnectTransport, options: PeerOptions = {}): Connection {
  // an SDK transport adapted already (fromSdkTransport's doc example) needs its start() too: one
  // that is never started never reads, and the peer never answers
  const sdk: Startable | undefined = isWire(transport) ? (isStartable(transport) ? transport : undefined) : fromSdkTransport(transport);
  const wire: WireTransport = sdk ?? (transport as WireTransport);

  // transport errors that happen on our side of the seam (a send that fails) go in band, like
  // the transport's own: the peer reports them on events$
  let report: ((f: WireFault) => void) | undefined;
  const incoming$ = new Observable<unknown>((subscriber) => {
    report = (f) => subscriber.next(f);
    const s = wire.incoming$.subscribe(subscriber);
    return () => {
      report = undefined;
      s.unsubscribe();
    };
  });
  const fail = (what: string, e: unknown): void => report?.(WireFault.of('transport-error', `${what}: ${messageOf(e)}`, e));
  // a request that could not be written errors at once (RequestSendError), as vscode-jsonrpc's
  // does, rather than waiting for a timeout: the fault is tagged with its id for the peer
  const failSend = (m: JsonRpcMessage, e: unknown): void => {
    const fault = WireFault.of('transport-error', `send failed: ${messageOf(e)}`, e);
    report?.(isRequestMessage(m) ? FailedSend.tag(fault, m.id) : fault);
  };

  const send = (m: JsonRpcMessage): void => {
    try {
      const sent = wire.send(m, sendOptions(m));
      if (sent !== undefined) sent.then(undefined, (e: unknown) => failSend(m, e));
    } catch (e) {
      failSend(m, e);
    }
  };

  let closing = false;
  const close = (): void => {
    if (closing) return;
    closing = true;
    try {
      const closed = wire.close();
      if (closed !== undefined) closed.then(undefined, () => undefined);
    } catch {
      // the transport is going away whatever it says; nobody is left to hear it
    }
  };

  const peer = createPeer(incoming$, options);
  // an SDK transport starts after its callbacks are set (subscribing does that); what the peer
  // sends before start() resolves waits, in order
  let backlog: JsonRpcMessage[] | undefined = sdk === undefined ? undefined : [];
  const subscription = new Subscription();
  // teardown in this order: the peer closes first (cancels, cleanups, ConnectionClosedError), then the transport
  subscription.add(
    peer.outgoing$.subscribe({
      next: (m) => (backlog !== undefined ? backlog.push(m) : send(m)),
      // incoming$ ended: the transport closed; closing it again is a no-op for it, and frees ours
      complete: close,
    }),
  );
  subscription.add(close);
  if (sdk !== undefined && !subscription.closed) {
    let started: Promise<void>;
    try {
      started = Promise.resolve(sdk.start());
    } catch (e) {
      started = Promise.reject(e);
    }
    started.then(
      () => {
        const waiting = withoutAbandoned(backlog ?? []);
        backlog = undefined;
        for (const m of waiting) {
          // a send may close the connection (a transport that fails hard): stop there
          if (subscription.closed) break;
          send(m);
        }
      },
      (e: unknown) => {
        fail('start failed', e);
        subscription.unsubscribe();
      },
    );
  }
  return { peer, subscription };
}
