import * as t from 'io-ts';
import { interval, last, map, take, tap } from 'rxjs';
import type { Handler } from '../lib/index.js';
import type { ProtocolEra } from '../lib/codecs.js';
import { mcpServer, tool, type McpContext, type McpServer, type TasksOptions } from '../lib/mcp.js';

// The example servers' MCP server, on the library's MCP layer: three tools, declared once and
// served in both eras (2025-11-25 with `initialize`, 2026-07-28 with `server/discover`). No
// protocol by hand: `mcpServer` answers the lifecycle, discovery, lists and result shapes.
// Tools: `echo`, `slow_count` (progress, cancellable, its cleanup reported; with `tasks`, a task
// for a 2026-07-28 client that declares the tasks extension) and `stats` (how many tool calls are in flight, how
// many cleanups ran: what a client can see from outside that a cancel ran its cleanup; a task's
// work counts on the instance that runs it).

/** What the tools tell the outside about their calls (a log line, a logging notification). */
export interface ToolReport {
  /**
   * A tool call ended; `how` is `completed` or `cancelled (<source>)`. Its cleanup has run.
   * `era` is the request's: a 2026-07-28 request that ended may be sent nothing more.
   */
  cleanup(requestId: string | number, tool: string, how: string, era: ProtocolEra): void;
}

/** Options of {@link exampleServer}. */
export interface McpHandlersOptions {
  readonly name?: string;
  readonly version?: string;
  readonly report?: ToolReport;
  /**
   * Serve the tasks extension: `slow_count` then runs as a task for a 2026-07-28 request that
   * declares it, its tasks living and running where these options say (a shared store and the
   * transport's registry, across instances; `{}`: in memory). Default: no tasks (plain calls).
   */
  readonly tasks?: TasksOptions;
}

/** What `stats` answers, as `structuredContent` (and the same JSON as text). */
export interface ToolStats {
  /** Tool calls running now, this `stats` call not included. */
  readonly inFlight: number;
  /** Tool calls whose cleanup has run, whatever their end. */
  readonly cleanups: number;
}

const cancelledHow = (signal: AbortSignal): string => {
  const r = (typeof signal.reason === 'object' && signal.reason !== null ? signal.reason : {}) as Record<string, unknown>;
  const source = typeof r['source'] === 'string' ? r['source'] : 'unknown';
  return `cancelled (${source}${typeof r['reason'] === 'string' ? `: ${r['reason']}` : ''})`;
};

// a positive number, at most `max`; anything else is the default (the schema says numbers, a
// client may still send 0 or a huge value)
const bounded = (u: number | undefined, fallback: number, max: number): number => (u !== undefined && Number.isFinite(u) && u > 0 ? Math.min(u, max) : fallback);

/**
 * The example MCP server: give it to any connection (`connect(transport, exampleServer())`,
 * `streamableHttp(exampleServer())`). The counts `stats` answers are this server's: give the same
 * server to every connection to count them all.
 *
 * @example
 * const { peer } = connect(ndjson(process.stdin, process.stdout), exampleServer());
 */
export const exampleServer = (options: McpHandlersOptions = {}): McpServer => {
  const report = options.report;
  // the state stats reads: per exampleServer() call, nothing global
  let inFlight = 0;
  let cleanups = 0;
  // every call but stats counts while it runs, and once when it ends (registered first, so the
  // count is right by the time a report of the call's end is out)
  const counted = (ctx: McpContext): void => {
    inFlight += 1;
    ctx.onCleanup(() => {
      inFlight -= 1;
      cleanups += 1;
    });
  };

  const echo = tool({
    name: 'echo',
    description: 'Answers with the text it is given.',
    args: t.type({ text: t.string }),
    run: ({ text }, ctx) => {
      counted(ctx);
      return Promise.resolve(text);
    },
  });

  const slowCount = tool({
    name: 'slow_count',
    description: 'Counts to `steps`, one step every `intervalMs`, reporting progress; cancellable; its cleanup is reported. A task for a client that declares the tasks extension.',
    args: t.partial({ steps: t.number, intervalMs: t.number }),
    // MCP 2026-07-28, with tasks served: a task whenever the request declares
    // io.modelcontextprotocol/tasks, so the count outlives the call's stream and is cancelled
    // with tasks/cancel from any instance
    ...(options.tasks === undefined ? {} : { task: 'optional' as const }),
    inputSchema: { type: 'object', properties: { steps: { type: 'number', default: 20 }, intervalMs: { type: 'number', default: 250 } } },
    run: (args, ctx) => {
      counted(ctx);
      const steps = Math.floor(bounded(args.steps, 20, 10_000));
      const intervalMs = bounded(args.intervalMs, 250, 60_000);
      let completed = false;
      // runs exactly once, whatever the end: this is where a real tool frees what it holds
      ctx.onCleanup(() => report?.cleanup(ctx.requestId, 'slow_count', completed ? 'completed' : cancelledHow(ctx.signal), ctx.era ?? '2025-11-25'));
      return interval(intervalMs).pipe(
        take(steps),
        tap((i) => ctx.progress(i + 1, steps, `step ${i + 1}/${steps}`)),
        last(),
        tap(() => (completed = true)),
        map(() => `counted to ${steps}`),
      );
    },
  });

  const stats = tool({
    name: 'stats',
    description: 'How many tool calls are in flight, and how many cleanups have run.',
    outputSchema: { type: 'object', properties: { inFlight: { type: 'integer' }, cleanups: { type: 'integer' } }, required: ['inFlight', 'cleanups'] },
    run: () => {
      const s: ToolStats = { inFlight, cleanups };
      return Promise.resolve({ content: [{ type: 'text' as const, text: JSON.stringify(s) }], structuredContent: s });
    },
  });

  return mcpServer({
    info: { name: options.name ?? 'mcp-rx-cancel-example', version: options.version ?? '0.1.0' },
    tools: [echo, slowCount, stats],
    cache: { ttlMs: 60_000, scope: 'public' },
    ...(options.tasks === undefined ? {} : { tasks: options.tasks }),
  });
};

/**
 * The example server's handlers alone, for a connection given handlers only.
 *
 * @example
 * const { peer } = connect(ndjson(process.stdin, process.stdout), { handlers: mcpHandlers() });
 */
export const mcpHandlers = (options: McpHandlersOptions = {}): Readonly<Record<string, Handler>> => exampleServer(options).handlers;
