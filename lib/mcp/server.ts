import { ReplaySubject, defaultIfEmpty, map } from 'rxjs';
import type { MirroredHeader } from '../codec/mirrored-header.js';
import type { RequestContext } from '../handler/context.js';
import type { Handler } from '../handler/run-request.js';
import { Later } from '../handler/later.js';
import { McpRequestContext, type ConnectionState } from './context.js';
import { DEFAULT_PAGE_SIZE } from './paginate.js';
import type { McpPrompt } from './prompt.js';
import { requestStateCodec, type RequestStateCodec, type RequestStateOptions } from './request-state.js';
import type { McpResource, McpResourceTemplate } from './resource.js';
import { modernResult, type CacheHint } from './modern-result.js';
import { ResourceSubscriptions } from './subscriptions.js';
import type { McpTool } from './tool.js';
import { listenHandler } from './listen.js';
import { discoverMethod, modernOnly } from './server-discover.js';
import { lifecycleMethods } from './server-lifecycle.js';
import { listed } from './server-lists.js';
import type { Impl } from './server-params.js';
import { completeArgument, getPrompt } from './server-prompts.js';
import { resourceMethods } from './server-resources.js';
import { roundsOf } from './server-rounds.js';
import { callTool, mirroredHeadersOf } from './server-tools.js';
import type { TasksOptions } from './task-options.js';
import { taskRuntime, type TaskRuntime } from './tasks.js';
import type { Implementation } from './wire.js';

// mcpServer composes its parts: the 2025-11-25 lifecycle (server-lifecycle), the 2026-07-28
// discovery (server-discover), the list methods (server-lists), the tools (server-tools), prompts
// and completion (server-prompts), resources (server-resources), the input rounds of each era
// (server-rounds) and the tasks extension (tasks); here each method's result is shaped for its era.

/**
 * Options of {@link mcpServer}: who the server is, and what it offers. Each thing is declared once and served in both eras.
 *
 * @example
 * const options: McpServerOptions = {
 *   info: { name: 'weather', version: '2.1.0' },
 *   instructions: 'Call forecast with a city name.',
 *   tools: [forecast],
 *   cache: { ttlMs: 60_000, scope: 'public' },
 *   requestState: { secret: process.env.MCP_STATE_SECRET ?? randomBytes(32) },
 * };
 * const server = mcpServer(options);
 */
export interface McpServerOptions {
  /** The server's name and version (`serverInfo` in 2025, `_meta["io.modelcontextprotocol/serverInfo"]` of every 2026 result). */
  readonly info: Implementation;
  /** How to use this server, for the model (in `initialize` and `server/discover` results). */
  readonly instructions?: string;
  readonly tools?: readonly McpTool[];
  readonly prompts?: readonly McpPrompt[];
  readonly resources?: readonly McpResource[];
  readonly resourceTemplates?: readonly McpResourceTemplate[];
  /** Items per page of each list (`tools/list`, `prompts/list`, ...); more come with a `nextCursor`. Default 100. */
  readonly pageSize?: number;
  /** The cache hint of every 2026 `server/discover`, list and `resources/read` result. Default `{ ttlMs: 0, scope: 'private' }`. */
  readonly cache?: CacheHint;
  /**
   * How the `requestState` of 2026-07-28 `inputRequired` answers is sealed (HMAC-SHA256, bound
   * to the request, with a TTL): `{ secret, ttlMs? }`, or a codec of {@link requestStateCodec}.
   * Without it, a handler may still answer `inputRequired` with `inputRequests` alone, but one
   * that returns a `requestState` gets -32603 (state is never sent unsealed), and a request
   * that echoes one gets -32602.
   */
  readonly requestState?: RequestStateOptions | RequestStateCodec;
  /**
   * The tasks extension (MCP 2026-07-28, `io.modelcontextprotocol/tasks`): where tasks live, the
   * registry they run in, their TTL and owner. Served (`tasks/get`, `tasks/update`,
   * `tasks/cancel`, `server/discover` naming the extension) when given or when a tool declares
   * `task`; default an in-memory store and a registry of its own.
   */
  readonly tasks?: TasksOptions;
}

/**
 * An MCP server: the handlers and notification handlers of every MCP method it serves, to give to
 * any connection of this library (`connect(transport, server)`, `createPeer(in$, server)`,
 * `streamableHttp(server)`, `incoming$.pipe(serve(server.handlers))`).
 *
 * @example
 * const server: McpServer = mcpServer({ info: { name: 'notes', version: '1.0.0' }, resources: [notes] });
 * connect(ndjson(process.stdin, process.stdout), server);
 * watch('notes.txt', () => server.resourceUpdated('file:///notes.txt'));
 */
