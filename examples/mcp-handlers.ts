import { from, interval, last, map, take, tap, type ObservableInput } from 'rxjs';
import { ERA_VERSIONS, ErrorCodes, JsonRpcError, type Handler, type ProtocolEra, type RequestContext } from '../lib/index.js';

// mcp-rx-cancel is protocol-agnostic: it routes requests and cancellations, and knows nothing of
// MCP's methods. This is the small MCP layer the example servers share, for both eras
// (docs/protocol.md "Eras"): 2025-11-25 (`initialize`, `ping`, `logging/setLevel`) and 2026-07-28
// (`server/discover`), with `tools/list` and `tools/call` in both. Which era a request is in is
// the connection's (`ctx.era`): the peer decides it, refuses versions it does not speak and the
// methods an era does not have, so the handlers only shape their results for it. Tools: `echo`, `slow_count` (progress, cancellable,
// its cleanup reported) and `stats` (how many tool calls are in flight, how many cleanups ran:
// what a client can see from outside that a cancel ran its cleanup).

/** What the handlers tell the outside about their requests (a log line, a logging notification). */
export interface ToolReport {
  /**
   * A tool call ended; `how` is `completed` or `cancelled (<source>)`. Its cleanup has run.
   * `era` is the request's: a 2026-07-28 request that ended may be sent nothing more.
   */
  cleanup(requestId: string | number, tool: string, how: string, era: ProtocolEra): void;
}

/** Options of {@link mcpHandlers}. */
export interface McpHandlersOptions {
  readonly name?: string;
  readonly version?: string;
  readonly report?: ToolReport;
}

/** What `stats` answers, as `structuredContent` (and the same JSON as text). */
export interface ToolStats {
  /** Tool calls running now, this `stats` call not included. */
  readonly inFlight: number;
  /** Tool calls whose cleanup has run, whatever their end. */
  readonly cleanups: number;
}

type Rec = Record<string, unknown>;
const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});
const num = (u: unknown, fallback: number, max: number): number =>
  typeof u === 'number' && Number.isFinite(u) && u > 0 ? Math.min(u, max) : fallback;
const text = (t: string) => ({ content: [{ type: 'text', text: t }] });

/** The `_meta` key of a 2026-07-28 result that names the server software (SHOULD, on every result). */
const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
/** How long a client may keep `server/discover` and `tools/list` (2026-07-28 `CacheableResult`). */
const TTL_MS = 60_000;

const TOOLS = [
  {
    name: 'echo',
    description: 'Answers with the text it is given.',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
  {
    name: 'slow_count',
    description: 'Counts to `steps`, one step every `intervalMs`, reporting progress; cancellable; its cleanup is reported.',
    inputSchema: {
      type: 'object',
      properties: { steps: { type: 'number', default: 20 }, intervalMs: { type: 'number', default: 250 } },
    },
  },
  {
    name: 'stats',
    description: 'How many tool calls are in flight, and how many cleanups have run.',
    inputSchema: { type: 'object', properties: {} },
    outputSchema: {
      type: 'object',
      properties: { inFlight: { type: 'integer' }, cleanups: { type: 'integer' } },
      required: ['inFlight', 'cleanups'],
    },
  },
] as const;

const CACHEABLE: ReadonlySet<string> = new Set(['server/discover', 'tools/list']);

const cancelledHow = (signal: AbortSignal): string => {
  const r = rec(signal.reason);
  const source = typeof r['source'] === 'string' ? r['source'] : 'unknown';
  return `cancelled (${source}${typeof r['reason'] === 'string' ? `: ${r['reason']}` : ''})`;
};

type Impl = (params: unknown, ctx: RequestContext, era: ProtocolEra) => ObservableInput<Rec>;

/**
 * The handlers of a small MCP server for both eras: pass them to `connect(transport, { handlers })`.
 * The counts `stats` answers are this call's: give the same handlers to every connection to count them all.
 *
 * @example
 * const { peer } = connect(ndjson(process.stdin, process.stdout), { handlers: mcpHandlers() });
 */
export const mcpHandlers = (options: McpHandlersOptions = {}): Record<string, Handler> => {
  const serverInfo = { name: options.name ?? 'mcp-rx-cancel-example', version: options.version ?? '0.1.0' };
  const report = options.report;
  // the state stats reads: per mcpHandlers() call, nothing global
  let inFlight = 0;
  let cleanups = 0;

  const slowCount = (args: Rec, ctx: RequestContext, era: ProtocolEra) => {
    const steps = Math.floor(num(args['steps'], 20, 10_000));
    const intervalMs = num(args['intervalMs'], 250, 60_000);
    let completed = false;
    // runs exactly once, whatever the end: this is where a real tool frees what it holds
    ctx.onCleanup(() => report?.cleanup(ctx.requestId, 'slow_count', completed ? 'completed' : cancelledHow(ctx.signal), era));
    return interval(intervalMs).pipe(
      take(steps),
      tap((i) => ctx.progress(i + 1, steps, `step ${i + 1}/${steps}`)),
      last(),
      tap(() => (completed = true)),
      map(() => text(`counted to ${steps}`)),
    );
  };

  const stats = (): Rec => {
    const s: ToolStats = { inFlight, cleanups };
    return { ...text(JSON.stringify(s)), structuredContent: s };
  };

  const impls: Record<string, Impl> = {
    initialize: (params) => {
      const asked = rec(params)['protocolVersion'];
      const versions = ERA_VERSIONS['2025-11-25'];
      const protocolVersion = versions.find((v) => v === asked) ?? versions[0];
      return Promise.resolve({ protocolVersion, capabilities: { tools: {}, logging: {} }, serverInfo });
    },
    'server/discover': () =>
      Promise.resolve({ supportedVersions: [...ERA_VERSIONS['2026-07-28']], capabilities: { tools: {} } }),
    ping: () => Promise.resolve({}),
    'logging/setLevel': () => Promise.resolve({}),
    'tools/list': () => Promise.resolve({ tools: TOOLS }),
    'tools/call': (params, ctx, era) => {
      const p = rec(params);
      const args = rec(p['arguments']);
      if (p['name'] === 'stats') return Promise.resolve(stats());
      inFlight += 1;
      // registered first, so the count is right by the time a report of this call's end is out
      ctx.onCleanup(() => {
        inFlight -= 1;
        cleanups += 1;
      });
      switch (p['name']) {
        case 'echo':
          return Promise.resolve(text(typeof args['text'] === 'string' ? args['text'] : ''));
        case 'slow_count':
          return slowCount(args, ctx, era);
        default:
          return Promise.reject(new JsonRpcError(ErrorCodes.InvalidParams, `Unknown tool: ${JSON.stringify(p['name'])}`));
      }
    },
  };

  // 2026-07-28 results name their kind (`resultType`, which a 2025 client ignores), who answered,
  // and, for the cacheable ones, how long they keep
  const complete = (method: string, era: ProtocolEra) => (result: Rec): Rec =>
    era === '2025-11-25'
      ? result
      : {
          ...result,
          resultType: 'complete',
          _meta: { ...rec(result['_meta']), [META_SERVER_INFO]: serverInfo },
          ...(CACHEABLE.has(method) ? { ttlMs: TTL_MS, cacheScope: 'public' } : {}),
        };

  return Object.fromEntries(
    Object.entries(impls).map(([method, impl]): [string, Handler] => [
      method,
      (params, ctx) => {
        const era = ctx.era ?? '2025-11-25';
        return from(impl(params, ctx, era)).pipe(map(complete(method, era)));
      },
    ]),
  );
};
