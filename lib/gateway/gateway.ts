import { Observable, Subject } from 'rxjs';
import type { ProtocolEra } from '../codec/era.js';
import type { ConnectionRef } from '../handler/connection-ref.js';
import type { RequestContext } from '../handler/context.js';
import type { Handler } from '../handler/run-request.js';
import { mcpClient, type McpClient } from '../mcp/client.js';
import type { Implementation } from '../mcp/client-shapes.js';
import type { ConnectionState } from '../mcp/context.js';
import { ANONYMOUS_OWNER } from '../mcp/task-owner.js';
import { countOption } from '../peer/options.js';
import { Admission, type AdmissionOptions } from './admission.js';
import { CallsInFlight } from './calls.js';
import type { GatewayEvent, GatewayEventInit } from './events.js';
import { FORWARDED_METHODS, forwarder } from './forward.js';
import { frontHandlers } from './front.js';
import { relayHandlers, relayNotifications } from './relay.js';
import { DEFAULT_GATEWAY_MAX_TASKS_PER_SENDER, DEFAULT_GATEWAY_TASK_TTL_MS, TaskOwners } from './task-owners.js';
import { TASK_METHODS, taskHandler } from './tasks.js';
import { UpstreamLink, type UpstreamSource } from './upstream.js';

/**
 * Options of {@link mcpGateway}: the upstream, its era, and what the front may ask of it.
 *
 * @example
 * const options: McpGatewayOptions = { upstream: streamableHttpClient({ url }), era: '2026-07-28', maxInFlightPerSender: 20 };
 */
export interface McpGatewayOptions extends AdmissionOptions {
  /** The upstream: a transport, or a function that makes one (then a dead upstream is restarted by the next request). */
  readonly upstream: UpstreamSource;
  /**
   * The upstream hop's era, whatever the front's: `'2025-11-25'` (the gateway runs `initialize`
   * once and shares the session), `'2026-07-28'`, or `'auto'` (the default: `server/discover`,
   * then `initialize`; stdio only, as for `mcpClient`). Over HTTP, pin it to the transport given.
   */
  readonly era?: ProtocolEra | 'auto';
  /** The gateway's name: as a client upstream, and as the server its front sees. Default upstream: `mcp-rx-cancel-gateway`; front: the upstream's `serverInfo`. */
  readonly info?: Implementation;
  /** The timeout of each forwarded request, reset by the upstream's progress. Default the upstream client's (60 s). */
  readonly timeoutMs?: number;
  /** A 2025 front before a 2026 upstream: the most input rounds the gateway runs for one call. Default 10. */
  readonly maxInputRounds?: number;
  /** `era: 'auto'`: how long the upstream's `server/discover` probe may take. */
  readonly probeTimeoutMs?: number;
  /**
   * Who a front request counts against for `maxInFlightPerSender` and `requestsPerSecond`.
   * Default: its session (`ctx.sessionId`: a 2025 Streamable HTTP session, a connection given a
   * `sessionId`), else its connection. A 2026-07-28 POST is a connection of its own, so behind
   * HTTP key it by who the caller is (an authenticated user, say) for the bound to hold per client.
   */
  readonly sender?: (ctx: RequestContext) => string | undefined;
  /** More methods to forward as they are. Not the task methods: the gateway forwards those itself, to the front that got the task. */
  readonly methods?: readonly string[];
  /**
   * Upstream tasks one front principal may hold through the gateway (default 1,000): past it,
   * the gateway follows a new task for that front itself and answers the result. A principal is
   * `sender`'s answer; without `sender`, every front is the one principal `anonymous`, where the
   * task id (unguessable upstream) is the capability, as in `mcpServer` without `tasks.owner`
   * (a task outlives its connection, and a 2026-07-28 POST is a connection of its own).
   */
  readonly maxTasksPerSender?: number;
  /** How long a task is kept to its front principal when the upstream gives it no `ttlMs`, in ms. Default 1 hour. */
  readonly taskTtlMs?: number;
}

/**
 * A gateway: the handlers and notification handlers of a front that forwards to one upstream,
 * to give to any front connection of this library, as an `McpServer` is (`connect(transport,
 * gateway)`, `createPeer(in$, gateway)`, `streamableHttp(gateway)`).
 *
 * @example
 * const gateway: McpGateway = mcpGateway({ upstream: () => ndjson(child.stdout, child.stdin), era: '2025-11-25' });
 * connect(ndjson(process.stdin, process.stdout), gateway); // a stdio front
 * gateway.events$.subscribe((e) => audit(e));
 */
export interface McpGateway {
  readonly handlers: Readonly<Record<string, Handler>>;
  readonly notifications: Readonly<Record<string, (params: unknown) => void>>;
  /** The gateway's own events (its upstream's included, as `type: 'upstream'`). Hot. */
  readonly events$: Observable<GatewayEvent>;
  /** The upstream client now, if one runs (started by the first request that needs it). */
  upstream(): McpClient | undefined;
  /** Requests forwarded and not yet ended, every front session together. */
  inFlight(): number;
  /** Close the upstream; later front requests get -32603. Front connections are their owners' to close. */
  close(): void;
}

const UPSTREAM_INFO: Implementation = { name: 'mcp-rx-cancel-gateway', version: '0.1.0' };

