import { DEFAULT_STREAM_LIMITS, GoneFlag, SSE_HEADERS, sseStream, type EventStream, type HttpExchange, type StreamLimits } from './exchange.js';

/**
 * An {@link HttpExchange} over a web-standard `Request` (Bun, Deno, Workers, Node's fetch): the
 * answer is the `Response` the returned promise resolves with. The client going away is the
 * request's signal aborting, or the response body being cancelled.
 */
export const fetchExchange = (request: Request, limits: StreamLimits = DEFAULT_STREAM_LIMITS): { exchange: HttpExchange; response: Promise<Response> } => {
  const gone = new GoneFlag();
  request.signal.addEventListener('abort', () => gone.abort(), { once: true });
  let resolve: (r: Response) => void = () => undefined;
  const response = new Promise<Response>((r) => (resolve = r));
  let answered = false;
  const encoder = new TextEncoder();
  const exchange: HttpExchange = {
    method: request.method,
    header: (name) => request.headers.get(name) ?? undefined,
    body: async (maxBytes) => {
      if (request.body === null) return '';
      const reader = request.body.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.length;
          if (size > maxBytes) {
            await reader.cancel().catch(() => undefined);
            return undefined;
          }
          chunks.push(value);
        }
      } catch {
        gone.abort();
        return '';
      }
      const all = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      return new TextDecoder().decode(all);
    },
    gone,
    reply: (status, headers, body) => {
      if (answered) return;
      answered = true;
      resolve(new Response(body ?? null, { status, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers } }));
    },
    stream: (headers): EventStream => {
      let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
      let ended = false;
      // the queue counts bytes, so desiredSize says how far a client that does not read is behind
      const body = new ReadableStream<Uint8Array>({
        start: (c) => {
          controller = c;
        },
        cancel: () => {
          ended = true;
          gone.abort();
        },
      }, new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }));
      if (!answered) {
        answered = true;
        resolve(new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...headers } }));
      }
      const write = (chunk: string): void => {
        if (ended || gone.aborted) return;
        try {
          controller?.enqueue(encoder.encode(chunk));
          if ((controller?.desiredSize ?? 0) < -limits.maxBufferedBytes) {
            ended = true;
            gone.abort();
            controller?.error(new Error('the client does not read its stream'));
          }
        } catch {
          gone.abort();
        }
      };
      return sseStream(write, () => {
        if (ended) return;
        ended = true;
        try {
          controller?.close();
        } catch {
          // cancelled meanwhile
        }
      }, gone, limits.keepAliveMs);
    },
  };
  return { exchange, response };
};
