import type { JsonRpcMessage } from '../codec/messages.js';

/**
 * The connection a request came on, as its handler sees it: the same object for every request of
 * that connection, never another's (a key for per-connection state in a `WeakMap`), and the way
 * to reach the peer after the request ended, for as long as the connection lives: a notification
 * tied to no request (MCP's `notifications/resources/updated`, a list that changed). On Streamable
 * HTTP in 2025-11-25 such a notification goes on the session's GET stream; a 2026-07-28 POST is a
 * connection of its own, closed with its answer.
 *
 * @example
 * const watchers = new Set<ConnectionRef>();
 * const subscribe: Handler = (_p, ctx) => {
 *   watchers.add(ctx.connection);
 *   ctx.connection.onClose(() => watchers.delete(ctx.connection));
 *   return Promise.resolve({});
 * };
 * // later, for each watcher: w.notify('notifications/resources/updated', { uri });
 */
export interface ConnectionRef {
  /** Send a notification tied to no request; nothing once the connection closed. */
  notify(method: string, params?: object): void;
  /** Whether the connection has closed. */
  readonly closed: boolean;
  /** Run `fn` once when the connection closes; at once when it has closed already. */
  onClose(fn: () => void): void;
}

/**
 * A connection's {@link ConnectionRef}: it writes with the connection's send, and runs its close
 * callbacks once, when `close()` is called (each guarded: one that throws is reported to `failed`
 * and the others still run).
 *
 * @example
 * const ref = new LiveConnectionRef(send, (e) => report(e));
 * ref.close(); // the callbacks run once; notify sends nothing from now on
 */
export class LiveConnectionRef implements ConnectionRef {
  private closers: Array<() => void> | undefined = [];

  constructor(
    private readonly send: (m: JsonRpcMessage) => void,
    private readonly failed: (thrown: unknown) => void,
  ) {}

  get closed(): boolean {
    return this.closers === undefined;
  }

  notify(method: string, params?: object): void {
    if (this.closers === undefined || method.length === 0) return;
    this.send(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params: params as Record<string, unknown> });
  }

  onClose(fn: () => void): void {
    if (this.closers === undefined) return this.run(fn);
    this.closers.push(fn);
  }

  /** The connection closed: the callbacks run, once. Idempotent. */
  close(): void {
    const closers = this.closers;
    this.closers = undefined;
    if (closers !== undefined) for (const fn of closers) this.run(fn);
  }

  private run(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.failed(e);
    }
  }
}
