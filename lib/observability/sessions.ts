// The sessions a toOpenTelemetry call follows: the protocol version each negotiated, the ones this
// peer opened as a client, and the Streamable HTTP server's; each session's duration is a metric.
import type { RequestKey } from '../manager/request-key.js';
import type { HttpEvent } from '../transport/http/events.js';
import type { Recording } from './options.js';

type SessionClosed = Extract<HttpEvent, { readonly type: 'session-closed' }>;

const sessionOf = (key: RequestKey): string => key.sessionId ?? '';

/**
 * What a toOpenTelemetry call knows of sessions, each map bounded by maxOpenSpans: a session's
 * version names the version of its later requests, and a session's end records its duration.
 */
export class Sessions {
  // the version each session negotiated (by initialize), for its later 2025 requests that name none
  private readonly versions = new Map<string, string>();
  // the HTTP sessions open, with when they opened
  private readonly http = new Map<string, number>();
  // the sessions this peer opened as a client (an initialize answered), with when it was sent
  private readonly client = new Map<string, { readonly at: number; readonly version: string | undefined }>();

  constructor(private readonly r: Recording) {}

  /** The version request `key`'s session negotiated, if any. */
  versionOf(key: RequestKey): string | undefined {
    return this.versions.get(sessionOf(key));
  }

  /** An initialize negotiated a version: its session's later requests run it. */
  negotiated(key: RequestKey, version: string | undefined): void {
    if (version === undefined) return;
    this.versions.delete(sessionOf(key));
    this.versions.set(sessionOf(key), version);
    if (this.versions.size > this.r.maxOpen) this.versions.delete(this.versions.keys().next().value as string);
  }

  /** This peer's initialize `key`, sent at `at`, was answered: a client session began. */
  initialized(key: RequestKey, at: number, version: string | undefined): void {
    if (this.client.size < this.r.maxOpen) this.client.set(sessionOf(key), { at, version });
  }

  /** The connection closed at `at` (`failed`: on an error): a client's sessions end with it (a 2026 client has none: no initialize). */
  connectionClosed(at: number, failed: boolean): void {
    const { instruments: m, base, guarded } = this.r;
    for (const s of this.client.values())
      guarded(() => m?.clientSession.record(Math.max(0, at - s.at) / 1000, { ...base, ...(s.version === undefined ? {} : { 'mcp.protocol.version': s.version }), ...(failed ? { 'error.type': 'connection_closed' } : {}) }));
    this.client.clear();
  }

  /** A Streamable HTTP session opened: counted as active (a repeat, or one past maxOpenSpans, is not). */
  opened(sessionId: string, at: number): void {
    if (this.http.has(sessionId) || this.http.size >= this.r.maxOpen) return;
    this.http.set(sessionId, at);
    this.r.instruments?.httpSessions.add(1, this.r.base);
  }

  /** A Streamable HTTP session closed: its version forgotten and, if it was counted, its duration recorded. */
  closed(e: SessionClosed): void {
    const { instruments: m, base } = this.r;
    const opened = this.http.get(e.sessionId);
    const version = this.versions.get(e.sessionId);
    this.versions.delete(e.sessionId);
    if (opened === undefined) return;
    this.http.delete(e.sessionId);
    m?.httpSessions.add(-1, base);
    m?.serverSession.record(Math.max(0, e.at - opened) / 1000, { ...base, 'mcp_rx_cancel.session.close_reason': e.why, ...(version === undefined ? {} : { 'mcp.protocol.version': version }) });
  }

  /** The call ended: the HTTP sessions still open are no longer counted by it. */
  finish(): void {
    if (this.http.size > 0) this.r.guarded(() => this.r.instruments?.httpSessions.add(-this.http.size, this.r.base));
    this.http.clear();
  }
}
