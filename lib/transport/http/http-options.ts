import type { ProtocolEra } from '../../codec/era.js';
import type { Peer, PeerOptions } from '../../peer/create-peer.js';
import type { AnswerMode } from './answer.js';
import type { SessionStore } from './sessions.js';
import type { MirroredHeaders } from './validate.js';

// The options of `streamableHttp`, and their defaults: what a deployment tunes, apart from how
// the transport runs.

/**
 * The default bound of a POST body: 4 MiB, as the official SDK's.
 *
 * @example
 * DEFAULT_MAX_BODY_BYTES === 4 * 1024 * 1024; // true
 * streamableHttp({ handlers, maxBodyBytes: DEFAULT_MAX_BODY_BYTES * 4 }); // tool arguments of up to 16 MiB
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * The default idle time after which a 2025 session nobody uses is ended: 30 minutes.
 *
 * @example
 * DEFAULT_SESSION_IDLE_MS === 30 * 60 * 1000; // true
 * streamableHttp({ handlers, sessionIdleMs: DEFAULT_SESSION_IDLE_MS / 6 }); // idle 2025 sessions end after 5 minutes
 */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;

/**
 * Options of {@link streamableHttp}: those of each connection, and of the transport.
 *
 * @example
 * const options: StreamableHttpOptions = { handlers, eras: ['2026-07-28'], maxInFlight: 200, allowedOrigins: ['https://app.example.com'], response: 'json' };
 * const mcp = streamableHttp(options);
 */
export interface StreamableHttpOptions extends Omit<PeerOptions, 'sessionId' | 'era'> {
  /**
   * Requests in flight across the whole transport, both eras together: every 2026 request and
   * every request of every 2025 session count against this one bound (and a 2025 session alone
   * against it too). A POST whose requests do not fit gets 503 with `Retry-After: 1` and a
   * JSON-RPC error -32603 (`data: { maxInFlight }`), and an `http-rejected` event; nothing of it
   * ran, so it may be sent again as it was, and a session's other requests run on. A request
   * holds its place until it is answered or cancelled, or its session ends. Default 1,000.
   *
   * @example
   * // at most 200 requests running at once, however many sessions the clients open
   * streamableHttp({ handlers, maxInFlight: 200 });
   */
  readonly maxInFlight?: number;
  /**
   * The share of `maxInFlight` one 2025-11-25 session may hold: past it, that session's request
   * gets a JSON-RPC error on its own stream, and the other sessions keep their room. Default
   * `maxInFlight` (one session may take the whole budget); set it lower when the sessions are
   * tenants that must not crowd each other out.
   *
   * @example
   * // 1,000 in flight in all, no session more than 50 of them
   * streamableHttp({ handlers, maxInFlight: 1_000, maxInFlightPerSession: 50 });
   */
  readonly maxInFlightPerSession?: number;
  /** The eras served; default both. A request of another era gets -32022 listing the served versions. */
  readonly eras?: readonly ProtocolEra[];
  /** Where 2025 sessions live; default {@link memorySessions}. Share one store across instances. */
  readonly sessions?: SessionStore;
  /** Largest POST body; over it 413, and nothing more is read. Default 4 MiB. */
  readonly maxBodyBytes?: number;
  /**
   * The most an SSE answer (or a 2025 GET stream) holds for a client that does not read, in bytes;
   * past it the client is taken as gone and its socket closed (in 2026-07-28 that cancels the
   * request). Default {@link DEFAULT_MAX_BUFFERED_BYTES}, 4 MiB.
   */
  readonly maxBufferedBytes?: number;
  /**
   * After this many ms in which an SSE stream (a POST's answer, a 2025 GET stream) sent nothing,
   * it gets a comment, so proxies that close idle connections leave it open (in 2026-07-28 a
   * closed stream cancels its request). 0 or `Infinity`: none. Default {@link DEFAULT_KEEP_ALIVE_MS}, 15 s.
   */
  readonly keepAliveMs?: number;
  /** Origins allowed when a request has an `Origin` header; default: pages on this machine only (localhost, 127.0.0.1, [::1]). Else 403. */
  readonly allowedOrigins?: readonly string[];
  /** How a POST with requests is answered: `auto` (default: JSON unless something precedes the response), `sse`, or `json` (mid-call notifications dropped). */
  readonly response?: AnswerMode;
  /** Called with the peer of each 2025 session this process opens: to send requests and notifications on its GET stream. */
  readonly onSession?: (peer: Peer, sessionId: string) => void;
  /** A 2025 session with nothing in flight and no GET stream for this long is ended. Default 30 minutes; `Infinity`: never. */
  readonly sessionIdleMs?: number;
  /** Most 2025 sessions live in this process; past it an `initialize` gets 503. Default 10,000. */
  readonly maxSessions?: number;
  /**
   * With a `sessions` store given (shared by several instances), how often this instance asks it
   * whether the sessions it holds still exist (ms). A session whose record is gone (a DELETE that
   * landed on another instance, an expired record) ends here too: its requests are cancelled
   * (`source: 'close'`, cleanups once), its streams end, and its later requests get 404 (MCP
   * 2025-11-25, session management). Default {@link DEFAULT_SESSION_CHECK_MS}, 1 s; `Infinity`:
   * never. A failing store ends nothing (an `http-failed` event); the default in-memory store is
   * this instance's own, and is not checked.
   *
   * @example
   * streamableHttp({ handlers, sessions: redisSessions({ client }), sessionCheckMs: 500 });
   */
  readonly sessionCheckMs?: number;
  /**
   * The headers a 2026-07-28 request must carry because they mirror its body, beyond
   * `Mcp-Method` and `Mcp-Name`: each is checked as those are (missing while the body has the
   * value, different once decoded from `=?base64?…?=`, malformed: 400 with -32020). An
   * `McpServer` has it (the `Mcp-Param-*` of its tools' `x-mcp-header` arguments), so
   * `streamableHttp(server)` checks them with nothing more to write.
   *
   * @example
   * // what mcpServer gives for a tool whose `region` argument is annotated "x-mcp-header": "Region"
   * streamableHttp({ handlers, mirroredHeaders: (m) => m.method === 'tools/call' ? [{ header: 'Mcp-Param-Region', value: regionOf(m.params) }] : [] });
   */
  readonly mirroredHeaders?: MirroredHeaders;
  /**
   * The SSE `retry` (ms) of the priming event that opens each stream of a 2025-11-25 session:
   * how long its client waits before it resumes a stream whose connection closed. Default
   * {@link DEFAULT_RETRY_MS}, 3 s.
   *
   * @example
   * streamableHttp({ handlers, retryMs: 1_000 });
   */
  readonly retryMs?: number;
  /**
   * What one 2025-11-25 session keeps of the events it sent, for a client resuming a stream with
   * `Last-Event-ID`, in bytes (oldest dropped first); 0 keeps nothing (events still have ids).
   * Default {@link DEFAULT_MAX_REPLAY_BYTES}, 1 MiB.
   *
   * @example
   * streamableHttp({ handlers, maxReplayBytes: 256 * 1024, maxReplayEvents: 200 });
   */
  readonly maxReplayBytes?: number;
  /** The same bound as a count of events. Default {@link DEFAULT_MAX_REPLAY_EVENTS}, 1,000. */
  readonly maxReplayEvents?: number;
}

