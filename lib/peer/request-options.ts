/* The options of one `request()`, their defaults, and their check. */

/**
 * Options of one `request()`.
 *
 * @example
 * const ac = new AbortController();
 * const options: RequestOptions = { timeoutMs: 5_000, signal: ac.signal, onProgress: (p) => bar.update(p.progress, p.total) };
 * peer.request('tools/call', { name: 'export', arguments: {} }, options).subscribe(show);
 * ac.abort(); // the cancel goes out, and the request errors with RequestCancelledError
 */
export interface RequestOptions {
  /**
   * Idle timeout: then the request is cancelled on the wire and errors with RequestTimeoutError.
   * Default: the peer's `timeoutMs` (60,000). A positive number of ms, or `Infinity` to disable
   * it; anything else (NaN, 0, a negative) makes `request()` error at once with a TypeError.
   */
  readonly timeoutMs?: number;
  /**
   * Progress from the peer restarts the idle timeout (a progress token is sent for it, `onProgress`
   * or not). A hard deadline then applies too: `maxTotalTimeoutMs`, by default
   * {@link DEFAULT_MAX_TOTAL_TIMEOUT_MS}.
   */
  readonly resetTimeoutOnProgress?: boolean;
  /**
   * A hard deadline from the send, whatever progress comes: a real timer, with a cancel on the
   * wire. A positive number of ms, or `Infinity` for none. Default: none, except with
   * `resetTimeoutOnProgress`, where it is {@link DEFAULT_MAX_TOTAL_TIMEOUT_MS} (or the idle
   * timeout, when that is longer); `Infinity` opts out.
   */
  readonly maxTotalTimeoutMs?: number;
  /** Aborting it sends the cancel, then errors with RequestCancelledError. Its listener is removed when the request ends. */
  readonly signal?: AbortSignal;
  /**
   * Receives `notifications/progress` for this request (a `progressToken` is added to the
   * request). The token is always the library's own, the request id, so progress for one request
   * can never reach another's: a `_meta.progressToken` given in `params` is replaced by it (the
   * other `_meta` members are kept), with `onProgress` or without.
   */
  readonly onProgress?: (p: { progress: number; total?: number; message?: string }) => void;
  /** The reason sent when the subscriber unsubscribes. */
  readonly reason?: string;
}

/**
 * The default request timeout, as the official SDK's (docs/protocol.md P4).
 *
 * @example
 * DEFAULT_TIMEOUT_MS; // 60000
 * createPeer(incoming$, { timeoutMs: DEFAULT_TIMEOUT_MS * 5 }); // tools that think for minutes
 */
export const DEFAULT_TIMEOUT_MS = 60_000;
/**
 * The default cap on requests sent and not yet answered.
 *
 * @example
 * DEFAULT_MAX_PENDING; // 10000
 * createPeer(incoming$, { maxPendingRequests: DEFAULT_MAX_PENDING / 10 });
 */
export const DEFAULT_MAX_PENDING = 10_000;
/**
 * The default `maxTotalTimeoutMs` of a request with `resetTimeoutOnProgress`: 10 minutes (ten
 * times the default idle timeout), or its idle timeout when that is longer. MCP (lifecycle,
 * Timeouts): implementations "SHOULD always enforce a maximum timeout, regardless of progress
 * notifications"; without one, a peer that keeps sending progress keeps a request alive for
 * ever. Set `maxTotalTimeoutMs: Infinity` to opt out.
 *
 * @example
 * peer.request('tools/call', p, { resetTimeoutOnProgress: true }); // ends by DEFAULT_MAX_TOTAL_TIMEOUT_MS
 * peer.request('tools/call', p, { resetTimeoutOnProgress: true, maxTotalTimeoutMs: Infinity }); // no cap
 */
export const DEFAULT_MAX_TOTAL_TIMEOUT_MS = 600_000;

// a positive number of ms, or Infinity: NaN would disable a timeout silently, 0 or less fire at once
export const isTimeout = (v: unknown): v is number => typeof v === 'number' && v > 0;
export const badTimeout = (name: string, v: unknown): string =>
  `${name} must be a positive number of milliseconds or Infinity, got ${typeof v === 'number' ? String(v) : typeof v}`;

/** What is wrong with a request's options, if anything (before anything is sent). */
export const invalidOptions = (o: RequestOptions): string | undefined => {
  if (o.timeoutMs !== undefined && !isTimeout(o.timeoutMs)) return badTimeout('timeoutMs', o.timeoutMs);
  if (o.maxTotalTimeoutMs !== undefined && !isTimeout(o.maxTotalTimeoutMs)) return badTimeout('maxTotalTimeoutMs', o.maxTotalTimeoutMs);
  return undefined;
};