export interface McpServer {
  readonly handlers: Readonly<Record<string, Handler>>;
  readonly notifications: Readonly<Record<string, (params: unknown) => void>>;
  /** The capabilities it declares (in `initialize` and `server/discover`). */
  readonly capabilities: Readonly<Record<string, unknown>>;
  /**
   * The headers a request must mirror from its body beyond `Mcp-Method` and `Mcp-Name`: for a
   * `tools/call`, one `Mcp-Param-*` per `x-mcp-header` of the tool called, with the argument it
   * mirrors (`undefined` when absent). `streamableHttp(server)` checks them on every 2026-07-28
   * POST (-32020 on a mismatch); other transports have no headers and ignore it.
   */
  readonly mirroredHeaders: (message: { readonly method: string; readonly params?: unknown }) => readonly MirroredHeader[];
  /**
   * Tell every connection subscribed to `uri` (2025-11-25 `resources/subscribe`) that the
   * resource changed: a `notifications/resources/updated` to each, tied to no request (on
   * Streamable HTTP, the session's GET stream). Connections that closed are no longer told.
   *
   * @example
   * watch('notes.txt', () => server.resourceUpdated('file:///notes.txt'));
   */
  resourceUpdated(uri: string): void;
  /**
   * The tasks of this server (when it serves the extension): its store, its registry, how many
   * run here. `undefined` when it serves no tasks.
   */
  readonly tasks: TaskRuntime | undefined;
  /**
   * Shut down: every task running here is cancelled (`source: 'close'`; it settles `cancelled`,
   * its cleanups run once) and every `subscriptions/listen` stream ends with its result.
   *
   * @example
   * process.on('SIGTERM', () => server.close());
   */
  close(): void;
}

type Rec = Record<string, unknown>;


const unique = <T>(items: readonly T[], key: (t: T) => string, what: string): Map<string, T> => {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (byKey.has(k)) throw new TypeError(`two ${what} named ${JSON.stringify(k)}`);
    byKey.set(k, item);
  }
  return byKey;
};

/**
 * An MCP server for both eras, on the core. It owns the lifecycle and discovery of each era
 * (2025-11-25: `initialize` with version negotiation, `notifications/initialized`, `ping`,
 * `logging/setLevel`; 2026-07-28: `server/discover`, the version and capabilities each request
 * names in `_meta`, the log level it asks for) and the result shapes each requires (2026:
 * `resultType`, `ttlMs` and `cacheScope` where a result is cacheable, the server's name in
 * `_meta`). Tools, prompts, resources and templates are declared once (`tool`, `prompt`,
 * `resource`, `resourceTemplate`) and served in both; lists are paginated; completion is served
 * where a prompt or template has completers. A method for something not offered is -32601, so
 * the capabilities declared are exactly what is served.
 *
 * Every handler is an ordinary handler of this library: a cancel (`notifications/cancelled`, a
 * closed 2026 stream, the connection closing) unsubscribes the work, aborts `ctx.signal`, and
 * runs `ctx.onCleanup` once; no response follows.
 *
 * @example
 * const server = mcpServer({
 *   info: { name: 'my-server', version: '1.0.0' },
 *   tools: [tool({ name: 'echo', description: 'Echo', args: t.type({ text: t.string }), run: ({ text }) => Promise.resolve(text) })],
 * });
 * connect(ndjson(process.stdin, process.stdout), server);                       // stdio
 * http.createServer(streamableHttp(server).handle).listen(3000, '127.0.0.1');  // HTTP, both eras
 */
