import { Subject, type Subscription } from 'rxjs';
import { cancelledRequestId } from '../../codec/cancelled.js';
import { isRequestMessage, type JsonRpcMessage, type RequestId } from '../../codec/messages.js';
import { relatedRequestId } from '../../handler/related.js';
import { FailedSend, WireFault } from '../../peer/wire-fault.js';
import { createPeer, type Peer } from '../../peer/create-peer.js';
import { toJson } from '../to-json.js';
import { PostAnswer } from './answer.js';
import { fits, refuseOverBudget } from './budget.js';
import type { HttpContext } from './context.js';
import type { HttpExchange } from './exchange.js';
import { ReplayLog } from './replay-log.js';
import { ResumableStream } from './resumable-stream.js';
import { acceptsSse } from './validate.js';

/**
 * Why a session ended here: the client's DELETE to this instance, no use for `sessionIdleMs`, the
 * transport's `close()`, or its record gone from the shared store (a DELETE that landed on
 * another instance, an expired record).
 */
export type SessionEndWhy = 'delete' | 'idle' | 'close' | 'record-gone';

/** The header of a 2025-11-25 session. */
export const SESSION_HEADER = 'mcp-session-id';

/**
 * One 2025-11-25 session living in this process: one connection (a whole peer: a 2025 server
 * may send requests of its own), fed by the session's POSTs. What the peer writes goes where it
 * belongs: a response and the messages of a request (its progress, its `ctx.notify`) on the
 * stream of the POST that carried it, anything else on the GET stream.
 *
 * A request of the server's that a handler tied to its request (`ctx.request`), and its cancel,
 * go on that request's POST stream while it is open (MCP 2025-11-25 Streamable HTTP: the server
 * MAY send requests and notifications there before the response, and they SHOULD relate to the
 * originating request), else on the GET stream. A request of the server's with neither stream is
 * dropped (`message-dropped`) and fails at once with RequestSendError: no answer can come, and
 * waiting out its timeout would only delay the handler.
 *
 * A POST's stream closing is not a cancel in this era (its stream was resumable): the request
 * runs on, the client cancels it with `notifications/cancelled` if it wants it stopped, and what
 * it would still write has no stream and is dropped, each drop an event. Ending the session
 * (DELETE, idle, `close()`) closes the connection: everything of the session in flight is
 * cancelled with `source: 'close'`, its cleanups run once.
 *
 * Every stream of the session is resumable (MCP 2025-11-25, "Resumability and Redelivery",
 * SEP-1699): each SSE event has an id naming its stream, a stream opens with a priming event
 * and `retry`, and the session keeps what it sent in a bounded {@link ReplayLog}. A GET with
 * `Last-Event-ID` resumes the stream the id names: what it missed is replayed, then the rest of
 * that stream (a request's response) goes there. `closeStream` closes a request's connection
 * (not its stream) on purpose: the client polls it back with such a GET.
 *
 * Each request of a POST holds one unit of the transport's budget (`ctx.budget`, shared with
 * the 2026 requests) while it is in `answers`; it goes back in `settle`, or all at once in `end`.
 */
