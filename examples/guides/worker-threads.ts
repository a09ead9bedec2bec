/**
 * The example of docs/guides/real-transports.md, its second transport: a `worker_threads` Worker
 * runs a server peer on its `parentPort` (examples/guides/worker-threads-server.ts), and the main
 * thread is a client peer on the worker's messages. A call, a call the client unsubscribes from
 * (the worker's cleanup confirmed by its `stats` tool), and a worker terminated with a call in
 * flight. Run: `npx tsx examples/guides/worker-threads.ts`.
 */
import { Worker } from 'node:worker_threads';
import { Observable, filter, firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import { WireFault, createPeer } from '../../lib/index.js';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A Worker as a peer's `incoming$`: each message as it comes, the stream ended when the worker's thread is gone. */
const messagesOf = (worker: Worker): Observable<unknown> =>
  new Observable<unknown>((subscriber) => {
    const onMessage = (m: unknown): void => subscriber.next(m);
    // a message that could not be cloned on this side: the peer answers it, like a line that is not JSON
    const onMessageError = (e: Error): void => subscriber.next(WireFault.of('parse-error', e.message));
    // the thread returned, threw or was terminated: completing incoming$ fails the calls still waiting
    const onExit = (): void => subscriber.complete();
    worker.on('message', onMessage).on('messageerror', onMessageError).on('exit', onExit);
    return () => void worker.off('message', onMessage).off('messageerror', onMessageError).off('exit', onExit);
  });

/**
 * A Worker running a .ts file. Node 20 does not apply the `--import tsx` it passes on to a worker
 * to the worker's .ts entry (https://github.com/privatenumber/tsx/issues/354), so the worker
 * registers tsx itself, then imports the file. Compiled to .js, `new Worker(url)` is all it takes.
 */
const tsWorker = (url: URL): Worker => {
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true });
};

/** What the worker's slow handlers did: how many still run, how many cleanups ran. */
interface Stats {
  readonly running: number;
  readonly cleanups: number;
}

async function main(): Promise<number> {
  const worker = tsWorker(new URL('./worker-threads-server.ts', import.meta.url));
  // an uncaught exception in the worker: 'exit' follows, and that is the close
  worker.on('error', (e) => print(`worker  error: ${e.message}`));
  const client = createPeer(messagesOf(worker), { timeoutMs: 5_000 });
  client.events$.subscribe((e) => {
    if (e.type === 'cancel-sent') print(`client  sent notifications/cancelled for #${String(e.key.requestId)}`);
    if (e.type === 'connection-closed') print('client  connection closed');
  });
  // no JSON: postMessage clones the message, and the worker receives an object
  client.outgoing$.subscribe((m) => worker.postMessage(m));

  print('-- 1) a call');
  const { sum } = await firstValueFrom(client.request<{ sum: number }>('add', { a: 2, b: 3 }));
  print(`client  add answered: ${sum}`);

  print('-- 2) the client unsubscribes from a slow call');
  const call = client.request('slow').subscribe();
  await sleep(100);
  const sent = firstValueFrom(client.events$.pipe(filter((e) => e.type === 'cancel-sent'), timeout(5_000)));
  call.unsubscribe();
  await sent;
  // the port keeps order: the worker has read the cancel before it reads this call
  const stats = await firstValueFrom(client.request<Stats>('stats'));
  print(`worker  stats: running ${stats.running}, cleanups ${stats.cleanups}`);

  print('-- 3) the worker is terminated with a slow call in flight');
  const orphan = lastValueFrom(client.request('slow')).then(
    () => 'a result',
    (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)),
  );
  await sleep(100);
  const busy = await firstValueFrom(client.request<Stats>('stats'));
  print(`worker  stats: running ${busy.running}, cleanups ${busy.cleanups}`);
  // terminate stops the thread where it is: its handlers stop with it, and no cleanup of its runs
  const code = await worker.terminate();
  print(`worker  exited with code ${code}`);
  print(`client  error: ${await orphan}`);
  print(`client  in flight: ${JSON.stringify(client.inFlight())}`);

  const ok = sum === 5 && stats.cleanups === 1 && stats.running === 0 && busy.running === 1 && (await orphan).startsWith('ConnectionClosedError');
  return ok && client.inFlight().sending === 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`example failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
