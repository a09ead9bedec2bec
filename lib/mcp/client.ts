import type * as t from 'io-ts';
import { concatMap, defer, isObservable, map, mergeMap, of, ReplaySubject, share, tap, throwError, type Observable, type Subscription } from 'rxjs';
import { META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_PROTOCOL_VERSION, type ProtocolEra } from '../codec/era.js';
import type { Peer } from '../peer/create-peer.js';
import type { RequestOptions } from '../peer/request-options.js';
import { connect, type ConnectTransport } from '../transport/connect.js';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { DEFAULT_TIMEOUT_MS } from '../peer/request-options.js';
import { completeResult, decodeAs, resultTypeOf } from './client-decode.js';
import { DEFAULT_PROBE_TIMEOUT_MS, type McpClientOptions } from './client-options.js';
import { listenRouter, type ListenFilter, type ListenNotification, type ListenRouter } from './client-listen.js';
import { followTask, type FollowInit, type FollowOptions } from './client-tasks.js';
import { TASKS_EXTENSION, Task } from './task-wire.js';
import { McpClientError } from './client-errors.js';
import { capabilitiesOf, fulfilInputRequests, mcpClientHandlers } from './client-handlers.js';
import { handshake, MODERN, type HandshakeInit, type ServerDescription } from './client-handshake.js';
import { DEFAULT_MAX_INPUT_ROUNDS, withInputRounds, type RoundParams } from './client-input-rounds.js';
import { paginate } from './client-paginate.js';
import { extend } from '../codec/extend.js';
import {
  CallToolResult,
  CompleteResult,
  GetPromptResult,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ListToolsResult,
  ReadResourceResult,
  type Completion,
  type CompleteRef,
  type LoggingLevel,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  type Tool,
} from './client-shapes.js';

/**
 * An MCP client on a {@link Peer}: every method is a cold Observable, and unsubscribing is the
 * cancel on the wire (2025-11-25 and stdio: `notifications/cancelled`; 2026-07-28 over
 * `streamableHttpClient`: the request's stream closes). Every method waits for {@link connect}.
 *
 * @example
 * const client = mcpClient(ndjson(child.stdout, child.stdin), { info: { name: 'app', version: '1.0.0' } });
 * client.listTools().pipe(toArray()).subscribe((tools) => show(tools.map((t) => t.name)));
 * const call = client.callTool('slow_count', { steps: 50 }).subscribe(show);
 * call.unsubscribe(); // the server's handler is cancelled; no result is delivered
 */
