// `@opentelemetry/api` is loaded at run time here, and only here: this module is the package's
// `mcp-rx-cancel/open-telemetry` subpath, and whoever calls it has the api installed (it is an
// optional peer dependency). The main entry never imports it, not even its types.
import {
  SpanKind,
  SpanStatusCode,
  context,
  createTraceState,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Meter,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { Subscription, type Observable } from 'rxjs';
import { preview } from '../codec/preview.js';
import type { RequestTarget } from '../codec/target.js';
import type { TraceContext } from '../codec/trace-context.js';
import { RequestKey } from '../manager/request-key.js';
import type { PeerEvent } from '../peer/events.js';
import type { HttpEvent } from '../transport/http/events.js';
import { instrumentsOf } from './instruments.js';
import { KNOWN_CODES, KNOWN_METHODS, OTHER, nameBudget } from './names.js';
import { bind, isBound, type TracePropagation } from './propagation.js';

// the subpath's whole API: this module and what it is built of
export { DURATION_BUCKETS } from './instruments.js';
export { OTHER } from './names.js';
export { tracePropagation, type TracePropagation } from './propagation.js';

/**
 * Default bound on the spans open at once (see {@link OpenTelemetryOptions.maxOpenSpans}).
 *
 * @example
 * toOpenTelemetry(peer.events$, { tracer, maxOpenSpans: DEFAULT_MAX_OPEN_SPANS / 10 });
 */
export const DEFAULT_MAX_OPEN_SPANS = 100_000;
/**
 * Default bound, in characters, on any value from the peer put on a span (a reason, an id, a tool name).
 *
 * @example
 * toOpenTelemetry(peer.events$, { tracer, maxAttributeLength: DEFAULT_MAX_ATTRIBUTE_LENGTH * 2 });
 */
export const DEFAULT_MAX_ATTRIBUTE_LENGTH = 256;
/**
 * Default bound on the distinct method, tool and prompt names, and error codes, used in span names and metric attributes.
 *
 * @example
 * toOpenTelemetry(peer.events$, { meter, maxNames: DEFAULT_MAX_NAMES * 4 }); // a server with many tools
 */
export const DEFAULT_MAX_NAMES = 256;
// ended spans remembered for events that come after the end (cleanup failures, late responses)
const RECENT_ENDED = 1_024;

/** Which half of a peer a request belongs to: one it serves, or one it sent. */
export type RequestDirection = 'served' | 'sent';

/**
 * How a request's span ended (attribute `mcp_rx_cancel.request.outcome`): `completed` and
 * `failed` are its response, `cancelled` a cancellation (either side), `timeout` the sender's
 * timer, `closed` its connection (or HTTP session) closing, `unobserved` the subscription of
 * toOpenTelemetry ending before the request did.
 */
export type RequestSpanOutcome = 'completed' | 'failed' | 'cancelled' | 'timeout' | 'closed' | 'unobserved';

/**
 * The MCP transport a peer runs over, for the conventions' `network.*` attributes: `stdio` is
 * `network.transport: pipe`; `streamable-http` is `network.transport: tcp` and
 * `network.protocol.name: http`.
 *
 * @example
 * toOpenTelemetry(peer.events$, { tracer, transport: 'stdio' });
 */
export type McpTransport = 'stdio' | 'streamable-http';

/** Options of {@link toOpenTelemetry}. At least one of `tracer` and `meter` is needed. */
export interface OpenTelemetryOptions {
  /** Where spans go, e.g. `trace.getTracer('mcp-rx-cancel')`. Absent: no spans. */
  readonly tracer?: Tracer;
  /** Where metrics go, e.g. `metrics.getMeter('mcp-rx-cancel')`. Absent: no metrics. */
  readonly meter?: Meter;
  /** Put on every span and every metric point (e.g. `{ 'service.instance.id': host }`). */
  readonly attributes?: Attributes;
  /** The transport the peer runs over, for `network.transport` (and `network.protocol.name`). Absent: not recorded. */
  readonly transport?: McpTransport;
  /** Puts each sent request's trace context in its `_meta` (see {@link tracePropagation}). */
  readonly propagation?: TracePropagation;
  /**
   * Whether a served request's valid W3C trace context (`params._meta.traceparent`) becomes the
   * remote parent of its SERVER span; the ambient context, if any, is then a link. Default true.
   */
  readonly extractTraceContext?: boolean;
  /** Requests tracked at once, per direction; past it a new request gets no span and no metric but `mcp_rx_cancel.requests.untracked`. Default 100,000. */
  readonly maxOpenSpans?: number;
  /** Longest value from the peer put on a span (a reason, an error message, an id, a tool name). Default 256. */
  readonly maxAttributeLength?: number;
  /**
   * Distinct method names (beyond the ones MCP defines), distinct tool and prompt names, and
   * distinct error codes (beyond the ones JSON-RPC and MCP define), each counted on its own, used
   * in span names and metric attributes; past it a new one is `_OTHER` there (its span keeps the
   * real name, bounded, as an attribute, and the real code as `rpc.response.status_code`; its
   * `error.type` is `_OTHER`). A peer's names and codes must not grow a metric without end. Default 256.
   */
  readonly maxNames?: number;
  /** Called when the tracer or meter threw while recording an event (the event is skipped, nothing else). */
  readonly onError?: (error: unknown) => void;
}

interface Tracked {
  readonly key: RequestKey;
  readonly span: Span | undefined;
  readonly startAt: number;
  /** The low-cardinality attributes the duration metric is recorded with. */
  readonly metric: Attributes;
  readonly method: string;
}

const positiveInteger = (name: string, value: number, min: number): number => {
  if (Number.isInteger(value) && value >= min) return value;
  throw new TypeError(`toOpenTelemetry: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${String(value)}`);
};

/**
 * Record a peer's events (and, optionally, a Streamable HTTP transport's) as OpenTelemetry spans
 * and metrics, following the OpenTelemetry semantic conventions for MCP (Development status,
 * https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/).
 *
 * Spans: one per request, served (SERVER) or sent (CLIENT), named `{mcp.method.name} {target}`
 * (the tool of a `tools/call`, the prompt of a `prompts/get`; the method alone otherwise), from
 * `request-received`/`request-sent` to its one end. Attributes of the conventions:
 * `mcp.method.name`, `jsonrpc.request.id`, `mcp.session.id`, `mcp.protocol.version`,
 * `gen_ai.tool.name` and `gen_ai.operation.name: execute_tool`, `gen_ai.prompt.name`,
 * `network.transport`, and on failure `error.type` (the JSON-RPC code, `tool_error`, `timeout`,
 * `connection_closed`, `session_closed`, `invalid_response`, `send_failed`) with
 * `rpc.response.status_code` and status ERROR. Ours, for cancellation:
 * `mcp_rx_cancel.request.outcome`, `mcp_rx_cancel.cancel.source`, `mcp_rx_cancel.cancel.reason`,
 * `mcp_rx_cancel.sender`, span events `cancel-ignored`, `cleanup-failed`, `late-response-dropped`
 * (one after its span ended becomes a zero-length span linked to it). A served request's valid
 * `traceparent` is its span's remote parent; with {@link TracePropagation} a sent request
 * carries its span's.
 *
 * Metrics of the conventions: `mcp.server.operation.duration`, `mcp.client.operation.duration`,
 * `mcp.client.session.duration` (from an answered `initialize` to the connection's close) and (from
 * the HTTP transport's events) `mcp.server.session.duration`, in seconds. Ours:
 * `mcp_rx_cancel.requests.in_flight`, `mcp_rx_cancel.cancels`, `mcp_rx_cancel.cancels.ignored`,
 * `mcp_rx_cancel.cleanup.failures`, `mcp_rx_cancel.responses.late`,
 * `mcp_rx_cancel.requests.untracked`, and for HTTP `mcp_rx_cancel.http.rejected`,
 * `mcp_rx_cancel.http.failures`, `mcp_rx_cancel.http.sessions.active`,
 * `mcp_rx_cancel.http.streams.closed`, `mcp_rx_cancel.http.messages.dropped`. Durations are
 * measured on the peer's scheduler.
 *
 * Pass one peer's `events$` per call (or one HTTP transport's): `connection-closed` ends every
 * span this call holds. Unsubscribing ends the spans still open (outcome `unobserved`).
 *
 * @example
 * import { metrics, trace } from '@opentelemetry/api';
 * import { toOpenTelemetry, tracePropagation } from 'mcp-rx-cancel/open-telemetry';
 * const propagation = tracePropagation();
 * const peer = createPeer(incoming$, { handlers, requestMeta: propagation.requestMeta });
 * const otel = toOpenTelemetry(peer.events$, { tracer: trace.getTracer('mcp'), meter: metrics.getMeter('mcp'), transport: 'stdio', propagation });
 * // later: otel.unsubscribe();
 */
export const toOpenTelemetry = (events$: Observable<PeerEvent | HttpEvent>, options: OpenTelemetryOptions): Subscription => {
  const { tracer, meter, onError, propagation } = options;
  if (tracer === undefined && meter === undefined) throw new TypeError('toOpenTelemetry: give a tracer, a meter or both');
  const maxOpen = positiveInteger('maxOpenSpans', options.maxOpenSpans ?? DEFAULT_MAX_OPEN_SPANS, 0);
  const maxLength = positiveInteger('maxAttributeLength', options.maxAttributeLength ?? DEFAULT_MAX_ATTRIBUTE_LENGTH, 1);
  const maxNames = positiveInteger('maxNames', options.maxNames ?? DEFAULT_MAX_NAMES, 0);
  if (propagation !== undefined && isBound(propagation)) throw new TypeError('toOpenTelemetry: this propagation is bound to another call already (one per peer)');
  const extract = options.extractTraceContext ?? true;
  const network: Attributes =
    options.transport === 'stdio' ? { 'network.transport': 'pipe' }
    : options.transport === 'streamable-http' ? { 'network.transport': 'tcp', 'network.protocol.name': 'http' }
    : {};
  const base: Attributes = { ...options.attributes, ...network };
  const m = meter === undefined ? undefined : instrumentsOf(meter);
  const methodName = nameBudget(maxNames, KNOWN_METHODS);
  const targetName = nameBudget(maxNames, new Set());
  // a peer (or a handler relaying one) picks any integer as its error code: a code is a name too
  const codeName = nameBudget(maxNames, KNOWN_CODES);

  // one map per direction, always deleted at the request's one end
  const open: Record<RequestDirection, Map<string, Tracked>> = { served: new Map(), sent: new Map() };
  // insertion-ordered, so the oldest is the first to go: bounded like everything else here
  const recent = new Map<string, { readonly context: SpanContext; readonly method: string }>();
  // the version each session negotiated (by initialize), for its later 2025 requests that name none
  const versions = new Map<string, string>();
  // the HTTP sessions open, with when they opened
  const sessions = new Map<string, number>();
  // the sessions this peer opened as a client (an initialize answered), with when it was sent
  const clientSessions = new Map<string, { readonly at: number; readonly version: string | undefined }>();
  const sessionOf = (key: RequestKey): string => key.sessionId ?? '';

  // the tracer and meter are not ours: one that throws skips this step, never the stream
  const guarded = (f: () => void): void => {
    try {
      f();
    } catch (error) {
      try {
        onError?.(error);
      } catch {
        // an onError that throws has nowhere further to go
      }
    }
  };
  const idOf = (d: RequestDirection, key: RequestKey): string => `${d}:${RequestKey.toString(key)}`;
  const keyAttributes = (key: RequestKey, method: string): Attributes => ({
    ...base,
    'mcp.method.name': preview(method, maxLength),
    'jsonrpc.request.id': preview(String(key.requestId), maxLength),
    ...(key.sessionId === undefined ? {} : { 'mcp.session.id': preview(key.sessionId, maxLength) }),
  });

  /** A served request's parent: its valid remote trace context, the ambient context a link. */
  const parentOf = (tc: TraceContext | undefined): { readonly ctx: Context | undefined; readonly links: Link[] } => {
    if (tc === undefined || !extract) return { ctx: undefined, links: [] };
    const active = context.active();
    const ambient = trace.getSpanContext(active);
    const remote: SpanContext = { traceId: tc.traceId, spanId: tc.spanId, traceFlags: tc.traceFlags, isRemote: true, ...(tc.traceState === undefined ? {} : { traceState: createTraceState(tc.traceState) }) };
    return { ctx: trace.setSpanContext(active, remote), links: ambient !== undefined && isSpanContextValid(ambient) ? [{ context: ambient }] : [] };
  };

  interface Start {
    readonly key: RequestKey;
    readonly method: string;
    readonly at: number;
    readonly target?: RequestTarget;
    readonly protocolVersion?: string;
    readonly trace?: TraceContext;
    readonly sender?: string;
  }

  const start = (d: RequestDirection, s: Start): void => {
    const map = open[d];
    const id = RequestKey.toString(s.key);
    // the peer rejects a duplicate id before it is received: a second start is not ours to count
    if (map.has(id)) return;
    if (map.size >= maxOpen) {
      // a flood cannot grow memory: past the bound a request is counted, not tracked
      m?.untracked.add(1, { ...base, 'mcp_rx_cancel.direction': d });
      return;
    }
    const method = methodName(preview(s.method, maxLength));
    const version = s.protocolVersion ?? versions.get(sessionOf(s.key));
    const metric: Attributes = { ...base, 'mcp.method.name': method };
    const attributes = keyAttributes(s.key, s.method);
    if (version !== undefined) metric['mcp.protocol.version'] = attributes['mcp.protocol.version'] = version;
    let name = method;
    if (s.target !== undefined) {
      const real = preview(s.target.name, maxLength);
      const low = targetName(real);
      const attribute = s.target.kind === 'tool' ? 'gen_ai.tool.name' : 'gen_ai.prompt.name';
      attributes[attribute] = real;
      metric[attribute] = low;
      if (low !== OTHER && method !== OTHER) name = `${method} ${low}`;
    }
    if (s.method === 'tools/call') metric['gen_ai.operation.name'] = attributes['gen_ai.operation.name'] = 'execute_tool';
    if (s.sender !== undefined) attributes['mcp_rx_cancel.sender'] = preview(s.sender, maxLength);
    const kind = d === 'served' ? SpanKind.SERVER : SpanKind.CLIENT;
    let span: Span | undefined;
    if (tracer !== undefined) {
      const { ctx, links } = d === 'served' ? parentOf(s.trace) : { ctx: undefined, links: [] };
      span = tracer.startSpan(name, { kind, attributes, ...(links.length === 0 ? {} : { links }) }, ctx);
    }
    map.set(id, { key: s.key, span, startAt: s.at, metric, method: s.method });
    m?.inFlight.add(1, { ...base, 'mcp_rx_cancel.direction': d });
  };

  interface End {
    readonly outcome: RequestSpanOutcome;
    /** Ours, on the span only (reasons, timeouts). */
    readonly extra?: Attributes;
    /** The conventions' `error.type`: the request failed (for an error response, left to `code`). */
    readonly errorType?: string;
    /**
     * The JSON-RPC code of an error response: `error.type` and `rpc.response.status_code`, both
     * through the code budget (known codes as themselves, the rest `_OTHER` past maxNames); the
     * span's status code is the real one, as its tool name is.
     */
    readonly code?: number;
    /** The status description (bounded here). */
    readonly message?: string;
    /** The version an initialize negotiated. */
    readonly protocolVersion?: string;
  }

  /** The one end of a tracked request: removed, its span ended, in-flight decremented, duration recorded. */
  const end = (d: RequestDirection, key: RequestKey, at: number | undefined, e: End): void => {
    const map = open[d];
    const id = RequestKey.toString(key);
    const t = map.get(id);
    if (t === undefined) return;
    map.delete(id);
    m?.inFlight.add(-1, { ...base, 'mcp_rx_cancel.direction': d });
    const outcome: Attributes = { 'mcp_rx_cancel.request.outcome': e.outcome };
    const code = e.code === undefined ? undefined : codeName(String(e.code));
    const errorType = code ?? e.errorType;
    if (errorType !== undefined) outcome['error.type'] = errorType;
    if (code !== undefined) outcome['rpc.response.status_code'] = code;
    if (e.protocolVersion !== undefined) outcome['mcp.protocol.version'] = e.protocolVersion;
    if (at !== undefined) (d === 'served' ? m?.serverDuration : m?.clientDuration)?.record(Math.max(0, at - t.startAt) / 1000, { ...t.metric, ...outcome });
    const { span } = t;
    if (span === undefined) return;
    // one request's span may say which code it was (an integer: short); error.type stays the bounded one
    span.setAttributes({ ...e.extra, ...outcome, ...(e.code === undefined ? {} : { 'rpc.response.status_code': String(e.code) }) });
    // the conventions: ERROR when error.type is set, described by the error's message
    if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: preview(e.message ?? errorType, maxLength) });
    span.end();
    recent.set(idOf(d, key), { context: span.spanContext(), method: t.method });
    if (recent.size > RECENT_ENDED) recent.delete(recent.keys().next().value as string);
  };

  const endAll = (e: End, at: number | undefined, sessionId?: string): void => {
    for (const d of ['served', 'sent'] as const)
      for (const { key } of [...open[d].values()])
        // each its own step: one span that fails to end leaves the others to end
        if (sessionId === undefined || key.sessionId === sessionId) guarded(() => end(d, key, at, e));
  };

  /** An event about a request: on its span while open, else on a zero-length span linked to its ended one. */
  const annotate = (d: RequestDirection, key: RequestKey | undefined, name: string, attributes: Attributes): void => {
    if (tracer === undefined) return;
    const t = key === undefined ? undefined : open[d].get(RequestKey.toString(key));
    if (t?.span !== undefined) return void t.span.addEvent(name, attributes);
    const ended = key === undefined ? undefined : recent.get(idOf(d, key));
    const span = tracer.startSpan(name, {
      kind: d === 'served' ? SpanKind.SERVER : SpanKind.CLIENT,
      attributes: { ...base, ...(key === undefined ? {} : keyAttributes(key, ended?.method ?? '')), ...attributes },
      ...(ended === undefined ? {} : { links: [{ context: ended.context }] }),
    });
    span.addEvent(name, attributes);
    span.end();
  };

  /** An initialize negotiated a version: its session's later requests run it. */
  const negotiated = (key: RequestKey, version: string | undefined): void => {
    if (version === undefined) return;
    versions.delete(sessionOf(key));
    versions.set(sessionOf(key), version);
    if (versions.size > maxOpen) versions.delete(versions.keys().next().value as string);
  };

  const cancelExtra = (source: string, reason: string | undefined, truncated?: boolean): Attributes => ({
    'mcp_rx_cancel.cancel.source': source,
    ...(reason === undefined ? {} : { 'mcp_rx_cancel.cancel.reason': preview(reason, maxLength) }),
    ...(truncated === true ? { 'mcp_rx_cancel.cancel.reason_truncated': true } : {}),
  });

  const record = (e: PeerEvent | HttpEvent): void => {
    switch (e.type) {
      // served
      case 'request-received':
        return start('served', e);
      case 'request-completed':
        negotiated(e.key, e.protocolVersion);
        return end('served', e.key, e.at, e.toolError === true
          ? { outcome: 'completed', errorType: 'tool_error', message: 'tool error (isError: true)', ...(e.protocolVersion === undefined ? {} : { protocolVersion: e.protocolVersion }) }
          : { outcome: 'completed', ...(e.protocolVersion === undefined ? {} : { protocolVersion: e.protocolVersion }) });
      case 'request-failed':
        return end('served', e.key, e.at, { outcome: 'failed', code: e.code, message: e.error.message });
      case 'request-cancelled': {
        m?.cancels.add(1, { ...base, 'mcp_rx_cancel.direction': 'served', 'mcp_rx_cancel.cancel.source': e.reason.source });
        const extra = cancelExtra(e.reason.source, e.reason.reason, e.reasonTruncated);
        // a close is not the request's doing, but it did not get its answer: an error all the same
        return end('served', e.key, e.at, e.reason.source === 'close'
          ? { outcome: 'closed', extra, errorType: 'connection_closed', message: 'connection closed' }
          : { outcome: 'cancelled', extra });
      }
      case 'cancel-ignored':
        m?.cancelIgnored.add(1, { ...base, 'mcp_rx_cancel.cancel.ignored.why': e.why });
        return annotate('served', e.key, 'cancel-ignored', {
          'mcp_rx_cancel.cancel.ignored.why': e.why,
          'mcp_rx_cancel.sender': preview(e.sender, maxLength),
          ...(e.reason === undefined ? {} : { 'mcp_rx_cancel.cancel.reason': preview(e.reason, maxLength) }),
        });
      case 'cleanup-failed':
        m?.cleanupFailures.add(1, { ...base, 'mcp.method.name': methodName(preview(e.method, maxLength)) });
        return annotate('served', e.key, 'cleanup-failed', { 'error.message': preview(e.error.message, maxLength) });
      // sent
      case 'request-sent':
        return start('sent', e);
      case 'response-received':
        if (!e.ok) {
          const code = e.error?.code;
          const message = e.error?.message;
          return end('sent', e.key, e.at, {
            outcome: 'failed',
            ...(code === undefined ? { errorType: OTHER } : { code }),
            message: typeof message === 'string' ? message : 'error response',
          });
        }
        negotiated(e.key, e.protocolVersion);
        if (e.method === 'initialize' && clientSessions.size < maxOpen)
          clientSessions.set(sessionOf(e.key), { at: open.sent.get(RequestKey.toString(e.key))?.startAt ?? e.at, version: e.protocolVersion });
        return end('sent', e.key, e.at, {
          outcome: 'completed',
          ...(e.toolError === true ? { errorType: 'tool_error', message: 'tool error (isError: true)' } : {}),
          ...(e.protocolVersion === undefined ? {} : { protocolVersion: e.protocolVersion }),
        });
      case 'request-timeout':
        return end('sent', e.key, e.at, {
          outcome: 'timeout',
          extra: { 'mcp_rx_cancel.timeout.ms': e.timeoutMs, 'mcp_rx_cancel.timeout.kind': e.kind },
          errorType: 'timeout',
          message: `timed out after ${e.timeoutMs} ms`,
        });
      case 'cancel-sent':
        m?.cancels.add(1, { ...base, 'mcp_rx_cancel.direction': 'sent', 'mcp_rx_cancel.cancel.source': e.source });
        // after a timeout the span has ended already (request-timeout comes first): this is a no-op then
        return end('sent', e.key, e.at, { outcome: 'cancelled', extra: cancelExtra(e.source, e.reason) });
      case 'response-rejected':
        return end('sent', e.key, e.at, { outcome: 'failed', errorType: 'invalid_response', message: e.error.message });
      case 'request-send-failed':
        return end('sent', e.key, e.at, { outcome: 'failed', errorType: 'send_failed', message: e.error.message });
      case 'late-response-dropped':
        m?.lateResponses.add(1, { ...base, 'mcp_rx_cancel.late_response.why': e.why });
        return annotate('sent', e.key, 'late-response-dropped', { 'mcp_rx_cancel.late_response.why': e.why });
      // connection
      case 'connection-closed':
        // a client's sessions end with their connection (a 2026 client has none: no initialize)
        for (const { at, version } of clientSessions.values())
          guarded(() => m?.clientSession.record(Math.max(0, e.at - at) / 1000, { ...base, ...(version === undefined ? {} : { 'mcp.protocol.version': version }), ...(e.error === undefined ? {} : { 'error.type': 'connection_closed' }) }));
        clientSessions.clear();
        return endAll({ outcome: 'closed', errorType: 'connection_closed', message: e.error === undefined ? 'connection closed' : `connection closed: ${e.error.message}` }, e.at);
      // the Streamable HTTP transport
      case 'session-opened':
        if (sessions.has(e.sessionId) || sessions.size >= maxOpen) return;
        sessions.set(e.sessionId, e.at);
        return void m?.httpSessions.add(1, base);
      case 'session-closed': {
        const opened = sessions.get(e.sessionId);
        const version = versions.get(e.sessionId);
        versions.delete(e.sessionId);
        if (opened !== undefined) {
          sessions.delete(e.sessionId);
          m?.httpSessions.add(-1, base);
          m?.serverSession.record(Math.max(0, e.at - opened) / 1000, { ...base, 'mcp_rx_cancel.session.close_reason': e.why, ...(version === undefined ? {} : { 'mcp.protocol.version': version }) });
        }
        return endAll({ outcome: 'closed', errorType: 'session_closed', message: `session closed (${e.why})` }, e.at, e.sessionId);
      }
      case 'http-rejected':
        // the status and code are the transport's own (a handful of values), never the request's path or headers
        return void m?.httpRejected.add(1, { ...base, 'http.response.status_code': e.status, ...(e.code === undefined ? {} : { 'rpc.response.status_code': String(e.code) }) });
      case 'http-failed':
        return void m?.httpFailures.add(1, { ...base, 'mcp_rx_cancel.http.failure': e.what });
      case 'stream-closed':
        return void m?.streamsClosed.add(1, { ...base, 'mcp_rx_cancel.http.stream.cancelled': e.cancelled, 'mcp_rx_cancel.era': e.era });
      case 'message-dropped':
        return void m?.messagesDropped.add(1, { ...base, 'mcp_rx_cancel.http.dropped.why': e.why });
      default:
        return undefined;
    }
  };

  const finish = (): void => {
    unbind();
    endAll({ outcome: 'unobserved' }, undefined);
    // the sessions still open are no longer counted by this call
    if (sessions.size > 0) guarded(() => m?.httpSessions.add(-sessions.size, base));
    sessions.clear();
  };

  // what the propagation reads: the open CLIENT span of a sent request, by its key
  const lookup = (key: RequestKey): SpanContext | undefined => open.sent.get(RequestKey.toString(key))?.span?.spanContext();
  const unbind = propagation === undefined ? () => undefined : bind(propagation, lookup);

  const subscription = new Subscription();
  subscription.add(
    events$.subscribe({
      next: (e) => guarded(() => record(e)),
      // the stream ended: nothing more will end what is open
      complete: finish,
      error: finish,
    }),
  );
  // registered after the source: its teardown runs once the events stopped (a no-op if they ended)
  subscription.add(finish);
  return subscription;
};
