import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_STREAM_LIMITS, SSE_HEADERS, sseStream, type EventStream, type HttpExchange, type StreamLimits } from './exchange.js';

/**
 * An {@link HttpExchange} over node's `(req, res)`: `http.createServer`, Express, Fastify's raw
 * mode. A body read by a framework already (`req.body`, as `express.json()` leaves it) is used as
 * it is. Every write to a socket that died is swallowed: the client is gone, and that is `gone`.
 */
export const nodeExchange = (req: IncomingMessage & { body?: unknown }, res: ServerResponse, limits: StreamLimits = DEFAULT_STREAM_LIMITS): HttpExchange => {
  const gone = new AbortController();
  // 'close' before the answer finished: the client went away (or closed its stream)
  res.on('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  res.on('error', () => gone.abort());
  req.on('error', () => gone.abort());
  const alive = (): boolean => !res.destroyed && !res.writableEnded && !gone.signal.aborted;
  return {
    method: req.method ?? 'GET',
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    },
    body: async (maxBytes) => {
      if (req.body !== undefined) return typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of req as AsyncIterable<Buffer | string>) {
          const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          size += b.length;
          if (size > maxBytes) {
            // read no further: the socket closes once the 413 is out
            res.shouldKeepAlive = false;
            return undefined;
          }
          chunks.push(b);
        }
      } catch {
        gone.abort();
        return '';
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    gone: gone.signal,
    reply: (status, headers, body) => {
      if (!alive() || res.headersSent) return;
      try {
        res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', ...headers });
        res.end(body);
      } catch {
        gone.abort();
      }
    },
    stream: (headers): EventStream => {
      if (alive() && !res.headersSent) {
        try {
          res.writeHead(200, { ...SSE_HEADERS, ...headers });
          res.flushHeaders();
        } catch {
          gone.abort();
        }
      }
      const write = (chunk: string): void => {
        if (!alive()) return;
        try {
          res.write(chunk);
          // a client that does not read: it is gone, not a reason to hold its answer in memory
          if (res.writableLength > limits.maxBufferedBytes) {
            gone.abort();
            res.destroy();
          }
        } catch {
          gone.abort();
        }
      };
      return sseStream(write, () => {
        if (!alive()) return;
        try {
          res.end();
        } catch {
          gone.abort();
        }
      }, gone.signal, limits.keepAliveMs);
    },
  };
};
