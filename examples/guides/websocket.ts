/**
 * The example of docs/guides/real-transports.md: a `ws` WebSocket server and client, each side a
 * peer of this library over a real socket on 127.0.0.1. A call, a call the client unsubscribes
 * from, a hang-up with a call in flight; then the pitfall, measured: the same server reading the
 * socket with a naive `fromEvent`, a stream that never completes, so its handler runs on after the
 * hang-up. Run: `npx tsx examples/guides/websocket.ts`.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Observable, Subject, filter, firstValueFrom, fromEvent, interval, last, lastValueFrom, map, take, tap, timeout, type Subscription } from 'rxjs';
import { WebSocket, WebSocketServer, type MessageEvent, type RawData } from 'ws';
import { WireFault, createPeer, type Handler, type Peer, type PeerEvent } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---- a socket as a stream: both sides use these ------------------------------------------------

/** A frame that is not JSON becomes a WireFault: the peer answers it with -32700 and reading goes on. */
const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (e) {
    return WireFault.of('parse-error', e instanceof Error ? e.message : String(e), { line: text.slice(0, 200) });
  }
};

/** A ws socket as a peer's `incoming$`: each message unwrapped and parsed, the stream ended when the socket closes. */
const messagesOf = (socket: WebSocket): Observable<unknown> =>
  new Observable<unknown>((subscriber) => {
    // ws gives the payload (a Buffer, with the default binaryType) and a flag: JSON-RPC travels in text frames
    const onMessage = (data: RawData, isBinary: boolean): void =>
      subscriber.next(isBinary ? WireFault.of('parse-error', 'a binary frame, not JSON text') : parse(data.toString()));
    // the end of incoming$ is the peer's close: it cancels the handlers in flight and runs their cleanups
    const onClose = (): void => subscriber.complete();
    // an error is a close too (ws emits 'close' right after it); erroring keeps the cause for connection-closed
    const onError = (e: Error): void => subscriber.error(e);
    socket.on('message', onMessage).on('close', onClose).on('error', onError);
    // the error listener stays: the socket may outlive this subscription, and ws throws an 'error' nobody hears
    return () => void socket.off('message', onMessage).off('close', onClose);
  });

/** ws queues what the network cannot take yet, without a bound. Past this, the reader has stopped reading. */
const MAX_BUFFERED_BYTES = 1_000_000;

/** Write each message of a peer as one text frame, and hang up on a reader that has fallen behind. */
const sendTo = (socket: WebSocket) => (m: JsonRpcMessage): void => {
  // a client that stops reading while a handler streams progress would grow the queue until memory
  // runs out; hanging up closes its connection, and the close cancels its handlers
  if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return void socket.terminate();
  socket.send(JSON.stringify(m));
};

/**
 * The pitfall: the messages of a ws socket, and nothing else. `fromEvent` takes ws's
 * `addEventListener` door, so each value is a MessageEvent to unwrap; and the stream never
 * completes, since the socket's close is not a 'message'.
 */
const naiveMessagesOf = (socket: WebSocket): Observable<unknown> =>
  fromEvent(socket, 'message').pipe(map((e) => parse(String((e as MessageEvent).data))));

// ---- the server: one peer per socket -------------------------------------------------------------

const TICK_MS = 20;
const WINDOW_MS = 200;

/** What the slow handlers of one server did: the figures of the hang-up. */
interface Stats {
  ticks: number;
  cleanups: number;
}

const handlersOf = (name: string, stats: Stats): Record<string, Handler> => ({
  echo: (params) => Promise.resolve({ text: String((params as { text?: unknown }).text) }),

  // 5 s of work, one tick every 20 ms, and a cleanup that counts itself
  slow: (_params, ctx) => {
    ctx.onCleanup(() => {
      stats.cleanups++;
      print(`${name}  cleanup of slow #${String(ctx.requestId)} ran`);
    });
    return interval(TICK_MS).pipe(
      tap(() => stats.ticks++),
      take(250),
      last(),
      map(() => ({ done: true })),
    );
  },
});

/** A server's log of what its peers decided. */
const logServer = (name: string) => (e: PeerEvent): void => {
  if (e.type === 'request-received') print(`${name}  received ${e.method} #${String(e.key.requestId)}`);
  if (e.type === 'request-cancelled') print(`${name}  cancelled #${String(e.key.requestId)} (${e.reason.source}), no response sent`);
  if (e.type === 'connection-closed') print(`${name}  connection closed`);
};

interface Server {
  readonly url: string;
  readonly stats: Stats;
  readonly events$: Observable<PeerEvent>;
  /** Resolves when the server sees its next socket close. */
  nextClose(): Promise<void>;
  /** Requests still served, over all connections. */
  serving(): number;
  /** Unsubscribe every connection, then stop listening. */
  close(): Promise<void>;
}

