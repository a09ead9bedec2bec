import type { EventStream, Gone } from './exchange.js';
import type { EventCursor, ReplayLog, ReplayOwner } from './replay-log.js';

/**
 * The default of `retryMs`: how long a 2025-11-25 client waits before it reconnects to a stream
 * whose connection the server closed (the SSE `retry` field of each priming event), 3 s.
 *
 * @example
 * streamableHttp({ handlers, retryMs: DEFAULT_RETRY_MS / 3 });
 */
export const DEFAULT_RETRY_MS = 3_000;

/**
 * One SSE stream of a 2025-11-25 session as the protocol sees it, which outlives its HTTP
 * connections (MCP 2025-11-25 basic/transports, "Resumability and Redelivery"): it opens with a
 * priming event (an id, empty data, `retry`), every event it sends has an id and is kept in the
 * session's {@link ReplayLog}, and a connection that closed (the client's network, or the
 * server's `closeConnection`) is no end of it: what is sent meanwhile is kept, and a GET with
 * `Last-Event-ID` `attach`es a new connection, which gets what it missed and then the rest.
 * `end` ends the stream itself (its last response went out).
 *
 * @example
 * const s = new ResumableStream(log, ex.stream(headers), ex.gone, DEFAULT_RETRY_MS);
 * s.send(json);          // id'd, kept, written if a connection is attached
 * s.closeConnection();   // the client reconnects after `retry` ms, with the priming id
 */
export class ResumableStream implements ReplayOwner {
  readonly number: number;
  private connection: EventStream | undefined;
  private ended = false;
  // the newest event of this stream the log dropped: a resume from before it cannot be whole
  private lost = 0;

  constructor(
    private readonly log: ReplayLog,
    first: EventStream,
    gone: Gone,
    retryMs: number,
  ) {
    this.number = log.openStream();
    first.prime(log.mark(this.number), retryMs);
    this.use(first, gone);
  }

  /** Whether a connection carries it now. */
  get connected(): boolean {
    return this.connection !== undefined;
  }

  /** Whether it ended (nothing more will be sent on it). */
  get done(): boolean {
    return this.ended;
  }

  /** One message: kept for a resume, and written if a connection is attached. */
  send(json: string): void {
    if (this.ended) return;
    const id = this.log.add(this, this.number, json);
    this.connection?.send(json, id);
  }

  /** An SSE comment on the connection, if there is one (not kept: it is nothing to replay). */
  comment(text: string): void {
    this.connection?.comment(text);
  }

  /** The stream is over: its connection ends, and a later resume gets what it missed and ends. */
  end(): void {
    this.ended = true;
    this.connection?.end();
    this.connection = undefined;
  }

  /** Close the connection, not the stream: the client resumes it with a GET (SEP-1699 polling). */
  closeConnection(): void {
    const c = this.connection;
    this.connection = undefined;
    c?.end();
  }

  /**
   * Whether a GET may resume this stream after `from`: `expired` when events after `from` were
   * dropped from the log (no replay could be whole), `busy` while a connection carries it.
   */
  resumable(from: EventCursor): 'ok' | 'expired' | 'busy' {
    if (this.lost > from.seq) return 'expired';
    return this.connection === undefined ? 'ok' : 'busy';
  }

  /**
   * A GET resuming this stream after `from` (once `resumable` said `ok`): the missed events are
   * written, then the stream goes on there, or the connection ends if the stream did.
   */
  attach(from: EventCursor, connection: EventStream, gone: Gone): void {
    for (const e of this.log.after(from)) connection.send(e.json, e.id);
    if (this.ended) connection.end();
    else this.use(connection, gone);
  }

  /** The log dropped event `seq` of this stream. */
  evicted(seq: number): void {
    if (seq > this.lost) this.lost = seq;
  }

  private use(connection: EventStream, gone: Gone): void {
    this.connection = connection;
    gone.addEventListener('abort', () => {
      if (this.connection === connection) this.connection = undefined;
    }, { once: true });
  }
}