export interface McpClient {
  readonly peer: Peer;
  /** The handshake of the era, run once (shared and replayed; it runs to its end even when every subscriber leaves); a failed one runs again on the next subscribe. */
  connect(): Observable<ServerDescription>;
  /**
   * `tools/call`: the result (a failing tool answers `isError: true`); 2026 `input_required` rounds
   * are run through the handlers. A call the server answers with a task (2026-07-28, tasks
   * extension) is followed to its end transparently ({@link followTask}): its input answered, its
   * states told to `onTask`, the options' timeouts applied to the whole task, and unsubscribing
   * before its end sends one `tasks/cancel`.
   */
  callTool(name: string, args?: Readonly<Record<string, unknown>>, options?: FollowOptions): Observable<CallToolResult>;
  /**
   * Follow a task created earlier (by this client before a restart, say) to its result, as
   * `callTool` does: unsubscribing before its end sends one `tasks/cancel`.
   *
   * @example
   * client.followTask(savedTaskId).subscribe((r) => show(r.content));
   */
  followTask(taskId: string, options?: FollowOptions): Observable<CallToolResult>;
  /** `tasks/get`: the task now. */
  getTask(taskId: string, options?: RequestOptions): Observable<Task>;
  /** `tasks/cancel`: the server's empty ack (cancelling is cooperative: the task may still end otherwise). */
  cancelTask(taskId: string, options?: RequestOptions): Observable<void>;
  /**
   * `subscriptions/listen` (2026-07-28): the acknowledgement, then every notification the filter
   * asked for, until the server ends the stream (its result, or a `notifications/cancelled`: both
   * complete it); unsubscribing ends it (HTTP: its stream closes; stdio: `notifications/cancelled`).
   * Only on a client that built its peer (given a transport): `NO_LISTEN` otherwise.
   *
   * @example
   * client.listen({ taskIds: [id] }).subscribe((n) => n.method === 'notifications/tasks' && show(n.params));
   */
  listen(filter: ListenFilter, options?: RequestOptions): Observable<ListenNotification>;
  /** Every tool, across pages; unsubscribing (or `take(n)`) stops the paging. */
  listTools(options?: RequestOptions): Observable<Tool>;
  listPrompts(options?: RequestOptions): Observable<Prompt>;
  getPrompt(name: string, args?: Readonly<Record<string, string>>, options?: RequestOptions): Observable<GetPromptResult>;
  listResources(options?: RequestOptions): Observable<Resource>;
  listResourceTemplates(options?: RequestOptions): Observable<ResourceTemplate>;
  readResource(uri: string, options?: RequestOptions): Observable<ReadResourceResult>;
  /** `completion/complete` of one argument of a prompt or resource template. */
  complete(ref: CompleteRef, argument: { readonly name: string; readonly value: string }, options?: RequestOptions): Observable<Completion>;
  /** `logging/setLevel` (2025-11-25 only: 2026-07-28 removed it; `NOT_IN_ERA` there). */
  setLoggingLevel(level: LoggingLevel, options?: RequestOptions): Observable<void>;
  /** `ping` (2025-11-25 only: 2026-07-28 removed it; `NOT_IN_ERA` there). */
  ping(options?: RequestOptions): Observable<void>;
  /**
   * Any request, after the handshake, stamped with the era's `_meta` (2026-07-28: version,
   * capabilities, client; members of `params._meta` win): the raw result, unchecked and with no
   * input rounds run. For what the typed methods do not cover, and for a gateway that passes
   * results on as they are. Unsubscribing is the cancel, as for every method.
   *
   * @example
   * client.request('tools/call', { name: 'deploy', arguments: {} }).subscribe((raw) => forward(raw));
   */
  request(method: string, params?: Readonly<Record<string, unknown>>, options?: RequestOptions): Observable<unknown>;
  /** Close the connection the client opened on a transport (a Peer given is the caller's to close). */
  close(): void;
}

const isPeer = (t: Peer | ConnectTransport): t is Peer => 'outgoing$' in t && isObservable(t.outgoing$) && typeof (t as Partial<Peer>).request === 'function';

/**
 * An MCP client over a peer, one of our transports (`ndjson`, `streamableHttpClient`), or a
 * transport of the official SDK. Given a transport, it builds the peer with `connect`, answering
 * the server's requests with `handlers` (and `ping`); given a Peer, build that peer with
 * `handlers: mcpClientHandlers(sameHandlers)`.
 *
 * @example
 * import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
 * const client = mcpClient(new StdioClientTransport({ command: 'node', args: ['server.js'] }), {
 *   info: { name: 'app', version: '1.0.0' },
 *   handlers: { elicitation: (p) => askUser(p.message) },
 * });
 * client.callTool('echo', { text: 'hi' }).subscribe((r) => show(r.content));
 */
