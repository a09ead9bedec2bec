/**
 * The worker of examples/guides/worker-threads.ts: a server peer on the worker's `parentPort`.
 * The port carries objects by structured clone, so there is nothing to parse. Started by that
 * example; it is not run on its own.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { Observable, interval, last, map, take } from 'rxjs';
import { createPeer, type Handler } from '../../lib/index.js';

/** A MessagePort as a peer's `incoming$`: each message as it comes, the stream ended when the port closes. */
const messagesOf = (port: MessagePort): Observable<unknown> =>
  new Observable<unknown>((subscriber) => {
    const onMessage = (m: unknown): void => subscriber.next(m);
    // the end of incoming$ is the peer's close: it cancels the handlers in flight and runs their cleanups
    const onClose = (): void => subscriber.complete();
    port.on('message', onMessage).on('close', onClose);
    return () => void port.off('message', onMessage).off('close', onClose);
  });

let running = 0;
let cleanups = 0;

const handlers: Record<string, Handler> = {
  add: (params) => {
    const { a, b } = params as { a?: unknown; b?: unknown };
    return Promise.resolve({ sum: Number(a) + Number(b) });
  },

  // 5 s of work in steps of 20 ms, and a cleanup that counts itself
  slow: (_params, ctx) => {
    running++;
    ctx.onCleanup(() => {
      running--;
      cleanups++;
    });
    return interval(20).pipe(take(250), last(), map(() => ({ done: true })));
  },

  // what the worker's handlers did, for the main thread to check
  stats: () => Promise.resolve({ running, cleanups }),
};

if (parentPort === null) throw new Error('worker-threads-server.ts runs as a worker: start examples/guides/worker-threads.ts');
const port = parentPort;
const server = createPeer(messagesOf(port), { handlers });
// no JSON: the port clones each message, as it is
server.outgoing$.subscribe((m) => port.postMessage(m));
