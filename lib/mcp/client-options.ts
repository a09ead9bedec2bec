import type { ProtocolEra } from '../codec/era.js';
import type { PeerOptions } from '../peer/create-peer.js';
import type { McpClientHandlers } from './client-handlers.js';
import type { classifyProbe } from './client-handshake.js';
import type { Implementation } from './client-shapes.js';

// The options of an mcpClient, and their defaults.

/**
 * The default time `era: 'auto'` waits for its `server/discover` probe before it takes the server for a 2025 one.
 *
 * @example
 * DEFAULT_PROBE_TIMEOUT_MS; // 10000
 * // a local server answers at once: fall back to initialize sooner
 * mcpClient(ndjson(child.stdout, child.stdin), { info, probeTimeoutMs: DEFAULT_PROBE_TIMEOUT_MS / 10 });
 */
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

/**
 * Options of {@link mcpClient}.
 *
 * @example
 * const options: McpClientOptions = {
 *   info: { name: 'app', version: '1.0.0' },
 *   handlers: { elicitation: (p) => askUser(p.message) },
 *   notifications: { 'notifications/message': (p) => log.info(p) },
 *   timeoutMs: 30_000,
 * };
 * const client = mcpClient(ndjson(child.stdout, child.stdin), options);
 */
export interface McpClientOptions {
  /** The client software: `clientInfo` in `initialize` (2025), `_meta[…/clientInfo]` on every request (2026). */
  readonly info: Implementation;
  /** Client capabilities; `elicitation`, `sampling` and `roots` are declared for the handlers given (these win). */
  readonly capabilities?: Readonly<Record<string, unknown>>;
  /**
   * The protocol era: `'2025-11-25'` (handshake `initialize`), `'2026-07-28'` (`server/discover`,
   * `_meta` on every request), or `'auto'` (the default; given a Peer whose era is decided, that
   * one): probe with `server/discover`, fall back to `initialize` when the answer is not modern
   * (see {@link classifyProbe}). One transport serves both only where both eras share it: stdio
   * and in-memory pairs. Over HTTP, pin the era to the transport you give.
   */
  readonly era?: ProtocolEra | 'auto';
  /** How the client answers the server's elicitation, sampling and roots requests (2025) or input requests (2026). */
  readonly handlers?: McpClientHandlers;
  /** Notifications from the server (`notifications/message`, list changes), when the client builds the peer. */
  readonly notifications?: PeerOptions['notifications'];
  /** 2026-07-28: most retries of one call after `input_required`. Default 10, as the official SDK v2 client. */
  readonly maxInputRounds?: number;
  /** Default timeout of every request (the handshake's too). Default the peer's (60 s). */
  readonly timeoutMs?: number;
  /** `era: 'auto'`: how long the `server/discover` probe may take before the server is taken for a 2025 one. Default 10 s. */
  readonly probeTimeoutMs?: number;
  /**
   * Whether 2026-07-28 requests declare the tasks extension (`io.modelcontextprotocol/tasks`),
   * so a server may answer a `tools/call` with a task, which `callTool` follows to its result.
   * Default `true`.
   */
  readonly tasks?: boolean;
}
