import type { McpRequestContext } from '../mcp/context.js';

/**
 * One request the gateway forwarded and has not seen end: its front context (where the
 * upstream's progress, log messages and questions for it go) and what waits for its end.
 *
 * @example
 * const call = calls.open(mctx);
 * upstream$.pipe(finalize(() => call.end()));
 */
export class ForwardedCall {
  // made only when something waits for the end (a relayed question): most calls never pay for it
  private enders: Array<() => void> | undefined = undefined;
  private done = false;

  constructor(
    readonly ctx: McpRequestContext,
    private readonly leave: (call: ForwardedCall) => void,
  ) {}

  get ended(): boolean {
    return this.done;
  }

  /** Run `fn` once when the call ends (at once if it has); returns the way to take it back. */
  onEnd(fn: () => void): () => void {
    if (this.done) {
      fn();
      return () => undefined;
    }
    (this.enders ??= []).push(fn);
    return () => {
      const i = this.enders?.indexOf(fn) ?? -1;
      if (i >= 0) this.enders?.splice(i, 1);
    };
  }

  /** The call ended, however: it leaves the registry and its waiters run, once. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.leave(this);
    const enders = this.enders;
    this.enders = undefined;
    if (enders !== undefined) for (const fn of enders) fn();
  }
}

/**
 * The requests forwarded and in flight: what the upstream's messages that name no request (a
 * 2025 server's `elicitation/create` or `notifications/message` on stdio carry no link to the
 * call that caused them) can be attributed to. Only when exactly one call is in flight is the
 * attribution certain; with several, nothing is attributed at all, for a message of one front
 * session must never reach another. A Set: adding, leaving and the count are O(1).
 *
 * @example
 * const only = calls.only(); // the call, or undefined when 0 or several are in flight
 */
export class CallsInFlight {
  private readonly calls = new Set<ForwardedCall>();
  private readonly leave = (c: ForwardedCall): void => void this.calls.delete(c);

  /** A forwarded request starts. */
  open(ctx: McpRequestContext): ForwardedCall {
    const call = new ForwardedCall(ctx, this.leave);
    this.calls.add(call);
    return call;
  }

  get size(): number {
    return this.calls.size;
  }

  /** The call in flight when there is exactly one; otherwise `undefined`. */
  only(): ForwardedCall | undefined {
    if (this.calls.size !== 1) return undefined;
    for (const c of this.calls) return c;
    return undefined;
  }
}
