import type { Pair } from './pairs.js';

/**
 * Echo calls on `pair` with `window` of them in flight: each completion starts the next. `run`
 * may be called again (the warm-up, then the measure): its callbacks are made once, here, so that
 * the code the warm-up optimised is the code measured. Callbacks made per run would die with
 * their run, and a full collection would then deoptimise every function that inlined them (V8
 * drops optimised code whose embedded objects died), turning the first thousands of measured
 * calls into a second warm-up.
 *
 * A loop refills the window (never recursion): a synchronous round trip completes inside
 * `echo()`, and recursing there would grow the stack with every request.
 */
export class Window {
  private total = 0;
  private sent = 0;
  private done = 0;
  private inFlight = 0;
  private refilling = false;
  private resolve: () => void = () => undefined;

  constructor(
    private readonly pair: Pair,
    private readonly window: number,
  ) {}

  /** Run `total` echo calls; resolves once all have completed. */
  run(total: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.total = total;
      this.sent = 0;
      this.done = 0;
      this.inFlight = 0;
      this.resolve = resolve;
      this.refill();
    });
  }

  private readonly onDone = (): void => {
    this.inFlight--;
    this.done++;
    if (this.done === this.total) this.resolve();
    else this.refill();
  };

  private refill(): void {
    if (this.refilling) return;
    this.refilling = true;
    while (this.inFlight < this.window && this.sent < this.total) {
      this.inFlight++;
      this.sent++;
      this.pair.echo(this.onDone);
    }
    this.refilling = false;
    if (this.done === this.total) this.resolve();
  }
}

/** One run of `total` echo calls with `window` in flight (a {@link Window} used once). */
export const runWindow = (pair: Pair, total: number, window: number): Promise<void> => new Window(pair, window).run(total);