/**
 * An MCP gateway that carries cancellation hop by hop: every front request is forwarded as a
 * request of the gateway's own upstream client, under that client's ids (never the front's:
 * many front sessions share one upstream), and every end of the front request (its
 * `notifications/cancelled`, a 2026 stream closed, a 2025 DELETE, the front connection closing,
 * a timeout) cancels the upstream request the upstream's way, once: `notifications/cancelled` on
 * stdio and to a 2025 server, the POST stream closed to a 2026 HTTP server. A response after that
 * is dropped, and the front client gets none for a request it cancelled. The forwarded request
 * is nothing but the front handler returning the upstream client's cold Observable, so the
 * cancel is the unsubscribe every front ending already does.
 *
 * Eras are chosen per hop: the front's per connection (both on one `streamableHttp` endpoint),
 * the upstream's by `era`. Progress is relayed under the front's own token; log messages and a
 * 2025 upstream's questions (elicitation, sampling) go to the call they are for, tied to it;
 * list changes go to every 2025 front session; a 2026 upstream's input rounds pass through to a
 * 2026 front, and are run with a 2025 front client by the gateway; a 2026 upstream's task goes
 * to a 2026 front that declared the tasks extension (its task requests forwarded for its own
 * tasks only), and is followed by the gateway for any other front. Each front session's share
 * (`maxInFlightPerSender`, `requestsPerSecond`) and the gateway's budget (`maxInFlight`) are
 * checked before anything is forwarded. An upstream that dies fails every forwarded request at
 * once (-32603 "Upstream connection closed"); the next request restarts it when `upstream` is a
 * function, and gets a -32603 that says it cannot otherwise.
 *
 * @example
 * const gateway = mcpGateway({
 *   upstream: () => {
 *     const child = spawn('node', ['server.js'], { stdio: ['pipe', 'pipe', 'inherit'] });
 *     return ndjson(child.stdout, child.stdin);
 *   },
 *   era: '2025-11-25',
 *   maxInFlightPerSender: 20,
 * });
 * http.createServer(streamableHttp(gateway).handle).listen(3000, '127.0.0.1'); // both eras in front
 */
export const mcpGateway = (options: McpGatewayOptions): McpGateway => {
  const events$ = new Subject<GatewayEvent>();
  const emit = (e: GatewayEventInit): void => {
    if (events$.observed) events$.next({ ...e, at: Date.now() } as GatewayEvent);
  };
  const admission = new Admission(options);
  const calls = new CallsInFlight();
  const states = new WeakMap<object, ConnectionState>();
  const fronts = new Set<ConnectionRef>();
  const relay = { calls, fronts, emit };
  const link = new UpstreamLink(
    options.upstream,
    (transport) =>
      mcpClient(transport, {
        info: options.info ?? UPSTREAM_INFO,
        era: options.era ?? 'auto',
        handlers: relayHandlers(relay),
        notifications: relayNotifications(relay),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.probeTimeoutMs === undefined ? {} : { probeTimeoutMs: options.probeTimeoutMs }),
      }),
    emit,
  );
  // a connection with no session: a scope of its own, made once per connection
  const scopes = new WeakMap<object, string>();
  let connections = 0;
  const senderOf = (ctx: RequestContext): string => {
    const chosen = options.sender?.(ctx) ?? ctx.sessionId;
    if (chosen !== undefined) return chosen;
    let s = scopes.get(ctx.connection);
    if (s === undefined) scopes.set(ctx.connection, (s = `connection-${++connections}`));
    return s;
  };
  // a task outlives its connection (EXT overview L31-32), and a 2026 POST is a scope of its own:
  // without `sender`, no scope of a request's is its principal
  const taskOwnerOf = (ctx: RequestContext): string => options.sender?.(ctx) ?? ANONYMOUS_OWNER;
  const forwardInit = {
    link,
    calls,
    admission,
    states,
    info: options.info,
    timeoutMs: options.timeoutMs,
    maxInputRounds: options.maxInputRounds,
    senderOf,
    owners: new TaskOwners(
      countOption('maxTasksPerSender', options.maxTasksPerSender, DEFAULT_GATEWAY_MAX_TASKS_PER_SENDER),
      countOption('taskTtlMs', options.taskTtlMs, DEFAULT_GATEWAY_TASK_TTL_MS),
    ),
    taskOwnerOf,
    emit,
  };
  const handlers: Record<string, Handler> = frontHandlers({ link, info: options.info, states, fronts });
  for (const method of [...FORWARDED_METHODS, ...(options.methods ?? [])]) handlers[method] = forwarder(forwardInit, method);
  // after `methods`: a task method is never forwarded unchecked
  for (const method of TASK_METHODS) handlers[method] = taskHandler(forwardInit.owners, taskOwnerOf, method, forwarder(forwardInit, method));
  return {
    handlers,
    notifications: { 'notifications/initialized': () => undefined, 'notifications/roots/list_changed': () => undefined },
    // hot, as the Subject is; while watched, the upstream's own events are relayed too
    events$: new Observable<GatewayEvent>((subscriber) => {
      const s = events$.subscribe(subscriber);
      link.watched(1);
      return () => {
        s.unsubscribe();
        link.watched(-1);
      };
    }),
    upstream: () => link.current(),
    inFlight: () => admission.size,
    close: () => link.close(),
  };
};
