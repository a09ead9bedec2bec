/**
 * The example of docs/guides/peer-in-an-rxjs-app.md: two peers in one process, wired to each
 * other through JSON as a real wire would be. The client side is an RxJS app: a search box whose
 * queries go through `switchMap`, so each new query cancels the previous request on the wire.
 * Then a timeout, an AbortSignal, a tool that asks the client back (`ctx.request`), and a close
 * with a request in flight. Run: `npx tsx examples/guides/peer-in-an-rxjs-app.ts`.
 */
import { Subject, catchError, firstValueFrom, interval, last, lastValueFrom, map, of, switchMap, take, tap, type Observable } from 'rxjs';
import { createPeer, type Handler, type PeerEvent } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';

const print = (line: string): void => void process.stdout.write(`${line}\n`);

// ---- the server side: one slow handler ---------------------------------------------------------

const cleanups = new Map<string, number>();

/** A search that takes 3 steps of 100 ms, with progress on each, and a cleanup that runs once. */
const search: Handler = (params, ctx) => {
  const q = String((params as { q?: unknown }).q);
  ctx.onCleanup(() => {
    cleanups.set(q, (cleanups.get(q) ?? 0) + 1);
    print(`server  cleanup for "${q}" ran`);
  });
  return interval(100).pipe(
    take(3),
    tap((i) => ctx.progress(i + 1, 3)),
    last(),
    map(() => ({ hits: [`${q}-guide.md`] })),
  );
};

/** The server's log: events$ is the place to read what happened to each request. */
const logServer = (e: PeerEvent): void => {
  if (e.type === 'request-received') print(`server  received ${e.method} #${String(e.key.requestId)}`);
  if (e.type === 'request-completed') print(`server  completed #${String(e.key.requestId)}`);
  if (e.type === 'request-cancelled') {
    const why = e.reason.reason === undefined ? e.reason.source : `${e.reason.source}: ${e.reason.reason}`;
    print(`server  cancelled #${String(e.key.requestId)} (${why}), no response sent`);
  }
  if (e.type === 'connection-closed') print('server  connection closed');
};

// ---- a handler that asks back: an elicitation tied to the call it serves ---------------------

const handlers: Record<string, Handler> = {
  'tools/call': (_params, ctx) =>
    ctx.request<{ action: string }>('elicitation/create', {
      message: 'Delete the backup?',
      requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
    }).pipe(map((answer) => ({ content: [{ type: 'text', text: answer.action }] }))),
};

// ---- the wire: two Subjects, and JSON in between -------------------------------------------------

const toServer = new Subject<unknown>();
const toClient = new Subject<unknown>();
const server = createPeer(toServer, { handlers: { search } });
const client = createPeer(toClient, { timeoutMs: 5_000 });

// events$ is hot: subscribe before outgoing$, which is what starts the peer
server.events$.subscribe(logServer);

/** What the client writes, as it would go on a real wire. */
const showWire = (m: JsonRpcMessage): void => print(`wire    client → server ${JSON.stringify(m)}`);

// one subscription to outgoing$ per peer: it is the connection
const serverSide = server.outgoing$.subscribe((m) => toClient.next(JSON.parse(JSON.stringify(m))));
const clientSide = client.outgoing$.pipe(tap(showWire)).subscribe((m) => toServer.next(JSON.parse(JSON.stringify(m))));

// ---- the app: a search box -------------------------------------------------------------------

interface SearchResult {
  readonly hits: string[];
}

const keystrokes$ = new Subject<string>();

// switchMap unsubscribes the request of the previous query when a new one comes: for a request
// still in flight, that unsubscribe is one notifications/cancelled on the wire
const results$: Observable<SearchResult> = keystrokes$.pipe(
  switchMap((q) =>
    client
      .request<SearchResult>('search', { q }, {
        reason: `superseded by a newer query than "${q}"`,
        onProgress: (p) => print(`client  progress for "${q}": ${p.progress}/${p.total ?? '?'}`),
      })
      .pipe(
        // inside switchMap: a failed search must not end the stream of the search box
        catchError((e: Error) => {
          print(`client  search "${q}" failed: ${e.message}`);
          return of({ hits: [] });
        }),
      ),
  ),
);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  print('-- 1) typing "r", "rx", "rxjs" 50 ms apart; each search takes 300 ms');
  const first = firstValueFrom(results$);
  for (const q of ['r', 'rx', 'rxjs']) {
    keystrokes$.next(q);
    await sleep(50);
  }
  print(`client  result: ${JSON.stringify(await first)}`);

  print('-- 2) timeoutMs: 150 for a search that takes 300 ms');
  const timedOut = await lastValueFrom(
    client.request('search', { q: 'slow' }, { timeoutMs: 150 }).pipe(catchError((e: Error) => of(`${e.name}: ${e.message}`))),
  );
  print(`client  error: ${String(timedOut)}`);

  print('-- 3) signal: an AbortController aborted after 50 ms');
  const ac = new AbortController();
  setTimeout(() => ac.abort('the user closed the tab'), 50);
  const aborted = await lastValueFrom(
    client.request('search', { q: 'tab' }, { signal: ac.signal }).pipe(catchError((e: Error) => of(`${e.name}: ${e.message}`))),
  );
  print(`client  error: ${String(aborted)}`);

  print('-- 4) the connection closes with a search in flight');
  const orphan = lastValueFrom(client.request('search', { q: 'backup' })).catch((e: Error) => `${e.name}: ${e.message}`);
  await sleep(50);
  // a real transport ends its incoming$ when the socket closes: here, both directions end at once
  toServer.complete();
  toClient.complete();
  print(`client  error: ${String(await orphan)}`);
  serverSide.unsubscribe();
  clientSide.unsubscribe();

  print('-- 5) a tool asks the client back with ctx.request (a second pair of peers)');
  const toTool = new Subject<unknown>();
  const toUser = new Subject<unknown>();
  const tools = createPeer(toTool, { handlers });
  // the client answers the server's elicitation (a real client would ask its user)
  const user = createPeer(toUser, { handlers: { 'elicitation/create': () => Promise.resolve({ action: 'accept', content: { ok: true } }) } });
  tools.outgoing$.subscribe((m) => {
    print(`wire    server → client ${JSON.stringify(m)}`);
    toUser.next(JSON.parse(JSON.stringify(m)));
  });
  user.outgoing$.subscribe((m) => toTool.next(JSON.parse(JSON.stringify(m))));
  const tool = await firstValueFrom(user.request<{ content: Array<{ text: string }> }>('tools/call', { name: 'delete_backup' }));
  print(`client  tool result: ${tool.content[0]?.text ?? '?'}`);
  toTool.complete();
  toUser.complete();

  print(`summary cleanups ${JSON.stringify(Object.fromEntries(cleanups))}`);
  print(`summary in flight: client ${JSON.stringify(client.inFlight())}, server ${JSON.stringify(server.inFlight())}`);
  const once = cleanups.size === 6 && [...cleanups.values()].every((n) => n === 1);
  const idle = client.inFlight().sending === 0 && server.inFlight().serving === 0;
  return once && idle ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`example failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
