// What every side of the bench implements, and the two tools they all serve over `tools/call`:
//   echo: a trivial async tool that answers `{ content: [] }`
//   hold: runs until cancelled; its server-side cleanup counts on `cleanups`
import type { Counter } from './child.js';

/** A client and a server, seen from the client. */
export interface Pair {
  /** A trivial `tools/call`; `done` runs when its result arrived. */
  echo(done: () => void): void;
  /** A `tools/call` that runs until cancelled; returns the caller's cancel. */
  hold(): () => void;
  /** Server side: hold handlers started. */
  readonly started: Counter;
  /** Server side: hold cleanups that ran. */
  readonly cleanups: Counter;
  /**
   * Resolves once every call made so far has settled at the client. Only vscode-jsonrpc needs it:
   * it answers cancelled calls, and the client reads one message per event-loop turn; the MCP
   * sides settle a cancelled call at the cancel and answer nothing.
   */
  settled?(): Promise<void>;
  close(): Promise<void>;
}

/** The serving side alone, driven with raw JSON-RPC messages (as a client would send them). */
export interface RawServer {
  send(m: Readonly<Record<string, unknown>>): void;
  /** The notification this side's protocol cancels request `id` with. */
  cancelMessage(id: number): Readonly<Record<string, unknown>>;
  readonly started: Counter;
  readonly cleanups: Counter;
  close(): Promise<void>;
}

export type Wire = 'memory' | 'framed';

export interface PairOptions {
  /** Requests in flight the pair must accept (ours has caps; the others have none). */
  readonly capacity?: number;
  /** Ours only: the echo handler is a synchronous Observable (`of(result)`) instead of a Promise. */
  readonly syncEcho?: boolean;
  /** Ours only: the two tools served by `mcpServer` (arguments validated, results shaped) instead of a raw handler. */
  readonly mcp?: boolean;
  /** Ours only, in memory: the client calls through an `mcpGateway` before the server (one more hop). */
  readonly gateway?: boolean;
}

export const ECHO = { name: 'echo', arguments: {} } as const;
export const HOLD = { name: 'hold', arguments: {} } as const;
export const noop = (): void => undefined;
export const isHold = (params: unknown): boolean =>
  typeof params === 'object' && params !== null && (params as { name?: unknown }).name === 'hold';

/** MCP's cancellation, as every MCP side (ours, SDK v1, SDK v2) receives it. */
export const mcpCancel = (id: number): Readonly<Record<string, unknown>> => ({
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId: id, reason: 'bench' },
});

export function fail(e: unknown): never {
  process.stderr.write(`request failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
