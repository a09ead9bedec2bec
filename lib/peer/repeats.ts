import type { SchedulerLike, Subscription } from 'rxjs';
import type { WireFault } from './wire-fault.js';

/**
 * How long one report of a kind of transport error stands for the ones like it: 1 s.
 *
 * @example
 * REPEAT_INTERVAL_MS; // 1000
 * peer.events$.subscribe((e) => {
 *   if (e.type === 'transport-error') log.warn(`${e.error.message} (${e.count ?? 1} in ${REPEAT_INTERVAL_MS} ms)`);
 * });
 */
export const REPEAT_INTERVAL_MS = 1000;

// kinds are told apart by the text before the first ':' ("write failed", "send failed", …):
// bounded, so a transport with endless distinct messages cannot grow the table
const MAX_KINDS = 16;
const kindOf = (f: WireFault): string => {
  const colon = f.message.indexOf(':');
  return (colon === -1 ? f.message : f.message.slice(0, colon)).slice(0, 64);
};

class Window {
  folded = 0;
  last: WireFault | undefined = undefined;
  timer: Subscription | undefined = undefined;
  constructor(readonly until: number) {}
}

/**
 * Transport errors, summarised: the first of a kind is reported at once; the ones like it in
 * the next second are counted and reported as one, with how many it stands for. A transport
 * that fails every write (a storm: ~880 a second per request before a dead output was a close)
 * costs one event per kind per second, never one per failed write.
 *
 * @example
 * const repeats = new Repeats(scheduler, (f, count) => emitTransportError(f, count));
 * repeats.report(fault); // ... repeats.close() at the end flushes what is counted
 */
export class Repeats {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly scheduler: SchedulerLike,
    /** `count`: how many errors of the kind this report stands for (1 for the first of a window). */
    private readonly emit: (f: WireFault, count: number) => void,
    private readonly intervalMs: number = REPEAT_INTERVAL_MS,
  ) {}

  report(f: WireFault): void {
    const kind = this.windows.size >= MAX_KINDS && !this.windows.has(kindOf(f)) ? 'other' : kindOf(f);
    const now = this.scheduler.now();
    const w = this.windows.get(kind);
    if (w === undefined || now >= w.until) {
      if (w !== undefined) this.flush(kind, w);
      this.windows.set(kind, new Window(now + this.intervalMs));
      return this.emit(f, 1);
    }
    w.folded++;
    w.last = f;
    w.timer ??= this.scheduler.schedule(() => {
      w.timer = undefined;
      this.flush(kind, w);
    }, Math.max(0, w.until - now));
  }

  /** Report what is counted, and hold no timer. */
  close(): void {
    for (const [kind, w] of [...this.windows]) this.flush(kind, w);
    this.windows.clear();
  }

  private flush(kind: string, w: Window): void {
    w.timer?.unsubscribe();
    w.timer = undefined;
    if (this.windows.get(kind) === w) this.windows.delete(kind);
    const last = w.last;
    if (last !== undefined && w.folded > 0) this.emit(last, w.folded);
    w.folded = 0;
    w.last = undefined;
  }
}
