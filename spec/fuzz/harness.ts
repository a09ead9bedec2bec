import * as E from 'fp-ts/lib/Either.js';
import { NEVER, Subject, of } from 'rxjs';
import { CancellationManager, ConnectionClosedError, InvalidResponseError, JsonRpcError, createPeer, type Peer } from '../../lib/index.js';
import { decodeMessage, type JsonRpcMessage, type RequestId } from '../../lib/codecs.js';

/** What one input led to: the tally `npm run fuzz` prints. */
export type Outcome =
  | 'result'
  | 'error-response'
  | 'invalid-request'
  | 'invalid-params'
  | 'method-not-found'
  | 'no-reply'
  | 'batch';

export interface FuzzReport {
  messages: number;
  outcomes: Record<Outcome, number>;
  events: Record<string, number>;
  violations: string[];
  crashes: number;
  leaks: number;
  epochs: number;
}

type Rec = Record<string, unknown>;
const isRec = (u: unknown): u is Rec => typeof u === 'object' && u !== null && !Array.isArray(u);
// MCP ids are strings (at most 1,024 characters here: an id is echoed in its reply) or integers
const usable = (id: unknown): boolean => (typeof id === 'string' ? id.length <= 1024 : Number.isSafeInteger(id));
// what a reply or an event may weigh whatever the input: a bounded preview, never the input
const MAX_REPLY = 4096;
const MAX_EVENT = 8192;

/**
 * A real peer under hostile input. Each input is fed alone; every handler answers at once or
 * never (so what an input causes is what comes out synchronously), and an independent oracle
 * says what the spec allows for it. Every `epochSize` inputs the connection closes: then
 * nothing may be left in flight, and each cleanup must have run once.
 */
export class FuzzTarget {
  readonly report: FuzzReport = {
    messages: 0,
    outcomes: { result: 0, 'error-response': 0, 'invalid-request': 0, 'invalid-params': 0, 'method-not-found': 0, 'no-reply': 0, batch: 0 },
    events: {},
    violations: [],
    crashes: 0,
    leaks: 0,
    epochs: 0,
  };
  private readonly manager = new CancellationManager();
  private incoming = new Subject<unknown>();
  private peer!: Peer;
  private out: JsonRpcMessage[] = [];
  private started = 0;
  private cleaned = 0;
  private broken = false;
  private inEpoch = 0;
  // requests this peer sent, waiting for an answer the fuzz may forge: how each one ended
  private sent = new Map<RequestId, 'pending' | 'result' | 'error' | 'invalid' | 'closed'>();

  constructor(private readonly epochSize = 2_000) {
    this.open();
  }

  feed(u: unknown): void {
    this.report.messages++;
    this.out = [];
    // a request whose id is in flight is a duplicate: it must get no reply at all
    const live = isRec(u) && usable(u['id']) && this.manager.has({ sessionId: this.sessionId, requestId: u['id'] as string | number });
    // a response-shaped input naming a request of ours still waiting: it must end that request now
    const answers = isRec(u) && u['method'] === undefined && (u['result'] !== undefined || u['error'] !== undefined) && usable(u['id']) && this.sent.get(u['id'] as RequestId) === 'pending' ? (u['id'] as RequestId) : undefined;
    try {
      this.incoming.next(u);
    } catch (e) {
      this.report.crashes++;
      this.violation(`threw ${String(e)}`, u);
    }
    this.check(u, this.out, live);
    if (answers !== undefined) this.checkAnswer(u as Rec, answers);
    if (++this.inEpoch >= this.epochSize) this.closeEpoch();
  }

  /** Close the current connection, check it leaked nothing, and open a new one. */
  closeEpoch(): void {
    this.incoming.complete();
    const f = this.peer.inFlight();
    if (f.serving !== 0 || f.sending !== 0 || this.manager.size !== 0) {
      this.report.leaks++;
      this.violation(`leak after close: ${JSON.stringify(f)}, manager ${this.manager.size}`, null);
    }
    if (this.cleaned !== this.started) this.violation(`cleanups ${this.cleaned} != handlers started ${this.started}`, null);
    if (this.broken) this.violation('outgoing$ or events$ errored', null);
    this.report.epochs++;
    this.open();
  }

  private get sessionId(): string {
    return `fuzz-${this.report.epochs}`;
  }

