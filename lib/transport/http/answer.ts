import type { JsonRpcMessage, RequestId } from '../../codec/messages.js';
import { toJson } from '../to-json.js';
import type { EventStream, Gone, HttpExchange } from './exchange.js';
import type { ResumableStream } from './resumable-stream.js';

/** How a 2025-11-25 answer opens its stream as a resumable one (ids, priming, a replay log), given its first connection. */
export type OpenResumable = (connection: EventStream, gone: Gone) => ResumableStream;

/**
 * How a POST with requests is answered: `auto` (one JSON body unless something comes before the last response), `sse`, or `json`.
 *
 * @example
 * // behind a proxy that buffers SSE: one JSON body per POST (notifications mid-call are dropped)
 * const response: AnswerMode = behindBufferingProxy ? 'json' : 'auto';
 * streamableHttp({ handlers, response });
 */
export type AnswerMode = 'auto' | 'sse' | 'json';

/**
 * The answer of one POST: the responses it waits for, written as one JSON body or as an SSE
 * stream. In `auto`, a POST whose only message is its one response gets it as JSON (status from
 * `statusOf`); anything before it (progress, a notification for the request, the first of
 * several responses) turns the answer into an SSE stream, which ends with the last response.
 * In `json`, what is not a response is dropped (`dropped()` counts it), and a batch's responses
 * come as one array. Both eras use it: the 2026 POST waits for one id, a 2025 POST for each
 * request it carried. A 2025 answer given `resumable` streams as a {@link ResumableStream}: the
 * client going away does not end it (what follows is kept for a resume), and `closeConnection`
 * may end its connection early.
 *
 * @example
 * const answer = new PostAnswer(exchange, [7], 'auto', () => 200, {});
 * peerMessages.subscribe((m) => answer.write(m));
 */
export class PostAnswer {
  private readonly waiting: Set<RequestId>;
  private stream: Pick<EventStream, 'send' | 'end'> | undefined;
  private resumed: ResumableStream | undefined;
  private readonly collected: string[] = [];
  private droppedCount = 0;

  constructor(
    private readonly ex: HttpExchange,
    ids: readonly RequestId[],
    private readonly mode: AnswerMode,
    private readonly statusOf: (m: JsonRpcMessage) => number,
    private readonly headers: Readonly<Record<string, string>>,
    private readonly resumable?: OpenResumable,
  ) {
    this.waiting = new Set(ids);
    if (mode === 'sse') this.stream = this.open();
  }

  /** Whether every response was written (or the client went away from an answer it cannot resume). */
  get done(): boolean {
    return this.waiting.size === 0 || (this.ex.gone.aborted && this.resumed === undefined);
  }

  /**
   * Close the connection of this answer but not its stream (MCP 2025-11-25, SEP-1699 polling):
   * a JSON answer still pending turns into a stream first, so the client has its priming id,
   * and resumes with a GET. False when there is nothing to close: done, not resumable, or `json`.
   */
  closeConnection(): boolean {
    if (this.done || this.resumable === undefined || this.mode === 'json' || this.ex.gone.aborted) return false;
    this.stream ??= this.open();
    this.resumed?.closeConnection();
    return true;
  }

  /**
   * Whether a message that is not a response (a request of the server's, a notification) can
   * still go on this answer: it is not done, and it may be a stream (a `json` answer carries only
   * responses). In `auto`, writing one turns the answer into a stream.
   */
  get streams(): boolean {
    return !this.done && this.mode !== 'json';
  }

  /** Whether `id` is one of the requests this POST still waits for. */
  waitsFor(id: RequestId): boolean {
    return this.waiting.has(id);
  }

  /** Messages not written: mid-call notifications of a `json` answer. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** One message for this POST (a response to one of its requests, or a notification for one). */
  write(m: JsonRpcMessage): void {
    if (this.done) return;
    const id = !('method' in m) && 'id' in m ? m.id : undefined;
    const final = id !== undefined && id !== null && this.waiting.delete(id);
    const json = toJson(m);
    // a notification JSON cannot carry is nobody's answer: it is not written
    if (typeof json !== 'string') return;
    if (this.stream === undefined && (this.mode === 'json' || (this.mode === 'auto' && final && this.waiting.size === 0 && this.collected.length === 0))) {
      if (!final) {
        this.droppedCount++;
        return;
      }
      this.collected.push(json);
      if (this.waiting.size > 0) return;
      const single = this.collected.length === 1;
      this.ex.reply(single ? this.statusOf(m) : 200, this.headers, single ? json : `[${this.collected.join(',')}]`);
      return;
    }
    this.stream ??= this.open();
    this.stream.send(json);
    if (this.waiting.size === 0) this.stream.end();
  }

  /**
   * Request `id` of this POST ended without a response (a 2025 request cancelled by the client's
   * notification): nothing more will come for it. The answer ends once nothing else is awaited:
   * a stream ends, a JSON answer goes out with what it has (204 when it has nothing).
   */
  unanswered(id: RequestId): void {
    if (this.done || !this.waiting.delete(id) || this.waiting.size > 0) return;
    if (this.stream !== undefined) return this.stream.end();
    if (this.collected.length === 0) return this.ex.reply(204, this.headers);
    this.ex.reply(200, this.headers, this.collected.length === 1 ? this.collected[0] : `[${this.collected.join(',')}]`);
  }

  /** End the answer without its responses (the server closes): the stream ends, a JSON answer is a 503. */
  abandon(): void {
    this.waiting.clear();
    if (this.stream !== undefined) this.stream.end();
    else if (!this.ex.gone.aborted) this.ex.reply(503, this.headers);
  }

  private open(): Pick<EventStream, 'send' | 'end'> {
    const connection = this.ex.stream(this.headers);
    if (this.resumable === undefined) return connection;
    this.resumed = this.resumable(connection, this.ex.gone);
    return this.resumed;
  }
}