const startServer = async (name: string, incomingOf: (socket: WebSocket) => Observable<unknown>): Promise<Server> => {
  const stats: Stats = { ticks: 0, cleanups: 0 };
  const events$ = new Subject<PeerEvent>();
  const closes$ = new Subject<void>();
  const connections = new Map<Subscription, Peer>();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');

  wss.on('connection', (socket) => {
    socket.on('close', () => closes$.next());
    const peer = createPeer(incomingOf(socket), { handlers: handlersOf(name, stats) });
    // events$ is hot: subscribe before outgoing$, which is what starts the peer
    peer.events$.subscribe((e) => {
      logServer(name)(e);
      events$.next(e);
    });
    const connection = peer.outgoing$
      .pipe(tap((m) => print(`wire    ${name} → client ${JSON.stringify(m)}`)))
      .subscribe(sendTo(socket));
    connections.set(connection, peer);
    connection.add(() => connections.delete(connection));
  });

  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    stats,
    events$,
    nextClose: () => firstValueFrom(closes$),
    serving: () => [...connections.values()].reduce((n, peer) => n + peer.inFlight().serving, 0),
    close: async () => {
      for (const connection of [...connections.keys()]) connection.unsubscribe();
      await new Promise<void>((resolve, reject) => wss.close((e) => (e === undefined ? resolve() : reject(e))));
    },
  };
};

// ---- the client: a peer on a ws client socket ------------------------------------------------------

interface Client {
  readonly socket: WebSocket;
  readonly peer: Peer;
}

const connectClient = async (url: string): Promise<Client> => {
  const socket = new WebSocket(url);
  const peer = createPeer(messagesOf(socket), { timeoutMs: 5_000 });
  peer.events$.subscribe((e) => {
    if (e.type === 'cancel-sent') print(`client  sent notifications/cancelled for #${String(e.key.requestId)}`);
    if (e.type === 'peer-error') print(`client  the server reports ${e.error.code}: ${e.error.message}`);
  });
  // ws's send throws while the socket connects: subscribe outgoing$ once it is open (requests made before it wait)
  await once(socket, 'open');
  peer.outgoing$.pipe(tap((m) => print(`wire    client → server ${JSON.stringify(m)}`))).subscribe(sendTo(socket));
  return { socket, peer };
};

// ---- the run ----------------------------------------------------------------------------------------

/** The next server event of a type, with a bounded wait. */
const next = (server: Server, type: PeerEvent['type']): Promise<PeerEvent> =>
  firstValueFrom(server.events$.pipe(filter((e) => e.type === type), timeout(5_000)));

/** Hang up, then count the ticks of the server's handlers in a fixed window after it saw the close, and its cleanups. */
const measureHangUp = async (server: Server, client: Client): Promise<Stats> => {
  const cleanupsBefore = server.stats.cleanups;
  const seen = server.nextClose();
  print('client  hangs up');
  client.socket.terminate();
  await seen;
  const ticksAtClose = server.stats.ticks;
  await sleep(WINDOW_MS);
  return { ticks: server.stats.ticks - ticksAtClose, cleanups: server.stats.cleanups - cleanupsBefore };
};

const failure = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

async function main(): Promise<number> {
  const server = await startServer('server', messagesOf);
  const client = await connectClient(server.url);

  print('-- 1) a call');
  const echoed = await firstValueFrom(client.peer.request<{ text: string }>('echo', { text: 'hello' }));
  print(`client  echo answered: ${echoed.text}`);

  print('-- 2) a frame that is not JSON: the server answers -32700, and the connection goes on');
  const reported = firstValueFrom(client.peer.events$.pipe(filter((e) => e.type === 'peer-error'), timeout(5_000)));
  print('wire    client → server {"jsonrpc":"2.0","id":');
  client.socket.send('{"jsonrpc":"2.0","id":');
  await reported;

  print('-- 3) the client unsubscribes from a slow call');
  const received = next(server, 'request-received');
  const call = client.peer.request('slow').subscribe();
  await received;
  await sleep(3 * TICK_MS);
  const cancelled = next(server, 'request-cancelled');
  call.unsubscribe();
  await cancelled;
  print(`server  cleanups so far: ${server.stats.cleanups}`);

  print('-- 4) the client hangs up with a slow call in flight');
  const orphan = lastValueFrom(client.peer.request('slow')).then(() => 'a result', failure);
  await next(server, 'request-received');
  await sleep(3 * TICK_MS);
  const hangUp = await measureHangUp(server, client);
  print(`client  error: ${await orphan}`);
  print(`server  after the hang-up: ${hangUp.ticks} ticks in ${WINDOW_MS} ms, cleanups ${hangUp.cleanups}, still served ${server.serving()}`);
  await server.close();

  print("-- 5) the pitfall: the same server on fromEvent(socket, 'message'), which never completes");
  const naive = await startServer('naive ', naiveMessagesOf);
  const naiveClient = await connectClient(naive.url);
  const naiveOrphan = lastValueFrom(naiveClient.peer.request('slow')).then(() => 'a result', failure);
  await next(naive, 'request-received');
  await sleep(3 * TICK_MS);
  const naiveHangUp = await measureHangUp(naive, naiveClient);
  print(`client  error: ${await naiveOrphan}`);
  print(`naive   after the hang-up: ${naiveHangUp.ticks} ticks in ${WINDOW_MS} ms, cleanups ${naiveHangUp.cleanups}, still served ${naive.serving()}`);
  // the socket is gone, and only the server's own shutdown ends the handler now
  await naive.close();
  print(`naive   cleanups ${naive.stats.cleanups} once the server unsubscribed the connection itself`);

  const right = hangUp.ticks === 0 && hangUp.cleanups === 1 && server.stats.cleanups === 2;
  const wrong = naiveHangUp.ticks > 0 && naiveHangUp.cleanups === 0 && naive.stats.cleanups === 1;
  return right && wrong ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`example failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
