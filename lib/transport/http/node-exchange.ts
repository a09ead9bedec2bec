import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ChurnMap } from '../../manager/churn-map.js';
import { DEFAULT_STREAM_LIMITS, GoneFlag, SSE_HEADERS, sseStream, type EventStream, type HttpExchange, type StreamLimits } from './exchange.js';

/**
 * The exchanges under way on one socket, all told when its client ends its side: one listener per
 * socket, however many requests it pipelines (a listener each would warn past ten, and cost a
 * listener per request on a kept-alive socket). A ChurnMap: each exchange joins and leaves in
 * O(1), however many a client pipelines, and their coming and going builds no chain a full
 * collection could keep alive.
 */
class SocketWatch {
  private readonly exchanges = new ChurnMap<() => void, true>();

  constructor(socket: Socket) {
    socket.once('end', () => {
      watches.delete(socket);
      const gone = [...this.exchanges.keys()];
      this.exchanges.clear();
      for (const f of gone) f();
    });
  }

  add(f: () => void): void {
    this.exchanges.set(f, true);
  }

  drop(f: () => void): void {
    this.exchanges.delete(f);
  }
}

const watches = new WeakMap<Socket, SocketWatch>();

/** The watch of `req`'s socket: none for a server that allows half-open sockets, or a request with no socket of its own. */
const watchOf = (req: IncomingMessage): SocketWatch | undefined => {
  const socket = req.socket as (Socket & { readonly server?: { readonly httpAllowHalfOpen?: boolean } }) | null | undefined;
  if (socket === null || socket === undefined || typeof socket.once !== 'function' || socket.readableEnded) return undefined;
  // a half-open socket may end its writing side and still read the answer: not a client gone
  if (socket.server?.httpAllowHalfOpen === true) return undefined;
  let w = watches.get(socket);
  if (w === undefined) {
    w = new SocketWatch(socket);
    watches.set(socket, w);
  }
  return w;
};

/**
 * An {@link HttpExchange} over node's `(req, res)`: `http.createServer`, Express, Fastify's raw
 * mode. A body read by a framework already (`req.body`, as `express.json()` leaves it) is used as
 * it is. Every write to a socket that died is swallowed: the client is gone, and that is `gone`.
 */
export const nodeExchange = (req: IncomingMessage & { body?: unknown }, res: ServerResponse, limits: StreamLimits = DEFAULT_STREAM_LIMITS): HttpExchange => {
  const gone = new GoneFlag();
  const clientGone = (): void => {
    if (!res.writableFinished) gone.abort();
  };
  // the client closing its side of the socket is the first sign it went away: node itself then
  // aborts the requests still unanswered on it (unless the server allows half-open sockets),
  // tens of microseconds before their responses' 'close'
  const watch = watchOf(req);
  watch?.add(clientGone);
  // 'close' before the answer finished: the client went away (or closed its stream)
  res.on('close', () => {
    // a kept-alive socket outlives its exchanges: nothing of this one stays on it
    watch?.drop(clientGone);
    clientGone();
  });
  res.on('error', () => gone.abort());
  req.on('error', () => gone.abort());
  const alive = (): boolean => !res.destroyed && !res.writableEnded && !gone.aborted;
  return {
    method: req.method ?? 'GET',
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    },
    body: (maxBytes) => {
      if (req.body !== undefined) return Promise.resolve(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
      // 'data' and 'end', as a bare node:http server reads: an async iterator over `req` costs a
      // stream read per chunk, an end-of-stream watcher and its promises on every POST
      return new Promise<string | undefined>((resolve) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const settle = (text: string | undefined): void => {
          req.off('data', onData);
          req.off('end', onEnd);
          req.off('error', onFail);
          req.off('close', onFail);
          resolve(text);
        };
        const onData = (chunk: Buffer | string): void => {
          const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          size += b.length;
          if (size > maxBytes) {
            // read no further: the socket closes once the 413 is out
            res.shouldKeepAlive = false;
            req.pause();
            return settle(undefined);
          }
          chunks.push(b);
        };
        const onEnd = (): void => settle(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
        // failed, or closed before its end: the client is gone, and nothing is answered
        const onFail = (): void => {
          gone.abort();
          settle('');
        };
        req.on('data', onData);
        req.on('end', onEnd);
        req.on('error', onFail);
        req.on('close', onFail);
      });
    },
    gone,
    reply: (status, headers, body) => {
      if (!alive() || res.headersSent) return;
      try {
        // a whole body has its length: no chunked framing for either side to write and parse
        res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
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
      }, gone, limits.keepAliveMs);
    },
  };
};