export function mcpClient(target: Peer | ConnectTransport, options: McpClientOptions): McpClient {
  const handlers = options.handlers ?? {};
  const capabilities = capabilitiesOf(handlers, options.capabilities);
  const maxRounds = options.maxInputRounds ?? DEFAULT_MAX_INPUT_ROUNDS;
  if (!Number.isInteger(maxRounds) || maxRounds < 0) throw new TypeError(`maxInputRounds must be a non-negative integer, got ${String(maxRounds)}`);

  let connection: Subscription | undefined;
  let peer: Peer;
  let era: ProtocolEra | 'auto';
  // listen streams need their notifications routed by subscription id: only on a peer built here
  let router: ListenRouter | undefined;
  if (isPeer(target)) {
    peer = target;
    era = options.era ?? target.era() ?? 'auto';
  } else {
    era = options.era ?? 'auto';
    router = listenRouter(options.notifications);
    const c = connect(target, {
      // 'auto' stays undecided through the probe: the answer decides (lib/peer/era.ts)
      era,
      handlers: mcpClientHandlers(handlers),
      notifications: router.notifications,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      clientCapabilities: capabilities,
      clientInfo: options.info,
    });
    peer = c.peer;
    connection = c.subscription;
  }

  // every 2026-07-28 request names its version, capabilities and client (basic/index "_meta")
  // the tasks extension is declared per request, in 2026-07-28 only (EXT L23-41)
  const modernCapabilities = options.tasks === false ? capabilities : { ...capabilities, extensions: { ...(capabilities['extensions'] as Record<string, unknown> | undefined), [TASKS_EXTENSION]: {} } };
  const modernMeta: Readonly<Record<string, unknown>> = { [META_PROTOCOL_VERSION]: MODERN, [META_CLIENT_CAPABILITIES]: modernCapabilities, [META_CLIENT_INFO]: options.info };
  const withDefaults = (o: RequestOptions | undefined): RequestOptions => ({ ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), ...o });
  const init: HandshakeInit = { peer, info: options.info, capabilities, modernMeta, options: withDefaults(undefined), probeTimeoutMs: options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS };

  // the handshake's answer once it completed: a success is kept for good (below), so a request
  // after it needs no subscription to connected$ and no concatMap (one layer less per request)
  let described: ServerDescription | undefined;
  const connected$ = defer(() => {
    const decided = peer.era();
    // a Peer pinned to one era cannot run the other's handshake
    if (era !== 'auto' && decided !== undefined && decided !== era)
      return throwError(() => new McpClientError('ERA_NEGOTIATION_FAILED', `The peer runs ${decided} and the client was asked for ${era}`));
    let last: ServerDescription | undefined;
    return handshake(era, init).pipe(tap({ next: (d) => void (last = d), complete: () => void (described = last) }));
  }).pipe(
    // once per client; a failure is not kept (the next subscriber tries again), a success is.
    // Not reset when the last subscriber leaves: firstValueFrom() leaves on the value, before the
    // completion that follows it, and a reset there would run initialize a second time
    share({ connector: () => new ReplaySubject<ServerDescription>(1), resetOnError: true, resetOnComplete: false, resetOnRefCountZero: false }),
  );

  /** Send one request after the handshake, stamped with the era's `_meta`. */
  const sendAs = (d: ServerDescription, method: string, params: Readonly<Record<string, unknown>>, o: RequestOptions | undefined): Observable<unknown> => {
    if (d.era !== '2026-07-28') return peer.request(method, params, withDefaults(o));
    const given = params['_meta'];
    const meta = typeof given === 'object' && given !== null ? extend(modernMeta, given) : modernMeta;
    return peer.request(method, extend(params, { _meta: meta }), withDefaults(o));
  };
  const send = (method: string, params: Readonly<Record<string, unknown>>, o: RequestOptions | undefined): Observable<unknown> =>
    // read when the request is built: either way is right (a kept description never changes), and
    // one built before the handshake ended only waits on it
    described !== undefined ? sendAs(described, method, params, o) : connected$.pipe(concatMap((d) => sendAs(d, method, params, o)));

  /** A method that may answer `input_required` (tools/call, prompts/get, resources/read). */
  const rounds = (method: string, params: Readonly<Record<string, unknown>>, o: RequestOptions | undefined): Observable<unknown> =>
    withInputRounds((r: RoundParams | undefined) => send(method, r === undefined ? params : { ...params, ...r }, o), (requests) => fulfilInputRequests(handlers, requests), method, maxRounds);

  const list = <P extends { readonly nextCursor?: string }, I>(method: string, page: t.Decoder<unknown, P>, items: (p: P) => readonly I[], o: RequestOptions | undefined): Observable<I> =>
    paginate((cursor) =>
      send(method, cursor === undefined ? {} : { cursor }, o).pipe(
        completeResult(page, method),
        map((p) => ({ items: items(p), nextCursor: p.nextCursor })),
      ),
    );

  const only2025 = (method: string, params: Readonly<Record<string, unknown>>, o: RequestOptions | undefined): Observable<void> =>
    connected$.pipe(
      concatMap((d) =>
        d.era === '2025-11-25'
          ? peer.request(method, params, withDefaults(o)).pipe(map((): void => undefined))
          : throwError(() => new McpClientError('NOT_IN_ERA', `${method} does not exist in MCP ${d.protocolVersion}`)),
      ),
    );

  const listen = (filter: ListenFilter, o?: RequestOptions): Observable<ListenNotification> =>
    defer(() =>
      router === undefined
        ? throwError(() => new McpClientError('NO_LISTEN', 'subscriptions/listen needs a client that built its peer (give mcpClient a transport): its notifications are routed by subscription id'))
        : router.listen(peer, (params, lo) => send('subscriptions/listen', params, { ...o, ...lo }), filter),
    );
  const follow: FollowInit = {
    send: (method, params, o) => send(method, params, o),
    listen: router === undefined ? undefined : (taskIds) => listen({ taskIds: [...taskIds] }),
    fulfil: (requests) => fulfilInputRequests(handlers, requests),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  // a result that is a task (2026-07-28, tasks extension): followed to the result it stands for
  const followed = (o: FollowOptions | undefined, startedAt: number) => (source: Observable<unknown>): Observable<unknown> =>
    source.pipe(
      mergeMap((u) => {
        if (resultTypeOf(u) !== 'task') return of(u);
        return pipe(
          decodeAs(Task, 'tools/call', u),
          E.match(
            (e) => throwError(() => e),
            (task) => followTask(follow, task.taskId, o, startedAt, task),
          ),
        );
      }),
    );

  return {
    peer,
    connect: () => connected$,
    callTool: (name, args, o) =>
      defer(() => rounds('tools/call', args === undefined ? { name } : { name, arguments: args }, o).pipe(followed(o, Date.now()))).pipe(completeResult(CallToolResult, 'tools/call')),
    followTask: (taskId, o) => defer(() => followTask(follow, taskId, o, Date.now())).pipe(completeResult(CallToolResult, 'tools/call')),
    getTask: (taskId, o) => send('tasks/get', { taskId }, o).pipe(completeResult(Task, 'tasks/get')),
    cancelTask: (taskId, o) => send('tasks/cancel', { taskId }, o).pipe(map((): void => undefined)),
    listen,
    listTools: (o) => list('tools/list', ListToolsResult, (p) => p.tools, o),
    listPrompts: (o) => list('prompts/list', ListPromptsResult, (p) => p.prompts, o),
    getPrompt: (name, args, o) => rounds('prompts/get', args === undefined ? { name } : { name, arguments: args }, o).pipe(completeResult(GetPromptResult, 'prompts/get')),
    listResources: (o) => list('resources/list', ListResourcesResult, (p) => p.resources, o),
    listResourceTemplates: (o) => list('resources/templates/list', ListResourceTemplatesResult, (p) => p.resourceTemplates, o),
    readResource: (uri, o) => rounds('resources/read', { uri }, o).pipe(completeResult(ReadResourceResult, 'resources/read')),
    complete: (ref, argument, o) => send('completion/complete', { ref, argument }, o).pipe(completeResult(CompleteResult, 'completion/complete'), map((r) => r.completion)),
    setLoggingLevel: (level, o) => only2025('logging/setLevel', { level }, o),
    ping: (o) => only2025('ping', {}, o),
    request: (method, params, o) => send(method, params ?? {}, o),
    close: () => connection?.unsubscribe(),
  };
}
