// Figure 4: cancellations per second the serving side absorbs while it keeps serving. The server
// alone is driven with raw messages (as a client would send them): every event-loop turn tops up
// `window` trivial calls, sends `burst` calls that run until cancelled, and cancels the previous
// turn's. Counted over `ms`: cleanups that ran (absorbed) and trivial calls answered (served).
// A turn starts only once every call that runs until cancelled sent so far has started: the MCP
// sides start a handler as its message arrives (the wait costs them nothing), vscode-jsonrpc
// dispatches one message per event-loop turn, and without the wait the driver would outrun it.
import { setImmediate as tick } from 'node:timers/promises';
import { args, fullGc, intArg, main, now, report, sideOf } from '../support/child.js';
import { ECHO, HOLD, makeRawServer } from '../support/pairs.js';

main(async () => {
  const a = args();
  const side = sideOf(a);
  const window = intArg(a, 'window', 100);
  const burst = intArg(a, 'burst', 500);
  const ms = intArg(a, 'ms', 1_000);
  const warmMs = intArg(a, 'warmup', 400);
  let answered = 0;
  let errors = 0;
  const server = await makeRawServer(side, window + 2 * burst + 10, (m) => {
    // a cancelled request is never answered (vscode-jsonrpc's answers to them are dropped before
    // this, see support/vscode.ts): every response is a trivial call's
    if (typeof m === 'object' && m !== null && 'id' in m) {
      answered++;
      if ('error' in m) errors++;
    }
  });
  let nextId = 1; // id 0 is not cancellable with the SDK v1 (its `if (!requestId)`)
  let echoSent = 0;
  let previous: number[] = [];
  let holdsSent = 0;
  const turn = (): void => {
    while (echoSent - answered < window) {
      echoSent++;
      server.send({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: ECHO });
    }
    const held: number[] = [];
    for (let i = 0; i < burst; i++) {
      const id = nextId++;
      held.push(id);
      holdsSent++;
      server.send({ jsonrpc: '2.0', id, method: 'tools/call', params: HOLD });
    }
    for (const id of previous) server.send(server.cancelMessage(id));
    previous = held;
  };
  const run = async (duration: number): Promise<{ absorbed: number; served: number; elapsed: number }> => {
    const c0 = server.cleanups.count;
    const a0 = answered;
    const t0 = now();
    while (now() - t0 < duration) {
      turn();
      await tick();
      await server.started.within(holdsSent, 30_000, 'held calls started');
    }
    const elapsed = now() - t0;
    return { absorbed: server.cleanups.count - c0, served: answered - a0, elapsed };
  };
  await run(warmMs);
  await fullGc();
  const r = await run(ms);
  if (errors > 0) throw new Error(`${errors} error responses`);
  report(
    { cancelsPerSecond: (r.absorbed * 1000) / r.elapsed, servedPerSecond: (r.served * 1000) / r.elapsed },
    { side, window, burst, ...r },
  );
  await server.close();
});
