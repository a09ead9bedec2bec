/**
 * What the transport needs of one HTTP exchange, whichever server runs it: the request's method,
 * headers and body, a signal for the client going away, and the three ways to answer. The node
 * face (`node-exchange.ts`) and the web-standard face (`fetch-exchange.ts`) each implement it,
 * so the protocol (`streamable-http.ts`) is written once.
 */
export interface HttpExchange {
  readonly method: string;
  /** A request header, by lower-case name; the first value when repeated. */
  header(name: string): string | undefined;
  /** The body as text, at most `maxBytes` bytes of it: `undefined` when it is longer (nothing more is read). */
  body(maxBytes: number): Promise<string | undefined>;
  /** Aborted when the client goes away before the answer ended (a closed stream, a dead socket). */
  readonly gone: Gone;
  /** Answer with a whole body (JSON, or nothing). */
  reply(status: number, headers: Readonly<Record<string, string>>, body?: string): void;
  /** Answer with a stream of Server-Sent Events: status 200, `text/event-stream`. */
  stream(headers: Readonly<Record<string, string>>): EventStream;
}

/**
 * The client going away, as the transport watches it: the part of an `AbortSignal` it uses (an
 * `AbortSignal` is one; the fetch face gives its own). As with a signal, each listener is called
 * at most once, and a listener added after the client went is never called.
 */
export interface Gone {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A {@link Gone} without an `AbortController`: on every POST of the node face, a controller,
 * its signal and its event dispatch (an `Event` per abort) cost more than the rest of the
 * exchange. `abort()` is idempotent; a listener that throws does not keep the others from
 * running, and its error is thrown again outside, as an `EventTarget` reports it.
 *
 * @example
 * const gone = new GoneFlag();
 * gone.addEventListener('abort', () => request.cancel(), { once: true });
 * res.on('close', () => gone.abort());
 */
export class GoneFlag implements Gone {
  aborted = false;
  private listeners: Array<() => void> | undefined = undefined;

  // `once` or not, a listener is called at most once: the flag is aborted once
  addEventListener(_type: 'abort', listener: () => void, _options?: { readonly once?: boolean }): void {
    if (!this.aborted) (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners?.indexOf(listener) ?? -1;
    if (i >= 0) this.listeners?.splice(i, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of listeners ?? []) {
      try {
        listener();
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }
}

/** An open SSE answer. Writing after it ended, or after the client went away, does nothing. */
export interface EventStream {
  /**
   * One event whose data is `json` (one line: JSON.stringify never writes a raw newline), with
   * the SSE `id` the client sends back as `Last-Event-ID` to resume, when there is one.
   */
  send(json: string, id?: string): void;
  /**
   * The priming event of a resumable stream (MCP 2025-11-25, SEP-1699): an `id`, an empty
   * `data` and the `retry` the client waits before it reconnects.
   */
  prime(id: string, retryMs: number): void;
  /** An SSE comment: clients ignore it; it keeps proxies from closing a stream that is quiet. */
  comment(text: string): void;
  end(): void;
}

/** An SSE comment line (WHATWG HTML §9.2: a line starting with a colon), with no newline in it. */
export const sseComment = (text: string): string => `: ${text.replace(/[\r\n]/g, ' ')}\n\n`;


/**
 * The default of `keepAliveMs`: an SSE stream that has sent nothing for 15 s gets a comment, so
 * a proxy or load balancer that closes idle connections (often after 30 to 60 s) leaves it open.
 * In 2026-07-28 a closed stream cancels its request: a long, quiet tool call must not lose its
 * stream to a proxy.
 *
 * @example
 * streamableHttp({ handlers, keepAliveMs: DEFAULT_KEEP_ALIVE_MS * 2 });
 */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;

/**
 * An {@link EventStream} over a face's raw `write` of SSE text and its `end`: the SSE framing of
 * events and comments is written here once, for every face, and so is the keep-alive: a comment
 * after each `keepAliveMs` in which the stream sent nothing, until it ends or the client is gone.
 */
export const sseStream = (write: (chunk: string) => void, end: () => void, gone: Gone, keepAliveMs: number): EventStream => {
  const prime = (id: string, retryMs: number): void => write(ssePriming(id, retryMs));
  if (!(keepAliveMs > 0 && Number.isFinite(keepAliveMs))) return { send: (json, id) => write(sseEvent(json, id)), prime, comment: (text) => write(sseComment(text)), end };
  let quiet = true;
  const timer = setInterval(() => {
    if (quiet) write(sseComment('keep-alive'));
    quiet = true;
  }, keepAliveMs);
  timer.unref?.();
  const stop = (): void => clearInterval(timer);
  gone.addEventListener('abort', stop, { once: true });
  return {
    send: (json, id) => {
      quiet = false;
      write(sseEvent(json, id));
    },
    prime: (id, retryMs) => {
      quiet = false;
      prime(id, retryMs);
    },
    comment: (text) => write(sseComment(text)),
    end: () => {
      stop();
      end();
    },
  };
};

/**
 * The default of `maxBufferedBytes`: the most an SSE answer holds for a client that does not
 * read, 4 MiB. Past it the client is taken as gone (its socket is closed): in 2026-07-28 that
 * cancels the request, as a closed stream does; a server never buffers without bound for a peer
 * it does not trust.
 *
 * @example
 * streamableHttp({ handlers, maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES / 4 });
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** What an exchange face is told of its SSE streams (both `streamableHttp` options). */
export interface StreamLimits {
  /** See `StreamableHttpOptions.maxBufferedBytes`. */
  readonly maxBufferedBytes: number;
  /** See `StreamableHttpOptions.keepAliveMs`: 0 or `Infinity`, no comments. */
  readonly keepAliveMs: number;
}

/** The defaults of {@link StreamLimits}. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = { maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES, keepAliveMs: DEFAULT_KEEP_ALIVE_MS };


/** One SSE event carrying a JSON-RPC message (WHATWG HTML §9.2: `data:` then a blank line), and its `id` when it has one. */
export const sseEvent = (json: string, id?: string): string => (id === undefined ? `event: message\ndata: ${json}\n\n` : `event: message\nid: ${id}\ndata: ${json}\n\n`);

/**
 * A priming event (MCP 2025-11-25, SEP-1699): an `id` to resume from, the `retry` delay in ms,
 * and empty data, which a client dispatches as nothing. Our ids never hold a newline.
 */
export const ssePriming = (id: string, retryMs: number): string => (Number.isFinite(retryMs) ? `id: ${id}\nretry: ${Math.max(0, Math.floor(retryMs))}\ndata:\n\n` : `id: ${id}\ndata:\n\n`);

/** The headers every SSE answer carries (`X-Accel-Buffering: no`: proxies must not hold events back). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};
