import { interval, last, map, take, tap } from 'rxjs';
import { JsonRpcError, type Handler, type RequestContext } from '../lib/index.js';

// mcp-rx-cancel is protocol-agnostic: it routes requests and cancellations, and knows nothing of
// MCP's methods. This is the small MCP layer an example server needs: initialize, tools/list,
// tools/call with two tools, ping and logging/setLevel.

/** The MCP versions this server speaks, newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;

/** What the handlers tell the outside about their requests (a log line, a logging notification). */
export interface ToolReport {
  /** A tool call ended; `how` is `completed` or `cancelled (<source>)`. Its cleanup has run. */
  cleanup(requestId: string | number, tool: string, how: string): void;
}

/** Options of {@link mcpHandlers}. */
export interface McpHandlersOptions {
  readonly name?: string;
  readonly version?: string;
  readonly report?: ToolReport;
}

type Rec = Record<string, unknown>;
const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});
const num = (u: unknown, fallback: number, max: number): number =>
  typeof u === 'number' && Number.isFinite(u) && u > 0 ? Math.min(u, max) : fallback;
const text = (t: string) => ({ content: [{ type: 'text', text: t }] });

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
] as const;

const cancelledHow = (signal: AbortSignal): string => {
  const r = rec(signal.reason);
  const source = typeof r['source'] === 'string' ? r['source'] : 'unknown';
  return `cancelled (${source}${typeof r['reason'] === 'string' ? `: ${r['reason']}` : ''})`;
};

const slowCount = (args: Rec, ctx: RequestContext, report: ToolReport | undefined) => {
  const steps = Math.floor(num(args['steps'], 20, 10_000));
  const intervalMs = num(args['intervalMs'], 250, 60_000);
  let completed = false;
  // runs exactly once, whatever the end: this is where a real tool frees what it holds
  ctx.onCleanup(() => report?.cleanup(ctx.requestId, 'slow_count', completed ? 'completed' : cancelledHow(ctx.signal)));
  return interval(intervalMs).pipe(
    take(steps),
    tap((i) => ctx.progress(i + 1, steps, `step ${i + 1}/${steps}`)),
    last(),
    tap(() => (completed = true)),
    map(() => text(`counted to ${steps}`)),
  );
};

/**
 * The handlers of a small MCP server: pass them to `connect(transport, { handlers })`.
 *
 * @example
 * const { peer } = connect(ndjson(process.stdin, process.stdout), { handlers: mcpHandlers() });
 */
export const mcpHandlers = (options: McpHandlersOptions = {}): Record<string, Handler> => ({
  initialize: (params) => {
    const asked = rec(params)['protocolVersion'];
    const protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.find((v) => v === asked) ?? SUPPORTED_PROTOCOL_VERSIONS[0];
    return Promise.resolve({
      protocolVersion,
      capabilities: { tools: {}, logging: {} },
      serverInfo: { name: options.name ?? 'mcp-rx-cancel-example', version: options.version ?? '0.1.0' },
    });
  },
  ping: () => Promise.resolve({}),
  'logging/setLevel': () => Promise.resolve({}),
  'tools/list': () => Promise.resolve({ tools: TOOLS }),
  'tools/call': (params, ctx) => {
    const p = rec(params);
    const args = rec(p['arguments']);
    switch (p['name']) {
      case 'echo':
        return Promise.resolve(text(typeof args['text'] === 'string' ? args['text'] : ''));
      case 'slow_count':
        return slowCount(args, ctx, options.report);
      default:
        return Promise.reject(new JsonRpcError(-32602, `Unknown tool: ${JSON.stringify(p['name'])}`));
    }
  },
});