  private open(): void {
    this.incoming = new Subject<unknown>();
    this.inEpoch = 0;
    this.started = 0;
    this.cleaned = 0;
    this.peer = createPeer(this.incoming, {
      manager: this.manager,
      sessionId: this.sessionId,
      maxInFlight: 200,
      handlers: {
        'tools/call': () => of({ ok: true }),
        initialize: () => of({ protocolVersion: '2025-06-18' }),
        throws: () => {
          throw new Error('handler failure');
        },
        slow: (_p, ctx) => {
          this.started++;
          ctx.onCleanup(() => void this.cleaned++);
          return NEVER;
        },
      },
    });
    this.peer.events$.subscribe({
      next: (e) => {
        this.report.events[e.type] = (this.report.events[e.type] ?? 0) + 1;
        const size = JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).length;
        if (size > MAX_EVENT) this.violation(`an event of ${size} characters (${e.type})`, null);
      },
      error: () => (this.broken = true),
    });
    this.peer.outgoing$.subscribe({ next: (m) => this.out.push(m), error: () => (this.broken = true) });
    // a valid request right after whatever came before still works
    this.out = [];
    this.incoming.next({ jsonrpc: '2.0', id: 'probe', method: 'tools/call' });
    const probe = this.out[0];
    if (this.out.length !== 1 || probe === undefined || !('result' in probe)) this.violation('a valid request after bad input got no result', null);
    // requests of our own (ids 0..7 on the wire), for the fuzz to answer validly or not
    this.sent = new Map();
    for (let i = 0; i < 8; i++) {
      this.peer.request('out', { i }, { timeoutMs: Number.POSITIVE_INFINITY }).subscribe({
        next: () => this.sent.set(i, 'result'),
        error: (e: unknown) =>
          this.sent.set(i, e instanceof InvalidResponseError ? 'invalid' : e instanceof ConnectionClosedError ? 'closed' : e instanceof JsonRpcError ? 'error' : 'closed'),
      });
      this.sent.set(i, 'pending');
    }
    this.out = [];
  }

  // JSON-RPC §5 and MCP: a valid response ends its request with its result or its error; an
  // invalid one (both result and error, a result that is no object, a bad error) ends it at once
  // with InvalidResponseError; either way nothing goes on the wire (no cancel for an answered request)
  private checkAnswer(u: Rec, id: RequestId): void {
    const valid = E.isRight(decodeMessage(u));
    const expected = !valid ? 'invalid' : u['error'] !== undefined ? 'error' : 'result';
    const got = this.sent.get(id);
    if (got !== expected) this.violation(`a response to our request ${JSON.stringify(id)} ended it as ${String(got)}, expected ${expected}`, u);
  }

  private violation(what: string, u: unknown): void {
    if (this.report.violations.length < 20) {
      let shown: string;
      try {
        shown = JSON.stringify(u)?.slice(0, 300) ?? String(u);
      } catch {
        shown = String(u);
      }
      this.report.violations.push(`${what}: ${shown}`);
    }
  }

  private check(u: unknown, out: JsonRpcMessage[], live: boolean): void {
    for (const m of out) {
      const text = JSON.stringify(m);
      if (E.isLeft(decodeMessage(JSON.parse(text)))) this.violation('sent an invalid message', m);
      if (text.length > MAX_REPLY) this.violation(`a reply of ${text.length} characters`, u);
    }
    if (Array.isArray(u) && u.length > 0) {
      this.report.outcomes.batch++;
      if (out.length > u.length) this.violation('more replies than batch elements', u);
      return;
    }
    if (!isRec(u)) return this.expectError(u, out, null, [-32600]);
    const hasMethod = u['method'] !== undefined;
    const hasId = u['id'] !== undefined;
    if (hasMethod && !hasId) return this.expectSilence(u, out, 'notification');
    if (!hasMethod && (u['result'] !== undefined || u['error'] !== undefined)) return this.expectSilence(u, out, 'response');
    // request-shaped, or no shape at all: at most one reply, with the id when it is usable
    if (out.length > 1) return this.violation(`${out.length} replies to one request`, u);
    const reply = out[0];
    const valid = E.isRight(decodeMessage(u));
    if (reply === undefined) {
      this.report.outcomes['no-reply']++;
      // only a request still running (slow) or a duplicate of one in flight may go unanswered
      if (!valid || !(live || u['method'] === 'slow')) this.violation('no reply to a request that must get one', u);
      return;
    }
    if (valid && live) return this.violation('a reply to a duplicate id in flight', u);
    if ('method' in reply) return this.violation('a notification in reply to a request', u);
    const expectedId = usable(u['id']) ? u['id'] : null;
    if (!('id' in reply) || reply.id !== expectedId) return this.violation(`reply id ${JSON.stringify('id' in reply ? reply.id : undefined)} for input id ${JSON.stringify(u['id'])}`, u);
    if ('result' in reply) this.report.outcomes.result++;
    else {
      const code = reply.error.code;
      const k: Outcome = code === -32600 ? 'invalid-request' : code === -32602 ? 'invalid-params' : code === -32601 ? 'method-not-found' : 'error-response';
      this.report.outcomes[k]++;
    }
  }

  private expectSilence(u: unknown, out: JsonRpcMessage[], what: string): void {
    this.report.outcomes['no-reply']++;
    if (out.length !== 0) this.violation(`a reply to a ${what}`, u);
  }

  private expectError(u: unknown, out: JsonRpcMessage[], id: null, codes: number[]): void {
    const reply = out[0];
    if (out.length !== 1 || reply === undefined || !('error' in reply) || reply.id !== id || !codes.includes(reply.error.code)) {
      return this.violation(`expected one error ${codes.join('/')} with id ${String(id)}, got ${JSON.stringify(out).slice(0, 200)}`, u);
    }
    this.report.outcomes['invalid-request']++;
  }
}
