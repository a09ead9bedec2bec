/**
 * The example of docs/guides/cancellable-streams.md: streams of your own, made cancellable
 * through a CancellationManager, without a peer. First the bare pattern (register, takeUntil,
 * finalize), then RequestHandler (one outcome per run, a cancel routed from a wire message),
 * then two sessions sharing one manager. Run: `npx tsx examples/guides/cancellable-streams.ts`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { firstValueFrom, finalize, interval, lastValueFrom, map, takeUntil } from 'rxjs';
import { CancelReason, CancellationManager, RequestHandler, RequestKey, type Handler, type RequestOutcome } from '../../lib/index.js';
import { CancelledParams } from '../../lib/codecs.js';

const print = (line: string): void => void process.stdout.write(`${line}\n`);

// one registry for everything below: keys are (sessionId, requestId)
const manager = new CancellationManager();

/** 1) The bare pattern: any Observable, stopped by manager.cancel(key). */
async function barePattern(): Promise<boolean> {
  print('-- 1) register, takeUntil(manager.cancelled(key)), finalize(() => manager.complete(key))');
  const key = RequestKey.of(42, 'alice');
  // false: that key is in flight already, and this work must not start
  if (!manager.register(key)) throw new Error(`${RequestKey.toString(key)} is in flight already`);
  let finalized = 0;
  const exported = new Promise<void>((resolve) => {
    interval(50)
      .pipe(
        map((i) => `row ${i + 1}`),
        takeUntil(manager.cancelled(key)),
        // runs once, whatever the end: completes the key, so the registry forgets it
        finalize(() => {
          finalized++;
          manager.complete(key);
          print('export  finalize ran: key completed');
          resolve();
        }),
      )
      .subscribe({
        next: (row) => print(`export  ${row}`),
        // a cancel completes the stream: here, before finalize, the key still holds the reason
        complete: () => print(`export  complete, reason ${JSON.stringify(manager.reasonOf(key))}`),
      });
  });
  await sleep(170);
  print(`cancel  → ${manager.cancel(key, CancelReason.of('caller', 'the user left'))}`);
  await exported;
  print(`cancel again → ${manager.cancel(key)}`);
  print(`cancel an id never seen → ${manager.cancel(RequestKey.of(43, 'alice'))}`);
  return finalized === 1 && !manager.has(key);
}

/** A Promise handler: it cannot be unsubscribed, so every wait takes ctx.signal. */
const report: Handler = async (params, ctx) => {
  const steps = Number((params as { steps?: unknown }).steps ?? 3);
  ctx.onCleanup(() => print(`handler cleanup of ${RequestKey.toString({ sessionId: ctx.sessionId, requestId: ctx.requestId })}`));
  for (let i = 1; i <= steps; i++) {
    // rejects with an AbortError as soon as the request is cancelled: the loop stops there
    await sleep(50, undefined, { signal: ctx.signal });
    ctx.progress(i, steps);
  }
  return { pages: steps };
};

const describe = (o: RequestOutcome): string =>
  o.type === 'result' ? `result ${JSON.stringify(o.result)}`
    : o.type === 'error' ? `error ${o.error.code} (${o.failure.error}): ${o.error.message}`
      : `cancelled ${JSON.stringify(o.reason)}`;

/** Where a cancel that came as text on your own transport goes: decoded, then to the manager. */
const onWire = (sessionId: string, line: string): void => {
  const message = JSON.parse(line) as { method?: unknown; params?: unknown };
  if (message.method !== 'notifications/cancelled') return;
  const params = CancelledParams.decode(message.params);
  if (E.isLeft(params)) return;
  // a string reason: a cancel from the peer ({ source: 'peer' })
  const result = manager.cancel(RequestKey.of(params.right.requestId, sessionId), params.right.reason);
  print(`wire    ${sessionId}: ${line} → ${result}`);
};

/** 2) RequestHandler: one outcome per run; progress goes through `send`. */
async function withRequestHandler(runner: RequestHandler): Promise<boolean> {
  print('-- 2) RequestHandler: a result, a cancel from the wire, a key already in flight');
  const send = (m: object): void => print(`send    ${JSON.stringify(m)}`);
  const done = await lastValueFrom(runner.handle(RequestKey.of(1, 'alice'), report, { steps: 2 }, { method: 'report', progressToken: 'p1', send }));
  print(`outcome #1: ${describe(done)}`);

  const key = RequestKey.of(2, 'alice');
  const cancelled = lastValueFrom(runner.handle(key, report, { steps: 10 }, { method: 'report', progressToken: 'p2', send }));
  // the same key again while it runs: refused, nothing runs
  const duplicate = await firstValueFrom(runner.handle(key, report, { steps: 1 }));
  print(`outcome of a second #2: ${describe(duplicate)}`);
  await sleep(120);
  onWire('alice', '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2,"reason":"stop"}}');
  const stopped = await cancelled;
  print(`outcome #2: ${describe(stopped)}`);
  return done.type === 'result' && stopped.type === 'cancelled' && duplicate.type === 'error';
}

/** 3) Two sessions, one manager: the same id in each, cancelled apart. */
async function twoSessions(runner: RequestHandler): Promise<boolean> {
  print('-- 3) alice and bob both run request 7 on one manager');
  const alice = lastValueFrom(runner.handle(RequestKey.of(7, 'alice'), report, { steps: 3 }));
  const bob = lastValueFrom(runner.handle(RequestKey.of(7, 'bob'), report, { steps: 3 }));
  print(`in flight: ${manager.size}`);
  onWire('bob', '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}');
  print(`carol cancels 7 → ${manager.cancel(RequestKey.of(7, 'carol'))}`);
  const [a, b] = await Promise.all([alice, bob]);
  print(`outcome alice #7: ${describe(a)}`);
  print(`outcome bob #7: ${describe(b)}`);
  return a.type === 'result' && b.type === 'cancelled';
}

async function main(): Promise<number> {
  const runner = new RequestHandler(manager);
  const ok = [await barePattern(), await withRequestHandler(runner), await twoSessions(runner)];
  print(`summary in flight: ${manager.size}`);
  return ok.every(Boolean) && manager.size === 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`example failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