export class LiveSession {
  readonly peer: Peer;
  private readonly incoming = new Subject<unknown>();
  // the POST answering each request of the session still in flight; one unit of the budget each
  private readonly answers = new Map<RequestId, PostAnswer>();
  private listen: ResumableStream | undefined;
  private readonly log: ReplayLog;
  // the streams a GET may resume, oldest first; `listen` marks the GET streams
  private readonly streams = new Map<number, { readonly stream: ResumableStream; readonly listen: boolean }>();
  private readonly subscription: Subscription;
  private idle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly id: string,
    private readonly ctx: HttpContext,
    private readonly idleMs: number,
    private readonly ended: (why: SessionEndWhy) => void,
  ) {
    this.log = new ReplayLog(ctx.replay.maxBytes, ctx.replay.maxEvents);
    this.peer = createPeer(this.incoming, { ...ctx.peer, era: '2025-11-25', sessionId: id });
    this.peer.events$.subscribe((e) => {
      // a request cancelled by the client gets no response: its POST waits for it no longer
      if (e.type === 'request-cancelled') this.unanswered(e.key.requestId);
      ctx.peerEvent(e);
    });
    this.subscription = this.peer.outgoing$.subscribe((m) => this.route(m));
    this.touch();
  }

  /** A POST of this session: its messages into the connection, its answer kept for their responses. */
  post(ex: HttpExchange, body: unknown, ids: readonly RequestId[], headers: Readonly<Record<string, string>>): void {
    if (this.subscription.closed) {
      // ended while its POST was read: after termination the session id is answered 404
      ex.reply(404, headers, JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Not Found: this session has ended' } }));
      return;
    }
    this.touch();
    if (ids.length === 0) {
      // notifications and responses only (a cancel, `initialized`, our requests' answers): 202
      ex.reply(202, headers);
      this.incoming.next(body);
      return;
    }
    const duplicate = ids.find((id, i) => this.answers.has(id) || ids.indexOf(id) !== i);
    if (duplicate !== undefined) {
      const error = { code: -32600, message: `Invalid request: id ${JSON.stringify(duplicate)} is in flight in this session already` };
      ex.reply(400, headers, JSON.stringify({ jsonrpc: '2.0', id: duplicate, error }));
      return;
    }
    // the transport's one budget, both eras: a POST that does not fit is not taken at all (503),
    // and the session, its other requests, its ids are as they were
    if (!fits(this.ctx.budget, ids.length)) return refuseOverBudget(ex, this.ctx.budget, this.ctx.emit, Array.isArray(body) ? null : (ids[0] ?? null));
    const answer = new PostAnswer(ex, ids, acceptsSse(ex) ? this.ctx.mode : 'json', () => 200, headers, (c, gone) => this.track(new ResumableStream(this.log, c, gone, this.ctx.replay.retryMs), false));
    for (const id of ids) this.answers.set(id, answer);
    this.ctx.budget.count += ids.length;
    ex.gone.addEventListener('abort', () => {
      // not a cancel in this era: the requests run on, their answers have nowhere to go
      const pending = ids.filter((id) => this.answers.get(id) === answer).length;
      if (pending > 0) this.ctx.emit({ type: 'stream-closed', era: '2025-11-25', cancelled: false, sessionId: this.id, pending });
    }, { once: true });
    this.incoming.next(body);
  }

  /**
   * A GET: with a `Last-Event-ID` that names a stream of this session it can resume, that stream
   * (what it missed, then the rest); else the GET stream, for messages not related to a request,
   * one at a time: false when one is open already (or the stream the id names has a connection).
   */
  openListen(ex: HttpExchange, headers: Readonly<Record<string, string>>, lastEventId?: string): boolean {
    if (lastEventId !== undefined) {
      const cursor = this.log.parse(lastEventId);
      const known = cursor === undefined ? undefined : this.streams.get(cursor.stream);
      const state = cursor === undefined || known === undefined ? 'unknown' : known.stream.resumable(cursor);
      if (state === 'busy' || (state === 'ok' && known?.listen === true && this.listen !== undefined && this.listen !== known.stream)) return false;
      if (state === 'ok' && cursor !== undefined && known !== undefined) {
        this.touch();
        known.stream.attach(cursor, ex.stream(headers), ex.gone);
        if (known.listen) this.listening(known.stream, ex);
        return true;
      }
      this.ctx.emit({ type: 'resume-refused', sessionId: this.id, why: state === 'expired' ? 'expired' : 'unknown' });
    }
    if (this.listen !== undefined) return false;
    this.touch();
    // one GET stream at a time: an older one nobody resumed is over
    for (const [n, s] of this.streams) if (s.listen) this.forget(n);
    this.listening(this.track(new ResumableStream(this.log, ex.stream(headers), ex.gone, this.ctx.replay.retryMs), true), ex);
    return true;
  }

  /**
   * Close the connection of request `id`'s stream, not the stream (SEP-1699 polling; the SDK's
   * `closeSSEStream`): its answer turns into a stream if it was not one, the client resumes it
   * with a GET after `retry`, and the request runs on; its response goes to the resumed stream,
   * or waits in the replay log. False when the request has no answer to close here.
   */
  closeStream(id: RequestId): boolean {
    return this.answers.get(id)?.closeConnection() ?? false;
  }

  /** End the session: its connection closes (everything in flight cancelled), every stream ends. */
  end(why: SessionEndWhy): void {
    if (this.subscription.closed) return;
    if (this.idle !== undefined) clearTimeout(this.idle);
    this.incoming.complete();
    this.subscription.unsubscribe();
    for (const answer of new Set(this.answers.values())) answer.abandon();
    // closing the connection above cancelled each request, and each cancel settled through
    // unanswered(); whatever is still here (one the peer never answered) gives its place back now
    this.ctx.budget.count -= this.answers.size;
    this.answers.clear();
    for (const { stream } of this.streams.values()) stream.end();
    this.streams.clear();
    this.log.clear();
    this.listen = undefined;
    this.ended(why);
  }

  private unanswered(id: RequestId): void {
    const answer = this.answers.get(id);
    if (answer === undefined) return;
    this.settle(id);
    answer.unanswered(id);
  }

  // the one door out of `answers` while the session lives: a request's unit goes back once
  private settle(id: RequestId): void {
    if (this.answers.delete(id)) this.ctx.budget.count--;
  }

  private route(m: JsonRpcMessage): void {
    const id = relatedRequestId(m);
    // the server's own requests, and its cancels of them: their stream is chosen differently
    if (isRequestMessage(m) || cancelledRequestId(m) !== undefined) return this.routeOwn(m, id);
    if (id !== undefined) {
      const answer = this.answers.get(id);
      if (answer === undefined || answer.done) {
        // its POST's stream closed (or it never had one): dropped, as the era allows
        if (!('method' in m)) this.settle(id);
        this.ctx.emit({ type: 'message-dropped', sessionId: this.id, why: 'stream-closed' });
      } else {
        answer.write(m);
        if (!answer.waitsFor(id)) this.settle(id);
      }
      if (!('method' in m)) this.touch();
      return;
    }
    const json = toJson(m);
    if (this.listen === undefined || typeof json !== 'string') return this.ctx.emit({ type: 'message-dropped', sessionId: this.id, why: 'no-stream' });
    this.listen.send(json);
  }

  private listening(stream: ResumableStream, ex: HttpExchange): void {
    this.listen = stream;
    ex.gone.addEventListener('abort', () => {
      if (this.listen === stream) this.listen = undefined;
      this.touch();
    }, { once: true });
  }

  // a resumable stream, findable by the number in its ids; ended ones past the bound are let go
  private track(stream: ResumableStream, listen: boolean): ResumableStream {
    this.streams.set(stream.number, { stream, listen });
    const cap = Math.max(this.ctx.replay.maxEvents, 16);
    if (this.streams.size > cap) {
      for (const [n, s] of this.streams) {
        if (this.streams.size <= cap) break;
        if (s.stream.done) this.streams.delete(n);
      }
    }
    return stream;
  }

  private forget(n: number): void {
    this.streams.get(n)?.stream.end();
    this.streams.delete(n);
  }

  /**
   * A request of the server's, or its cancel: on the POST stream of the request it is tied to
   * while that is open, else on the GET stream (unlike a tied notification, which has no other
   * stream to go to: the client must hear of a request it is to answer, and of its cancel).
   */
  private routeOwn(m: JsonRpcMessage, related: RequestId | undefined): void {
    const answer = related === undefined ? undefined : this.answers.get(related);
    if (answer !== undefined && answer.streams) return answer.write(m);
    const json = toJson(m);
    if (this.listen !== undefined && typeof json === 'string') return this.listen.send(json);
    this.ctx.emit({ type: 'message-dropped', sessionId: this.id, why: related === undefined ? 'no-stream' : 'stream-closed' });
    // no answer can come to a request nobody received: it fails now (RequestSendError, through
    // the peer's one door for failed writes), not at its timeout
    if (!isRequestMessage(m)) return;
    const why = related === undefined ? 'no GET stream is open' : `the POST stream of request ${JSON.stringify(related)} is closed and no GET stream is open`;
    this.incoming.next(FailedSend.tag(WireFault.of('transport-error', `no stream to send it on: ${why}`), m.id));
  }

  // a session nobody uses (no request in flight, no GET stream) ends after idleMs
  private touch(): void {
    if (this.idle !== undefined) clearTimeout(this.idle);
    if (!Number.isFinite(this.idleMs)) return;
    this.idle = setTimeout(() => {
      if (this.answers.size === 0 && this.listen === undefined && this.peer.inFlight().serving === 0) this.end('idle');
      else this.touch();
    }, this.idleMs);
    this.idle.unref?.();
  }
}
