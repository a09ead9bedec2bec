import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { ReplaySubject, defaultIfEmpty, defer, map, of, switchMap, type Observable } from 'rxjs';
import { ERA_VERSIONS } from '../codec/era.js';
import { ErrorCodes } from '../codec/error-codes.js';
import type { MirroredHeader } from '../codec/mirrored-header.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { report } from '../codec/report.js';
import { JsonRpcError } from '../errors.js';
import type { RequestContext } from '../handler/context.js';
import type { Handler } from '../handler/run-request.js';
import { completeWith } from './completion.js';
import { McpRequestContext, type ConnectionState } from './context.js';
import { mirroredOf } from './header-params.js';
import { inputRequired, type InputRequired } from './input-required.js';
import { DEFAULT_PAGE_SIZE, pageOf } from './paginate.js';
import type { McpPrompt } from './prompt.js';
import { requestStateCodec, type RequestStateCodec, type RequestStateOptions, type StateBinding } from './request-state.js';
import { MAX_URI_LENGTH, type McpResource, type McpResourceTemplate } from './resource.js';
import { askPeer, playRounds } from './local-rounds.js';
import { modernResult, type CacheHint } from './modern-result.js';
import { MAX_SUBSCRIPTIONS_PER_CONNECTION, ResourceSubscriptions } from './subscriptions.js';
import { answerRound, openRound } from './round.js';
import type { McpTool } from './tool.js';
import { listenHandler } from './listen.js';
import { tasksRequired } from './task-handlers.js';
import type { TasksOptions } from './task-options.js';
import { taskRuntime, type TaskRuntime } from './tasks.js';
import { TASKS_EXTENSION, declaresTasks } from './task-wire.js';
import type { Round } from './context.js';
import { CallToolParams, CompleteParams, GetPromptParams, InitializeParams, ListParams, ReadResourceParams, SetLevelParams, type Implementation, type ResourceContents } from './wire.js';

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


