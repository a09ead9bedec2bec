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
import type { EventStream, HttpExchange } from './exchange.js';
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
 * Each request of a POST holds one unit of the transport's budget (`ctx.budget`, shared with
 * the 2026 requests) while it is in `answers`; it goes back in `settle`, or all at once in `end`.
 */
export class LiveSession {
  readonly peer: Peer;
  private readonly incoming = new Subject<unknown>();
  // the POST answering each request of the session still in flight; one unit of the budget each
  private readonly answers = new Map<RequestId, PostAnswer>();
  private listen: EventStream | undefined;
  private readonly subscription: Subscription;
  private idle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly id: string,
    private readonly ctx: HttpContext,
    private readonly idleMs: number,
    private readonly ended: (why: SessionEndWhy) => void,
  ) {
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
    const answer = new PostAnswer(ex, ids, acceptsSse(ex) ? this.ctx.mode : 'json', () => 200, headers);
    for (const id of ids) this.answers.set(id, answer);
    this.ctx.budget.count += ids.length;
    ex.gone.addEventListener('abort', () => {
      // not a cancel in this era: the requests run on, their answers have nowhere to go
      const pending = ids.filter((id) => this.answers.get(id) === answer).length;
      if (pending > 0) this.ctx.emit({ type: 'stream-closed', era: '2025-11-25', cancelled: false, sessionId: this.id, pending });
    }, { once: true });
    this.incoming.next(body);
  }

  /** The GET stream: messages not related to a request. One at a time: false when one is open. */
  openListen(ex: HttpExchange, headers: Readonly<Record<string, string>>): boolean {
    if (this.listen !== undefined) return false;
    this.touch();
    const stream = ex.stream(headers);
    this.listen = stream;
    ex.gone.addEventListener('abort', () => {
      if (this.listen === stream) this.listen = undefined;
      this.touch();
    }, { once: true });
    return true;
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
    this.listen?.end();
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
