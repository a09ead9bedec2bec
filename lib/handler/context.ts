import { Observable, Subscription } from 'rxjs';
import type { ProtocolEra } from '../codec/era.js';
import type { JsonRpcMessage, RequestId } from '../codec/messages.js';
import { PROGRESS, type ProgressToken } from '../codec/progress.js';
import { relate } from './related.js';
import { LiveConnectionRef, type ConnectionRef } from './connection-ref.js';
import { TiedRequestRefusedError } from '../errors.js';
import { tiedRefusal, type TiedSend } from './tied-request.js';
// a type only: a tied request takes the options of the sending half's request()
import type { RequestOptions } from '../peer/request-options.js';
import type { CancellationManager } from '../manager/cancellation-manager.js';
import type { CancelReason, RequestKey } from '../manager/request-key.js';

/**
 * What a handler gets besides its params.
 *
 * @example
 * const download = (params: unknown, ctx: RequestContext): Promise<unknown> => {
 *   ctx.onCleanup(() => tmp.remove());
 *   ctx.progress(0, 100, 'starting');
 *   return fetch(urlOf(params), { signal: ctx.signal }).then((r) => r.json());
 * };
 * createPeer(incoming$, { handlers: { 'files/download': download } });
 */
export interface RequestContext {
  /** The request's id, exactly as received (string or number). */
  readonly requestId: RequestId;
  readonly method: string;
  readonly sessionId?: string;
  /**
   * The protocol era of the connection the request came on (docs/protocol.md "Eras"): what a
   * result should look like (`resultType` in 2026-07-28). Absent outside a peer (`runRequest`).
   */
  readonly era?: ProtocolEra;
  /**
   * The connection the request came on ({@link ConnectionRef}): the same object for every request
   * of that connection, never for another's, so a key for per-connection state in a `WeakMap`
   * (the state goes when the connection does); and the way to notify the peer, or hear of the
   * close, after this request ended. A 2026-07-28 POST over HTTP is a connection of its own; a
   * request run alone (`runRequest`) is one too, closed when it ends.
   *
   * @example
   * const levels = new WeakMap<object, string>();
   * const setLevel: Handler = (p, ctx) => (levels.set(ctx.connection, (p as { level: string }).level), {});
   */
  readonly connection: ConnectionRef;
  /** Aborted once, with the {@link CancelReason}, when the request is cancelled or the connection closes. */
  readonly signal: AbortSignal;
  /** Emits once on cancellation, then completes; completes without a value if the request ends otherwise. */
  readonly cancelled$: Observable<CancelReason>;
  /** Runs exactly once at the end, whatever the end; at once if the request already ended. */
  onCleanup(fn: () => void | PromiseLike<void>): void;
  /** Reports progress, if the request asked for it. Values that do not rise are dropped (SPEC P2). */
  progress(progress: number, total?: number, message?: string): void;
  /** Sends a notification tied to this request; none after the request ended. */
  notify(method: string, params?: object): void;
  /**
   * Sends a request to the peer, tied to this one: a tool asking the client for input while it
   * runs (MCP 2025-11-25 `elicitation/create`, `sampling/createMessage`, `roots/list`). Cold, as
   * `peer.request()` is, and sent by the same sending half, with the same timeouts (its
   * `options`, else the peer's `timeoutMs`). The request and its cancel carry this request's id
   * as their `relatedRequestId`, so a transport routes them with it (Streamable HTTP: on this
   * request's POST stream).
   *
   * It is unsubscribed when this request ends, however it ends (cancelled, answered, failed, its
   * connection closed): a tied request still in flight then gets one `notifications/cancelled`,
   * and one already answered gets none. Where it cannot be sent it errors at once with a
   * `TiedRequestRefusedError` (-32803, local) and nothing goes on the wire: on a connection that
   * only answers (`serve()`), under 2026-07-28 rules (a 2026 server sends no requests), or after
   * this request ended.
   *
   * @example
   * const confirm: Handler = (params, ctx) =>
   *   ctx.request<{ action: string }>('elicitation/create', {
   *     message: 'Delete the file?',
   *     requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
   *   }).pipe(map((answer) => ({ content: [{ type: 'text', text: answer.action }] })));
   */
  request<R = unknown>(method: string, params?: object, options?: RequestOptions): Observable<R>;
}

/** What the serving side gives a request's context. */
export interface ContextInit {
  readonly key: RequestKey;
  readonly method: string;
  readonly manager: CancellationManager;
  readonly progressToken: ProgressToken | undefined;
  /** Writes a message for this request to the wire. */
  readonly send: (m: JsonRpcMessage) => void;
  /** Reports a cleanup that threw or rejected. */
  readonly cleanupFailed: (thrown: unknown) => void;
  /** Reports a `ctx.progress` call refused for a value no peer could read (NaN, Infinity). */
  readonly progressRefused?: (why: string) => void;
  /** The connection's protocol era, when the request came on one. */
  readonly era?: ProtocolEra;
  /** The connection's own object (see {@link RequestContext.connection}), when the request came on one. */
  readonly connection?: ConnectionRef;
  /** The connection's sending half, for `ctx.request`; absent where the connection only answers. */
  readonly sendRequest?: TiedSend | undefined;
}

/**
 * The context of one request. The AbortController is made only when `signal` is read (lazy,
 * like vscode-jsonrpc's token source): an Observable handler never pays for it.
 */
