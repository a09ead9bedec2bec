/**
 * The example of docs/guides/serve-an-existing-stream.md: `serve(handlers, options)` piped into
 * a message stream the app already has. Here the stream is a stand-in for a WebSocket (text
 * frames in, text frames out); a client is played by hand, frame by frame, so every message is
 * visible. Run: `npx tsx examples/guides/serve-an-existing-stream.ts`.
 */
import { Subject, filter, firstValueFrom, interval, last, map, take, tap, timeout, type Subscription } from 'rxjs';
import { CancellationManager, WireFault, serve, type Handler, type PeerEvent } from '../../lib/index.js';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the stream you already have -----------------------------------------------------------------

/** A stand-in for a WebSocket connection: `frames$` is what the client sends, `send` writes back. */
class Socket {
  readonly frames$ = new Subject<string>();
  readonly sent$ = new Subject<Record<string, unknown>>();
  readonly sent: Array<Record<string, unknown>> = [];
  constructor(readonly id: string) {}

  /** The client sends a frame. */
  receive(text: string): void {
    print(`${this.id}  client → ${text}`);
    this.frames$.next(text);
  }

  /** The server writes a frame. */
  send(text: string): void {
    print(`${this.id}  server → ${text}`);
    const m = JSON.parse(text) as Record<string, unknown>;
    this.sent.push(m);
    this.sent$.next(m);
  }

  /** The client hangs up: the stream of frames ends. */
  hangUp(): void {
    print(`${this.id}  client hangs up`);
    this.frames$.complete();
  }

  /** The next frame the server writes that matches. */
  next(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return firstValueFrom(this.sent$.pipe(filter(match), timeout(5_000)));
  }
}

// ---- the handlers ---------------------------------------------------------------------------------

const cleanups: string[] = [];

const handlers: Record<string, Handler> = {
  // a Promise handler that ends quickly
  echo: (params) => Promise.resolve({ text: String((params as { text?: unknown }).text) }),

  // an Observable handler: a cancel unsubscribes it
  count: (_params, ctx) => {
    ctx.onCleanup(() => void cleanups.push(`${ctx.sessionId ?? '?'} count #${String(ctx.requestId)}`));
    return interval(50).pipe(
      take(100),
      tap((i) => ctx.progress(i + 1, 100)),
      last(),
      map(() => ({ counted: 100 })),
    );
  },

  // a Promise handler cannot be unsubscribed: it must watch ctx.signal, or its work runs on
  // after a cancel (here a timer that would keep the process alive for 10 s)
  wait: (_params, ctx) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ waited: true }), 10_000);
      ctx.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      ctx.onCleanup(() => void cleanups.push(`${ctx.sessionId ?? '?'} wait #${String(ctx.requestId)} (${JSON.stringify(ctx.signal.reason)})`));
    }),
};

// ---- wiring: one subscription per connection --------------------------------------------------------

/** A frame that is not JSON becomes a WireFault: the server answers it with -32700 and reading goes on. */
const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (e) {
    return WireFault.of('parse-error', e instanceof Error ? e.message : String(e), { line: text.slice(0, 200) });
  }
};

/** What the server decided, one line per event. */
const audit = (socket: string) => (e: PeerEvent): void => {
  const id = 'key' in e && e.key !== undefined ? ` #${JSON.stringify(e.key.requestId)}` : '';
  if (e.type === 'request-cancelled') print(`${socket}  event  request-cancelled${id} (${e.reason.source}), no response`);
  if (e.type === 'cancel-ignored') print(`${socket}  event  cancel-ignored${id} (${e.why})`);
  if (e.type === 'message-rejected') print(`${socket}  event  message-rejected (${e.error.message})`);
  if (e.type === 'connection-closed') print(`${socket}  event  connection-closed`);
};

// one registry for both sockets: each socket's sessionId keeps its keys apart
const manager = new CancellationManager();

const open = (socket: Socket): Subscription =>
  socket.frames$
    .pipe(
      map(parse),
      serve(handlers, {
        sessionId: socket.id,
        manager,
        security: { maxCancellationsPerSecond: 10, burst: 10 },
        events: audit(socket.id),
      }),
    )
    .subscribe((m) => socket.send(JSON.stringify(m)));

async function main(): Promise<number> {
  const a = new Socket('A');
  const b = new Socket('B');
  const connectionA = open(a);
  const connectionB = open(b);

  print('-- 1) a request, a batch, a frame that is not JSON');
  let reply = a.next((m) => m['id'] === 1);
  a.receive('{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"hello"}}');
  await reply;
  reply = a.next((m) => m['id'] === 3);
  a.receive('[{"jsonrpc":"2.0","id":2,"method":"echo","params":{"text":"one"}},{"jsonrpc":"2.0","id":3,"method":"echo","params":{"text":"two"}}]');
  await reply;
  reply = a.next((m) => m['id'] === null);
  a.receive('{"jsonrpc":"2.0","id":4,');
  await reply;

  print('-- 2) a request with a progress token, cancelled after its second progress');
  const secondProgress = a.next((m) => m['method'] === 'notifications/progress' && (m['params'] as { progress?: unknown }).progress === 2);
  a.receive('{"jsonrpc":"2.0","id":5,"method":"count","params":{"_meta":{"progressToken":"p5"}}}');
  await secondProgress;
  a.receive('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5,"reason":"enough"}}');
  await sleep(150);
  const answered5 = a.sent.some((m) => m['id'] === 5);
  const progress5 = a.sent.filter((m) => m['method'] === 'notifications/progress').length;
  print(`A  150 ms later: ${answered5 ? 'a response' : 'no response'} for #5, ${progress5} progress notifications in all`);

  print('-- 3) two sockets, one manager: B cannot cancel A\'s request 6');
  a.receive('{"jsonrpc":"2.0","id":6,"method":"wait"}');
  b.receive('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":6}}');

  print('-- 4) A hangs up with request 6 in flight; B\'s connection is closed by unsubscribing');
  a.hangUp();
  b.receive('{"jsonrpc":"2.0","id":6,"method":"wait"}');
  connectionB.unsubscribe();
  connectionA.unsubscribe();

  print(`summary cleanups: ${cleanups.join('; ')}`);
  print(`summary requests still registered: ${manager.size}`);
  return cleanups.length === 3 && manager.size === 0 && !answered5 && progress5 === 2 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`example failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
