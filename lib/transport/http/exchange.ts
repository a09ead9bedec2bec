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
  readonly gone: AbortSignal;
  /** Answer with a whole body (JSON, or nothing). */
  reply(status: number, headers: Readonly<Record<string, string>>, body?: string): void;
  /** Answer with a stream of Server-Sent Events: status 200, `text/event-stream`. */
  stream(headers: Readonly<Record<string, string>>): EventStream;
}

/** An open SSE answer. Writing after it ended, or after the client went away, does nothing. */
export interface EventStream {
  /** One event whose data is `json` (one line: JSON.stringify never writes a raw newline). */
  send(json: string): void;
  end(): void;
}

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

/** One SSE event carrying a JSON-RPC message (WHATWG HTML §9.2: `data:` then a blank line). */
export const sseEvent = (json: string): string => `event: message\ndata: ${json}\n\n`;

/** The headers every SSE answer carries (`X-Accel-Buffering: no`: proxies must not hold events back). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};