export const mcpServer = (options: McpServerOptions): McpServer => {
  const { info, instructions } = options;
  if (typeof info !== 'object' || info === null || typeof info.name !== 'string' || typeof info.version !== 'string') throw new TypeError('mcpServer: info must name the server: { name, version }');
  const tools = unique(options.tools ?? [], (x) => x.name, 'tools');
  const prompts = unique(options.prompts ?? [], (x) => x.name, 'prompts');
  const resources = unique(options.resources ?? [], (x) => x.uri, 'resources');
  const templates = options.resourceTemplates ?? [];
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!(Number.isInteger(pageSize) && pageSize > 0)) throw new TypeError(`mcpServer: pageSize must be a positive integer, got ${String(pageSize)}`);
  const ttlMs = options.cache?.ttlMs ?? 0;
  if (!(Number.isInteger(ttlMs) && ttlMs >= 0)) throw new TypeError(`mcpServer: cache.ttlMs must be a non-negative integer, got ${String(ttlMs)}`);
  const cacheScope = options.cache?.scope ?? 'private';
  const sealer = options.requestState;
  const codec: RequestStateCodec | undefined = sealer === undefined ? undefined : 'seal' in sealer ? sealer : requestStateCodec(sealer);
  const completes = [...prompts.values()].some((p) => Object.keys(p.complete).length > 0) || templates.some((x) => Object.keys(x.complete).length > 0);

  const capabilities: Rec = {
    ...(tools.size > 0 ? { tools: {} } : {}),
    ...(prompts.size > 0 ? { prompts: {} } : {}),
    ...(resources.size > 0 || templates.length > 0 ? { resources: { subscribe: true } } : {}),
    ...(completes ? { completions: {} } : {}),
    logging: {},
  };
  const subscriptions = new ResourceSubscriptions();

  // what a 2025 connection said of itself (initialize) and asked for (logging/setLevel); gone with the connection
  const states = new WeakMap<object, ConnectionState>();
  const stateOf = (ctx: RequestContext): ConnectionState => {
    let s = states.get(ctx.connection);
    if (s === undefined) states.set(ctx.connection, (s = {}));
    return s;
  };
  const mcpContext = (ctx: RequestContext, params: unknown): McpRequestContext => new McpRequestContext(ctx, params, states.get(ctx.connection));
  const withRounds = roundsOf(states, codec);

  const impls: Record<string, Impl> = {};
  Object.assign(impls, lifecycleMethods({ info, instructions, capabilities, stateOf }));
  // the tasks extension: when configured, or when a tool can run as one
  const tasks: TaskRuntime | undefined = options.tasks !== undefined || [...tools.values()].some((x) => x.task !== undefined) ? taskRuntime(options.tasks) : undefined;
  impls['server/discover'] = discoverMethod(capabilities, tasks, instructions);

  if (tools.size > 0) {
    impls['tools/list'] = listed('tools/list', 'tools', [...tools.values()], (x) => x.descriptor, pageSize);
    impls['tools/call'] = callTool(tools, tasks, withRounds);
  }
  if (prompts.size > 0) {
    impls['prompts/list'] = listed('prompts/list', 'prompts', [...prompts.values()], (x) => x.descriptor, pageSize);
    impls['prompts/get'] = getPrompt(prompts, withRounds);
  }
  if (resources.size > 0 || templates.length > 0) {
    impls['resources/list'] = listed('resources/list', 'resources', [...resources.values()], (x) => x.descriptor, pageSize);
    impls['resources/templates/list'] = listed('resources/templates/list', 'resourceTemplates', templates, (x) => x.descriptor, pageSize);
    Object.assign(impls, resourceMethods({ resources, templates, subscriptions, withRounds }));
  }
  if (completes) impls['completion/complete'] = completeArgument(prompts, templates, mcpContext);

  if (tasks !== undefined) for (const [method, h] of Object.entries(tasks.handlers)) impls[method] = modernOnly(method, h as Impl);
  const closing$ = new ReplaySubject<void>(1);
  impls['subscriptions/listen'] = modernOnly('subscriptions/listen', listenHandler({ tasks, resources: resources.size > 0 || templates.length > 0 ? subscriptions : undefined, closing$ }));

  const handlers: Record<string, Handler> = {};
  for (const [method, impl] of Object.entries(impls)) {
    const shapeModern = modernResult(method, info, { ttlMs, scope: cacheScope });
    // 2025-11-25 results go as the handler gives them (the core answers an empty one with {});
    // 2026-07-28 results are shaped, an empty one included. Each impl runs inside the core's
    // defer: a throw there is the request's error, so no defer of its own is needed
    const shape = (r: object): object => shapeModern(r as Rec);
    handlers[method] = (params, ctx) => {
      if (ctx.era !== '2026-07-28') return impl(params, ctx);
      const r = impl(params, ctx);
      // a Later (a tool's Promise) always settles with a value: nothing to default
      return r instanceof Later ? r.map(shape) : r.pipe(defaultIfEmpty({}), map(shape));
    };
  }
  const mirroredHeaders = mirroredHeadersOf(tools);
  return {
    handlers,
    notifications: { 'notifications/initialized': () => undefined, 'notifications/roots/list_changed': () => undefined },
    capabilities,
    mirroredHeaders,
    resourceUpdated: (uri) => {
      subscriptions.notify(uri);
    },
    tasks,
    close: () => {
      tasks?.close();
      closing$.next();
      closing$.complete();
    },
  };
};
