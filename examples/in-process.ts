/**
 * Two MCP peers in one process, wired to each other through JSON (as a wire would), showing
 * the three ways a request ends early: the caller cancels it, it times out, or the connection
 * closes. Run: `npx tsx examples/in-process.ts`.
 */
import { Subject, interval, lastValueFrom, map, take, tap, last } from 'rxjs';
import { createPeer, type PeerEvent, type RequestContext } from '../lib/index.js';

const t0 = Date.now();
const stamp = () => `${String(Date.now() - t0).padStart(5)} ms`;
const print = (who: string, line: string) => process.stdout.write(`${stamp()}  ${who.padEnd(6)} ${line}\n`);

const cleanups = new Map<string, number>();

/** A long job: one step every 100 ms, progress on each, a resource released exactly once. */
const longJob = (params: unknown, ctx: RequestContext) => {
  const { name, steps } = params as { name: string; steps: number };
  ctx.onCleanup(() => {
    cleanups.set(name, (cleanups.get(name) ?? 0) + 1);
    print('server', `cleanup of "${name}" (request ${JSON.stringify(ctx.requestId)}) ran`);
  });
  return interval(100).pipe(
    take(steps),
    tap((i) => ctx.progress(i + 1, steps, `${name}: step ${i + 1}/${steps}`)),
    last(),
    map(() => ({ content: [{ type: 'text', text: `${name} finished` }] })),
  );
};

const describe = (e: PeerEvent): string | undefined => {
  switch (e.type) {
    case 'request-received':
      return `received ${e.method} #${String(e.key.requestId)}`;
    case 'request-completed':
      return `completed #${String(e.key.requestId)}`;
    case 'request-cancelled':
      return `cancelled #${String(e.key.requestId)} by ${e.reason.source}${e.reason.reason === undefined ? '' : ` ("${e.reason.reason}")`}: no response will be sent`;
    case 'cancel-sent':
      return `sent notifications/cancelled for #${String(e.key.requestId)} (${e.source}${e.reason === undefined ? '' : `: "${e.reason}"`})`;
    case 'request-timeout':
      return `#${String(e.key.requestId)} timed out after ${e.timeoutMs} ms`;
    case 'cancel-ignored':
      return `ignored a cancel for #${String(e.key?.requestId)}: ${e.why}`;
    case 'late-response-dropped':
      return `dropped a late response for #${String(e.key.requestId)}`;
    case 'request-sent':
      return `sent ${e.method} #${String(e.key.requestId)}`;
    case 'cleanup-failed':
    case 'request-failed':
      return `${e.type} #${String(e.key.requestId)}: ${e.error.message}`;
    default:
      return undefined;
  }
};

async function main(): Promise<void> {
  const toServer = new Subject<unknown>();
  const toClient = new Subject<unknown>();
  const server = createPeer(toServer, { handlers: { 'tools/call': longJob } });
  const client = createPeer(toClient);
  server.events$.subscribe((e) => {
    const line = describe(e);
    if (line !== undefined) print('server', line);
  });
  client.events$.subscribe((e) => {
    const line = describe(e);
    if (line !== undefined) print('client', line);
  });
  server.outgoing$.subscribe((m) => toClient.next(JSON.parse(JSON.stringify(m))));
  client.outgoing$.subscribe((m) => toServer.next(JSON.parse(JSON.stringify(m))));

  print('demo', '1) a job that completes, with progress');
  const done = await lastValueFrom(
    client.request('tools/call', { name: 'render', steps: 5 }, { onProgress: (p) => print('client', `progress ${p.progress}/${p.total}: ${p.message}`) }),
  );
  print('client', `result: ${JSON.stringify(done)}`);

  print('demo', '2) a job cancelled by its caller after 350 ms');
  const sub = client
    .request('tools/call', { name: 'index', steps: 50 }, { reason: 'user pressed stop', onProgress: (p) => print('client', `progress ${p.progress}/${p.total}`) })
    .subscribe({ next: () => print('client', 'UNEXPECTED result after cancel') });
  await new Promise((r) => setTimeout(r, 350));
  sub.unsubscribe();

  print('demo', '3) a job that times out after 250 ms');
  await lastValueFrom(client.request('tools/call', { name: 'compile', steps: 50 }, { timeoutMs: 250 })).catch((e: Error & { code?: number }) =>
    print('client', `error: ${e.name} (${e.code}): ${e.message}`),
  );

  print('demo', '4) a job aborted through an AbortSignal, then the connection closes with one still running');
  const ac = new AbortController();
  const aborted = lastValueFrom(client.request('tools/call', { name: 'upload', steps: 50 }, { signal: ac.signal })).catch((e: Error) =>
    print('client', `error: ${e.name}: ${e.message}`),
  );
  setTimeout(() => ac.abort('user closed the tab'), 150);
  await aborted;
  const orphan = lastValueFrom(client.request('tools/call', { name: 'backup', steps: 50 })).catch((e: Error) => print('client', `error: ${e.name}: ${e.message}`));
  await new Promise((r) => setTimeout(r, 120));
  toServer.complete();
  toClient.complete();
  await orphan;

  await new Promise((r) => setTimeout(r, 50));
  print('demo', `cleanups ran: ${JSON.stringify(Object.fromEntries(cleanups))} (each exactly once)`);
  print('demo', `in flight now: client ${JSON.stringify(client.inFlight())}, server ${JSON.stringify(server.inFlight())}`);
  const once = [...cleanups.values()].every((n) => n === 1) && cleanups.size === 5;
  process.exitCode = once ? 0 : 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${String(e)}\n`);
  process.exitCode = 1;
});