export class Context implements RequestContext {
  // the cleanups, as a Subscription keeps its finalizers (each runs once, in order; one added
  // after the end runs at once), without a Subscription and a wrapper closure per request
  private cleanups: Array<() => void | PromiseLike<void>> | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private abortedWith: CancelReason | undefined = undefined;
  // the connection of a request run alone, made when asked for
  private alone: LiveConnectionRef | undefined = undefined;
  // one field for the end: 'ended' once the outcome is decided (nothing more is sent), 'cleaned'
  // once the cleanups ran
  private state: 'running' | 'ended' | 'cleaned' = 'running';
  // undefined, not -Infinity: a double field would box a number on every request
  private lastProgress: number | undefined = undefined;
  // the tied requests in flight (ctx.request), made only when one is sent: unsubscribed at the end
  private tied: Subscription | undefined = undefined;

  // read from the init rather than copied: at 100,000 in flight every field counts
  constructor(private readonly init: ContextInit) {}

  get requestId(): RequestId {
    return this.init.key.requestId;
  }

  get sessionId(): string | undefined {
    return this.init.key.sessionId;
  }

  get method(): string {
    return this.init.method;
  }

  get era(): ProtocolEra | undefined {
    return this.init.era;
  }

  get connection(): ConnectionRef {
    // a request run alone is a connection of its own, which ends with it
    return this.init.connection ?? (this.alone ??= new LiveConnectionRef(this.init.send, this.init.cleanupFailed));
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedWith !== undefined) this.controller.abort(this.abortedWith);
    }
    return this.controller.signal;
  }

  get cancelled$(): Observable<CancelReason> {
    // the request's own reason first: once it ended by a cancel its manager entry is gone, and
    // a handler that subscribes after an `await` must still be told (as its signal is)
    return new Observable<CancelReason>((subscriber) => {
      const reason = this.abortedWith;
      if (reason === undefined) return this.init.manager.cancelled(this.init.key).subscribe(subscriber);
      subscriber.next(reason);
      subscriber.complete();
      return undefined;
    });
  }

  /** The reason the request was stopped, if it was. */
  get cancelReason(): CancelReason | undefined {
    return this.abortedWith;
  }

  onCleanup(fn: () => void | PromiseLike<void>): void {
    if (this.state === 'cleaned') return this.runCleanup(fn);
    if (this.cleanups === undefined) this.cleanups = [fn];
    else this.cleanups.push(fn);
  }

  // guarded: a throwing cleanup must neither skip the others nor escape into the stream
  private runCleanup(fn: () => void | PromiseLike<void>): void {
    try {
      const r = fn();
      if (r !== undefined && r !== null && typeof r.then === 'function') r.then(undefined, (e: unknown) => this.init.cleanupFailed(e));
    } catch (e) {
      this.init.cleanupFailed(e);
    }
  }

  progress(progress: number, total?: number, message?: string): void {
    const token = this.init.progressToken;
    if (token === undefined || this.state !== 'running') return;
    // JSON has no NaN or Infinity (they would go out as null), and nothing rises above NaN: a
    // bad value is refused and reported, and is not remembered, so later progress still flows
    if (!Number.isFinite(progress) || (total !== undefined && !Number.isFinite(total))) {
      this.init.progressRefused?.(`progress must be a finite number, got progress ${String(progress)}${total === undefined ? '' : `, total ${String(total)}`}`);
      return;
    }
    // docs/protocol.md P2: progress MUST rise (P3: none after the end, checked above)
    if (!(this.lastProgress === undefined || progress > this.lastProgress)) return;
    this.lastProgress = progress;
    const params: { progressToken: ProgressToken; progress: number; total?: number; message?: string } = {
      progressToken: token,
      progress,
    };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    this.init.send(relate({ jsonrpc: '2.0', method: PROGRESS, params }, this.requestId));
  }

  notify(method: string, params?: object): void {
    if (this.state !== 'running' || method.length === 0) return;
    const m =
      params === undefined
        ? { jsonrpc: '2.0' as const, method }
        : { jsonrpc: '2.0' as const, method, params: params as Record<string, unknown> };
    this.init.send(relate(m as JsonRpcMessage, this.requestId));
  }

  request<R = unknown>(method: string, params?: object, options?: RequestOptions): Observable<R> {
    return new Observable<R>((subscriber) => {
      // decided at subscribe (cold): what holds now, not when the Observable was made
      const send = this.init.sendRequest;
      const why = tiedRefusal({ running: this.state === 'running', era: this.init.era, canSend: send !== undefined });
      if (why !== undefined || send === undefined) {
        subscriber.error(new TiedRequestRefusedError(method, why ?? 'no-sending-half', this.requestId));
        return undefined;
      }
      // held before the send: the peer may end this request inside the write (an in-memory peer
      // cancelling the call), and that end must reach the tied request too
      const tied = (this.tied ??= new Subscription());
      // a child Subscription leaves its parent when it closes (answered, errored, unsubscribed by
      // the caller): the set holds only what is still in flight
      tied.add(subscriber);
      return send<R>(method, params, options, this.requestId).subscribe(subscriber);
    });
  }

  /** Abort the signal once. Idempotent. */
  abort(reason: CancelReason): void {
    if (this.abortedWith !== undefined) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
  }

  /** The outcome is decided: nothing more is sent for this request. Returns false the second time. */
  end(): boolean {
    if (this.state !== 'running') return false;
    this.state = 'ended';
    // every way a request ends passes here: its tied requests still in flight are cancelled
    // (the sending half sends the one notifications/cancelled of each), answered ones are gone
    const tied = this.tied;
    this.tied = undefined;
    tied?.unsubscribe();
    return true;
  }

  /** Teardown: whatever the end, runs the cleanups once. */
  cleanUp(): void {
    if (this.state === 'cleaned') return;
    this.state = 'cleaned';
    this.alone?.close();
    const cleanups = this.cleanups;
    this.cleanups = undefined;
    if (cleanups !== undefined) for (const fn of cleanups) this.runCleanup(fn);
  }
}