/** Decode a request's params, or the -32602 that says what was wrong (bounded). */
const paramsOf = <A>(codec: t.Decoder<unknown, A> & { is(u: unknown): u is A }, params: unknown, method: string): A => {
  // the guard first: it allocates nothing on good params; only bad ones pay for decode's report
  if (codec.is(params)) return params;
  const d = codec.decode(params);
  if (E.isRight(d)) return d.right;
  throw new JsonRpcError(ErrorCodes.InvalidParams, preview(`Invalid params for ${method}: ${report(d.left).join('; ')}`, PREVIEW_MAX * 4));
};

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
  // a request that may answer inputRequired (2026-07-28): its retry's answers and state checked
  // before the handler runs, and an inputRequired answer written (or refused) after
  const withRounds = <R>(params: unknown, ctx: RequestContext, binding: StateBinding, run: (mctx: McpRequestContext, round: Round) => Observable<R>): Observable<object> => {
    const era = ctx.era ?? '2025-11-25';
    if (era !== '2026-07-28') {
      // 2025-11-25: the same handler, its rounds played here with requests tied to the call
      const state = states.get(ctx.connection);
      return playRounds((round) => run(new McpRequestContext(ctx, params, state, round), round), askPeer(ctx, state?.capabilities ?? {})) as Observable<object>;
    }
    const round = openRound(params, era, codec, binding);
    const mctx = new McpRequestContext(ctx, params, states.get(ctx.connection), round);
    return run(mctx, round).pipe(map((out) => answerRound(out, mctx.clientCapabilities, codec, binding) as object));
  };

  type Impl = (params: unknown, ctx: RequestContext) => Observable<object>;
  const impls: Record<string, Impl> = {};
  const list = <T>(method: string, key: string, items: readonly T[], descriptor: (x: T) => unknown): void => {
    impls[method] = (params) =>
      defer(() => {
        const { cursor } = paramsOf(ListParams, params, method) ?? {};
        const { page, nextCursor } = pageOf(items, cursor, pageSize);
        return of(nextCursor === undefined ? { [key]: page.map(descriptor) } : { [key]: page.map(descriptor), nextCursor });
      });
  };

  impls['initialize'] = (params, ctx) =>
    defer(() => {
      const asked = paramsOf(InitializeParams, params, 'initialize');
      // MCP lifecycle: the version asked for when we speak it, else the latest we do
      const versions = ERA_VERSIONS['2025-11-25'];
      const protocolVersion = versions.includes(asked.protocolVersion) ? asked.protocolVersion : versions[0];
      const caps = (params as Rec)['capabilities'];
      stateOf(ctx).capabilities = typeof caps === 'object' && caps !== null ? (caps as Rec) : {};
      return of({ protocolVersion, capabilities, serverInfo: info, ...(instructions === undefined ? {} : { instructions }) });
    });
  impls['ping'] = () => of({});
  impls['logging/setLevel'] = (params, ctx) =>
    defer(() => {
      stateOf(ctx).level = paramsOf(SetLevelParams, params, 'logging/setLevel').level;
      return of({});
    });
  // the tasks extension: when configured, or when a tool can run as one
  const tasks: TaskRuntime | undefined = options.tasks !== undefined || [...tools.values()].some((x) => x.task !== undefined) ? taskRuntime(options.tasks) : undefined;
  // 2026-07-28 has no resources/subscribe (subscriptions moved to subscriptions/listen): not
  // offered there; the tasks extension is named there (EXT L43-55), never in a 2025 initialize
  const discovered: Rec = {
    ...(capabilities['resources'] === undefined ? capabilities : { ...capabilities, resources: {} }),
    ...(tasks === undefined ? {} : { extensions: { [TASKS_EXTENSION]: {} } }),
  };
  impls['server/discover'] = () =>
    of({ supportedVersions: [...ERA_VERSIONS['2026-07-28']], capabilities: discovered, ...(instructions === undefined ? {} : { instructions }) });

  if (tools.size > 0) {
    const all = [...tools.values()];
    list('tools/list', 'tools', all, (x) => x.descriptor);
    // the hot path: no defer of its own (the core calls every handler inside one)
    impls['tools/call'] = (params, ctx) => {
      const p = paramsOf(CallToolParams, params, 'tools/call');
      const found = tools.get(p.name);
      if (found === undefined) throw new JsonRpcError(ErrorCodes.InvalidParams, `Unknown tool: ${preview(p.name, PREVIEW_MAX)}`);
      if (tasks !== undefined && found.task !== undefined && ctx.era === '2026-07-28') {
        // EXT L59-63: a task only for a request that declares the extension itself
        if (declaresTasks(params))
          return withRounds(params, ctx, { method: 'tools/call', name: p.name }, (mctx, round) =>
            found.prepare(p.arguments, mctx).pipe(switchMap((before) => (before !== undefined ? of(before) : tasks.create(params, ctx, (tctx) => found.call(p.arguments, tctx), round)))),
          );
        if (found.task === 'required') throw tasksRequired();
      }
      return withRounds(params, ctx, { method: 'tools/call', name: p.name }, (mctx) => found.call(p.arguments, mctx));
    };
  }
  if (prompts.size > 0) {
    list('prompts/list', 'prompts', [...prompts.values()], (x) => x.descriptor);
    impls['prompts/get'] = (params, ctx) =>
      defer(() => {
        const p = paramsOf(GetPromptParams, params, 'prompts/get');
        const found = prompts.get(p.name);
        if (found === undefined) throw new JsonRpcError(ErrorCodes.InvalidParams, `Unknown prompt: ${preview(p.name, PREVIEW_MAX)}`);
        return withRounds(params, ctx, { method: 'prompts/get', name: p.name }, (mctx) => found.get(p.arguments, mctx));
      });
  }
  if (resources.size > 0 || templates.length > 0) {
    list('resources/list', 'resources', [...resources.values()], (x) => x.descriptor);
    list('resources/templates/list', 'resourceTemplates', templates, (x) => x.descriptor);
    impls['resources/read'] = (params, ctx) =>
      defer(() => {
        const { uri } = paramsOf(ReadResourceParams, params, 'resources/read');
        const fixed = resources.get(uri);
        const reader = fixed === undefined
          ? templates.reduce<((mctx: McpRequestContext) => Observable<readonly ResourceContents[] | InputRequired>) | undefined>((found, x) => {
              if (found !== undefined) return found;
              const variables = x.match(uri);
              return variables === undefined ? undefined : (mctx) => x.read(uri, variables, mctx);
            }, undefined)
          : (mctx: McpRequestContext) => fixed.read(mctx);
        if (reader === undefined) {
          // 2026-07-28 (SEP-2164): -32602 with the uri; 2025-11-25: -32002, its own code for it
          const code = ctx.era === '2026-07-28' ? ErrorCodes.InvalidParams : ErrorCodes.ResourceNotFound;
          throw new JsonRpcError(code, 'Resource not found', { uri: uri.length <= MAX_URI_LENGTH ? uri : preview(uri, PREVIEW_MAX) });
        }
        return withRounds(params, ctx, { method: 'resources/read', name: uri }, (mctx) =>
          reader(mctx).pipe(map((out) => (inputRequired.is(out) ? out : { contents: out }))));
      });
  }
  if (resources.size > 0 || templates.length > 0) {
    const known = (uri: string): boolean => resources.has(uri) || templates.some((x) => x.match(uri) !== undefined);
    impls['resources/subscribe'] = (params, ctx) =>
      defer(() => {
        const { uri } = paramsOf(ReadResourceParams, params, 'resources/subscribe');
        if (!known(uri)) throw new JsonRpcError(ErrorCodes.ResourceNotFound, 'Resource not found', { uri: uri.length <= MAX_URI_LENGTH ? uri : preview(uri, PREVIEW_MAX) });
        if (!subscriptions.subscribe(ctx.connection, uri))
          throw new JsonRpcError(ErrorCodes.InvalidParams, `Invalid params: at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`);
        return of({});
      });
    impls['resources/unsubscribe'] = (params, ctx) =>
      defer(() => {
        subscriptions.unsubscribe(ctx.connection, paramsOf(ReadResourceParams, params, 'resources/unsubscribe').uri);
        return of({});
      });
  }
  if (completes) {
    impls['completion/complete'] = (params, ctx) =>
      defer(() => {
        const p = paramsOf(CompleteParams, params, 'completion/complete');
        const completer = p.ref.type === 'ref/prompt'
          ? prompts.get(p.ref.name)?.complete[p.argument.name]
          : templates.find((x) => x.uriTemplate === (p.ref as { uri: string }).uri)?.complete[p.argument.name];
        return completeWith(completer, p.argument.value, { arguments: p.context?.arguments ?? {}, ctx: mcpContext(ctx, params) }).pipe(map((completion) => ({ completion })));
      });
  }

  // what lives in 2026-07-28 only (the tasks extension, subscriptions/listen): not served in 2025-11-25
  const modernOnly = (method: string, h: Impl): Impl => (params, ctx) => {
    if (ctx.era !== '2026-07-28') throw new JsonRpcError(ErrorCodes.MethodNotFound, `Method not found: ${method}`);
    return h(params, ctx);
  };
  if (tasks !== undefined) for (const [method, h] of Object.entries(tasks.handlers)) impls[method] = modernOnly(method, h as Impl);
  const closing$ = new ReplaySubject<void>(1);
  impls['subscriptions/listen'] = modernOnly('subscriptions/listen', listenHandler({ tasks, resources: resources.size > 0 || templates.length > 0 ? subscriptions : undefined, closing$ }));

  const handlers: Record<string, Handler> = {};
  for (const [method, impl] of Object.entries(impls)) {
    const shapeModern = modernResult(method, info, { ttlMs, scope: cacheScope });
    // 2025-11-25 results go as the handler gives them (the core answers an empty one with {});
    // 2026-07-28 results are shaped, an empty one included. Each impl runs inside the core's
    // defer: a throw there is the request's error, so no defer of its own is needed
    handlers[method] = (params, ctx) =>
      ctx.era === '2026-07-28' ? impl(params, ctx).pipe(defaultIfEmpty({}), map((r) => shapeModern(r as Rec))) : impl(params, ctx);
  }
  const mirroredHeaders = (message: { readonly method: string; readonly params?: unknown }): readonly MirroredHeader[] => {
    const p = message.params;
    if (message.method !== 'tools/call' || typeof p !== 'object' || p === null) return [];
    const name = (p as Rec)['name'];
    // an unknown tool mirrors nothing: its call gets -32602 from tools/call itself
    const found = typeof name === 'string' ? tools.get(name) : undefined;
    return found === undefined || found.headerParams.length === 0 ? [] : mirroredOf(found.headerParams, (p as Rec)['arguments']);
  };
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
