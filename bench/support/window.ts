import type { Pair } from './pairs.js';

/**
 * Run `total` echo calls with `window` of them in flight: each completion starts the next.
 * A loop refills the window (never recursion): a synchronous round trip completes inside
 * `echo()`, and recursing there would grow the stack with every request.
 */
export const runWindow = (pair: Pair, total: number, window: number): Promise<void> =>
  new Promise<void>((resolve) => {
    let sent = 0;
    let done = 0;
    let inFlight = 0;
    let refilling = false;
    const refill = (): void => {
      if (refilling) return;
      refilling = true;
      while (inFlight < window && sent < total) {
        inFlight++;
        sent++;
        pair.echo(onDone);
      }
      refilling = false;
      if (done === total) resolve();
    };
    const onDone = (): void => {
      inFlight--;
      done++;
      if (done === total) resolve();
      else refill();
    };
    refill();
  });
