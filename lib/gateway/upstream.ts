import { finalize, isObservable, type Subscription } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { JsonRpcError, messageOf } from '../errors.js';
import type { McpClient } from '../mcp/client.js';
import type { ServerDescription } from '../mcp/client-handshake.js';
import type { ConnectTransport } from '../transport/connect.js';
import type { WireTransport } from '../transport/wire.js';
import type { GatewayEventInit } from './events.js';

/**
 * Where a gateway forwards to: one transport (a stdio child's `ndjson`, a `streamableHttpClient`,
 * a transport of the official SDK), or a function that makes one. Given a function, the gateway
 * starts the upstream on the first request and again on the first request after it died; given
 * a transport, an upstream that died stays dead, and every later request gets a -32603 that says so.
 *
 * @example
 * const upstream: UpstreamSource = () => {
 *   const child = spawn('node', ['server.js'], { stdio: ['pipe', 'pipe', 'inherit'] });
 *   return ndjson(child.stdout, child.stdin);
 * };
 */
export type UpstreamSource = ConnectTransport | (() => ConnectTransport);

interface Live {
  readonly client: McpClient;
  // its handshake's answer, once a request saw it: kept for good by the client, so kept here too
  description: ServerDescription | undefined;
  readonly generation: number;
  closed: boolean;
  events: Subscription | undefined;
  // an SDK transport's close is known only by its peer's connection-closed event
  readonly byEvents: boolean;
}

/**
 * The gateway's one upstream at a time: made from the source when first needed, marked closed
 * when its connection closes (or a request learns so), made again from a factory on the next
 * request after that. Nothing is restarted in the background: an upstream no one asks for costs
 * nothing, and one that keeps dying costs one attempt per request, not a loop.
 *
 * @example
 * const link = new UpstreamLink(source, (transport) => mcpClient(transport, options), emit);
 * link.client().request('tools/list').subscribe(show);
 */
export class UpstreamLink {
  private live: Live | undefined;
  private generation = 0;
  private shut = false;
  private watchers = 0;

  constructor(
    private readonly source: UpstreamSource,
    private readonly make: (transport: ConnectTransport) => McpClient,
    private readonly emit: (e: GatewayEventInit) => void,
  ) {}

  /** The client of the live upstream, started when there is none; a JsonRpcError (-32603) when there can be none. */
  client(): McpClient {
    if (this.shut) throw new JsonRpcError(ErrorCodes.InternalError, 'The gateway is closed');
    const live = this.live;
    if (live !== undefined && !live.closed) return live.client;
    if (live !== undefined && typeof this.source !== 'function')
      throw new JsonRpcError(ErrorCodes.InternalError, 'The upstream connection closed, and this gateway was given a transport, not a way to make one: it cannot restart it');
    return this.start();
  }

  /** The current upstream, if one runs. */
  current(): McpClient | undefined {
    return this.live?.closed === false ? this.live.client : undefined;
  }

  /** What `client`'s handshake answered, once a request saw it (`described`); `undefined` before. */
  description(client: McpClient): ServerDescription | undefined {
    const live = this.live;
    return live !== undefined && live.client === client ? live.description : undefined;
  }

  /** A request saw `client`'s handshake answer `d`: later requests need not wait on it. */
  described(client: McpClient, d: ServerDescription): void {
    const live = this.live;
    if (live !== undefined && live.client === client) live.description = d;
  }

  /** A request learned that `client`'s connection closed (it may be told before the close event). */
  closed(client: McpClient): void {
    const live = this.live;
    if (live === undefined || live.client !== client || live.closed) return;
    live.closed = true;
    live.events?.unsubscribe();
    // what the close left: the transport (a child's pipes) is let go
    client.close();
    this.emit({ type: 'upstream-closed', generation: live.generation });
  }

  /** Close the upstream, for good. */
  close(): void {
    this.shut = true;
    const live = this.live;
    if (live !== undefined) this.closed(live.client);
  }

  /**
   * Someone watches the gateway's events (`+1`) or stopped (`-1`): the live upstream's peer
   * events are relayed only while someone does. A peer's events are built only while its events$
   * is observed, so an unwatched gateway pays for none of them on each forwarded request.
   */
  watched(delta: 1 | -1): void {
    this.watchers += delta;
    const live = this.live;
    if (live !== undefined && !live.closed) this.listen(live);
  }

  private start(): McpClient {
    let transport: ConnectTransport;
    try {
      transport = typeof this.source === 'function' ? this.source() : this.source;
    } catch (e) {
      throw new JsonRpcError(ErrorCodes.InternalError, `The gateway could not start its upstream: ${messageOf(e)}`);
    }
    // one of our transports: its end is seen on its incoming$, with no need of the peer's events
    let ended = false;
    let made: McpClient | undefined;
    const onEnd = (): void => {
      if (made === undefined) ended = true;
      else this.closed(made);
    };
    const wire = isWire(transport) ? watchedWire(transport, onEnd) : undefined;
    const client = this.make(wire ?? transport);
    made = client;
    const live: Live = { client, description: undefined, generation: ++this.generation, closed: false, events: undefined, byEvents: wire === undefined };
    this.live = live;
    this.emit({ type: 'upstream-started', generation: live.generation });
    this.listen(live);
    // it ended inside make (connect subscribes at once)
    if (ended) this.closed(client);
    return client;
  }

  /** Follow the live upstream's peer events when they are needed: relayed to watchers, or its only sign of a close (an SDK transport). */
  private listen(live: Live): void {
    const wanted = live.byEvents || this.watchers > 0;
    if (wanted === (live.events !== undefined)) return;
    if (!wanted) {
      live.events?.unsubscribe();
      live.events = undefined;
      return;
    }
    const client = live.client;
    live.events = client.peer.events$.subscribe((event) => {
      this.emit({ type: 'upstream', generation: live.generation, event });
      if (event.type === 'connection-closed') this.closed(client);
    });
  }
}

const isWire = (t: ConnectTransport): t is WireTransport => 'incoming$' in t && isObservable(t.incoming$);

/** `t` with its incoming$'s end told to `onEnd` (after the peer saw it: finalize), and all else as it is. */
const watchedWire = (t: WireTransport, onEnd: () => void): WireTransport => {
  const w: WireTransport = { incoming$: t.incoming$.pipe(finalize(onEnd)), send: (m, o) => t.send(m, o), close: () => t.close() };
  // an adapted SDK transport starts when connected (connect calls its start)
  const start = (t as { start?: unknown }).start;
  return typeof start === 'function' ? Object.assign(w, { start: () => (start as () => unknown).call(t) }) : w;
};
