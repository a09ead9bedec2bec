import { createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

// A tiny load balancer for the cluster demo and spec: node:http, no stickiness at all. Each HTTP
// request goes to the next upstream in turn, so the requests of one MCP session are spread over
// every instance; the response body is streamed back as it comes (SSE included), and when the
// client goes away mid-response the upstream request is destroyed, so the instance sees its
// stream close exactly as it would without the proxy.

/** One upstream: a name for the timeline and the base URL requests are sent to. */
export interface Upstream {
  readonly name: string;
  readonly url: string;
}

/** One forwarded request: where it went, and what it carried (the JSON-RPC methods of a POST). */
export interface Hop {
  readonly n: number;
  readonly to: string;
  readonly httpMethod: string;
  /** The body's JSON-RPC methods (`response` for a response, `?` for what is not JSON-RPC); empty for GET and DELETE. */
  readonly rpc: readonly string[];
}

export interface RoundRobinProxy {
  /** The proxy's URL, with the upstreams' path: `http://127.0.0.1:PORT/mcp`. */
  readonly url: string;
  /** Every request forwarded so far, in order. */
  readonly hops: readonly Hop[];
  close(): Promise<void>;
}

type Rec = Record<string, unknown>;
const rpcOf = (body: string): string[] => {
  let u: unknown;
  try {
    u = JSON.parse(body);
  } catch {
    return ['?'];
  }
  return (Array.isArray(u) ? (u as unknown[]) : [u]).map((m) => {
    if (typeof m !== 'object' || m === null) return '?';
    const r = m as Rec;
    return typeof r['method'] === 'string' ? r['method'] : 'id' in r ? 'response' : '?';
  });
};

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/**
 * Starts the proxy on a free port of 127.0.0.1, in front of `upstreams` (two or more), calling
 * `onHop` as each request is sent on.
 *
 * @example
 * const lb = await roundRobinProxy([{ name: 'A', url: a }, { name: 'B', url: b }], (h) => log(`${h.rpc} -> ${h.to}`));
 * const client = new StreamableHTTPClientTransport(new URL(lb.url));
 */
export const roundRobinProxy = async (upstreams: readonly Upstream[], onHop?: (hop: Hop) => void): Promise<RoundRobinProxy> => {
  const hops: Hop[] = [];
  const open = new Set<ClientRequest>();
  let next = 0;
  const server = createServer((req, res) => {
    const target = upstreams[next++ % upstreams.length]!;
    void readBody(req).then(
      (body) => {
        const hop: Hop = { n: hops.length, to: target.name, httpMethod: req.method ?? 'GET', rpc: body.length === 0 ? [] : rpcOf(body.toString('utf8')) };
        hops.push(hop);
        onHop?.(hop);
        const url = new URL(req.url ?? '/', target.url);
        const headers: OutgoingHttpHeaders = { ...req.headers, host: url.host, 'content-length': String(body.length) };
        const up = httpRequest(url, { method: req.method, headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.flushHeaders();
          answer.pipe(res);
        });
        open.add(up);
        up.on('close', () => open.delete(up));
        up.on('error', () => {
          if (!res.headersSent) res.writeHead(502).end();
          else res.destroy();
        });
        // the client went away before the response ended: so does the upstream request (in the
        // 2026 era that close is the cancel, and it must reach the instance running the call)
        res.on('close', () => {
          if (!res.writableFinished) up.destroy();
        });
        up.end(body);
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const path = new URL(upstreams[0]?.url ?? 'http://x/').pathname;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    hops,
    close: async () => {
      for (const up of open) up.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
};
