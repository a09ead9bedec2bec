// The span of each request, served (SERVER) or sent (CLIENT): started at its first event, ended
// once at its one end with its duration recorded, and remembered a while after for what comes late.
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
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { extend } from '../codec/extend.js';
import { preview } from '../codec/preview.js';
import type { RequestTarget } from '../codec/target.js';
import type { TraceContext } from '../codec/trace-context.js';
import { RequestKey } from '../manager/request-key.js';
import { OTHER } from './names.js';
import type { Recording } from './options.js';

// ended spans remembered for events that come after the end (cleanup failures, late responses)
const RECENT_ENDED = 1_024;

/**
 * Which half of a peer a request belongs to: one it serves, or one it sent (attribute
 * `mcp_rx_cancel.direction` of the in-flight, cancel and untracked metrics).
 *
 * @example
 * const inFlight = (points: ReadonlyArray<{ attributes: Attributes; value: number }>, d: RequestDirection): number =>
 *   points.filter((p) => p.attributes['mcp_rx_cancel.direction'] === d).reduce((n, p) => n + p.value, 0);
 */
export type RequestDirection = 'served' | 'sent';

/**
 * How a request's span ended (attribute `mcp_rx_cancel.request.outcome`): `completed` and
 * `failed` are its response, `cancelled` a cancellation (either side), `timeout` the sender's
 * timer, `closed` its connection (or HTTP session) closing, `unobserved` the subscription of
 * toOpenTelemetry ending before the request did.
 *
 * @example
 * const unanswered: ReadonlyArray<RequestSpanOutcome> = ['cancelled', 'timeout', 'closed'];
 * exporter.getFinishedSpans().filter((s) => unanswered.some((o) => s.attributes['mcp_rx_cancel.request.outcome'] === o));
 */
export type RequestSpanOutcome = 'completed' | 'failed' | 'cancelled' | 'timeout' | 'closed' | 'unobserved';

interface Tracked {
  readonly key: RequestKey;
  readonly span: Span | undefined;
  readonly startAt: number;
  /** The low-cardinality attributes the duration metric is recorded with. */
  readonly metric: Attributes;
  readonly method: string;
}

/** What a request's first event (`request-received`, `request-sent`) says of it: its span's start. */
export interface SpanStart {
  readonly key: RequestKey;
  readonly method: string;
  readonly at: number;
  readonly target?: RequestTarget;
  readonly protocolVersion?: string;
  readonly trace?: TraceContext;
  readonly sender?: string;
}

/** How a request ended: what its span and its duration are recorded with. */
export interface SpanEnd {
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

const idOf = (d: RequestDirection, key: RequestKey): string => `${d}:${RequestKey.toString(key)}`;
const kindOf = (d: RequestDirection): SpanKind => (d === 'served' ? SpanKind.SERVER : SpanKind.CLIENT);

/** The `mcp_rx_cancel.cancel.*` attributes of a cancelled request's span. */
export const cancelAttributes = (maxLength: number, source: string, reason: string | undefined, truncated?: boolean): Attributes => ({
  'mcp_rx_cancel.cancel.source': source,
  ...(reason === undefined ? {} : { 'mcp_rx_cancel.cancel.reason': preview(reason, maxLength) }),
  ...(truncated === true ? { 'mcp_rx_cancel.cancel.reason_truncated': true } : {}),
});

/**
 * The requests a toOpenTelemetry call tracks, each with its span (when there is a tracer) and
 * its start (for the duration metric), from its first event to its one end.
 */
export class RequestSpans {
  // one map per direction, always deleted at the request's one end
  private readonly open: Record<RequestDirection, Map<string, Tracked>> = { served: new Map(), sent: new Map() };
  // insertion-ordered, so the oldest is the first to go: bounded like everything else here
  private readonly recent = new Map<string, { readonly context: SpanContext; readonly method: string }>();
  // the attributes of in-flight and untracked, per direction: made once, not per request
  private readonly directed: Record<RequestDirection, Attributes>;

  constructor(
    private readonly r: Recording,
    /** The version `key`'s session negotiated, for a request that names none. */
    private readonly versionOf: (key: RequestKey) => string | undefined,
  ) {
    this.directed = { served: extend(r.base, { 'mcp_rx_cancel.direction': 'served' }), sent: extend(r.base, { 'mcp_rx_cancel.direction': 'sent' }) };
  }

  /** A request began: its span started, in-flight incremented (up to maxOpenSpans per direction). */
  start(d: RequestDirection, s: SpanStart): void {
    const { tracer, instruments: m, base, maxLength } = this.r;
    const map = this.open[d];
    const id = RequestKey.toString(s.key);
    // the peer rejects a duplicate id before it is received: a second start is not ours to count
    if (map.has(id)) return;
    if (map.size >= this.r.maxOpen) {
      // a flood cannot grow memory: past the bound a request is counted, not tracked
      m?.untracked.add(1, this.directed[d]);
      return;
    }
    const method = this.r.methodName(preview(s.method, maxLength));
    const version = s.protocolVersion ?? this.versionOf(s.key);
    // built with extend: Node 20 builds a spread followed by members on a slow path
    const metric: Attributes = extend(base, { 'mcp.method.name': method });
    const attributes = this.keyAttributes(s.key, s.method);
    if (version !== undefined) metric['mcp.protocol.version'] = attributes['mcp.protocol.version'] = version;
    let name = method;
    if (s.target !== undefined) {
      const real = preview(s.target.name, maxLength);
      const low = this.r.targetName(real);
      const attribute = s.target.kind === 'tool' ? 'gen_ai.tool.name' : 'gen_ai.prompt.name';
      attributes[attribute] = real;
      metric[attribute] = low;
      if (low !== OTHER && method !== OTHER) name = `${method} ${low}`;
    }
    if (s.method === 'tools/call') metric['gen_ai.operation.name'] = attributes['gen_ai.operation.name'] = 'execute_tool';
    if (s.sender !== undefined) attributes['mcp_rx_cancel.sender'] = preview(s.sender, maxLength);
    let span: Span | undefined;
    if (tracer !== undefined) {
      const { ctx, links } = d === 'served' ? this.parentOf(s.trace) : { ctx: undefined, links: [] };
      span = tracer.startSpan(name, { kind: kindOf(d), attributes, ...(links.length === 0 ? {} : { links }) }, ctx);
    }
    map.set(id, { key: s.key, span, startAt: s.at, metric, method: s.method });
    m?.inFlight.add(1, this.directed[d]);
  }

  /** The one end of a tracked request: removed, its span ended, in-flight decremented, duration recorded. */
  end(d: RequestDirection, key: RequestKey, at: number | undefined, e: SpanEnd): void {
    const { instruments: m } = this.r;
    const map = this.open[d];
    const id = RequestKey.toString(key);
    const t = map.get(id);
    if (t === undefined) return;
    map.delete(id);
    m?.inFlight.add(-1, this.directed[d]);
    const outcome: Attributes = { 'mcp_rx_cancel.request.outcome': e.outcome };
    const code = e.code === undefined ? undefined : this.r.codeName(String(e.code));
    const errorType = code ?? e.errorType;
    if (errorType !== undefined) outcome['error.type'] = errorType;
    if (code !== undefined) outcome['rpc.response.status_code'] = code;
    if (e.protocolVersion !== undefined) outcome['mcp.protocol.version'] = e.protocolVersion;
    if (at !== undefined) (d === 'served' ? m?.serverDuration : m?.clientDuration)?.record(Math.max(0, at - t.startAt) / 1000, extend(t.metric, outcome));
    const { span } = t;
    if (span === undefined) return;
    // one request's span may say which code it was (an integer: short); error.type stays the bounded one
    const ended: Attributes = extend(e.extra ?? {}, outcome);
    if (e.code !== undefined) ended['rpc.response.status_code'] = String(e.code);
    span.setAttributes(ended);
    // the conventions: ERROR when error.type is set, described by the error's message
    if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: preview(e.message ?? errorType, this.r.maxLength) });
    span.end();
    this.recent.set(idOf(d, key), { context: span.spanContext(), method: t.method });
    if (this.recent.size > RECENT_ENDED) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** Ends every tracked request (of `sessionId` only, when given) the same way. */
  endAll(e: SpanEnd, at: number | undefined, sessionId?: string): void {
    for (const d of ['served', 'sent'] as const)
      for (const { key } of [...this.open[d].values()])
        // each its own step: one span that fails to end leaves the others to end
        if (sessionId === undefined || key.sessionId === sessionId) this.r.guarded(() => this.end(d, key, at, e));
  }

  /** An event about a request: on its span while open, else on a zero-length span linked to its ended one. */
  annotate(d: RequestDirection, key: RequestKey | undefined, name: string, attributes: Attributes): void {
    const { tracer, base } = this.r;
    if (tracer === undefined) return;
    const t = key === undefined ? undefined : this.open[d].get(RequestKey.toString(key));
    if (t?.span !== undefined) return void t.span.addEvent(name, attributes);
    const ended = key === undefined ? undefined : this.recent.get(idOf(d, key));
    const span = tracer.startSpan(name, {
      kind: kindOf(d),
      attributes: { ...base, ...(key === undefined ? {} : this.keyAttributes(key, ended?.method ?? '')), ...attributes },
      ...(ended === undefined ? {} : { links: [{ context: ended.context }] }),
    });
    span.addEvent(name, attributes);
    span.end();
  }

  /** When sent request `key` was sent, while it is tracked. */
  sentAt(key: RequestKey): number | undefined {
    return this.open.sent.get(RequestKey.toString(key))?.startAt;
  }

  /** The open CLIENT span of sent request `key`: what the propagation reads. */
  clientSpan(key: RequestKey): SpanContext | undefined {
    return this.open.sent.get(RequestKey.toString(key))?.span?.spanContext();
  }

  private keyAttributes(key: RequestKey, method: string): Attributes {
    const { base, maxLength } = this.r;
    return {
      ...base,
      'mcp.method.name': preview(method, maxLength),
      'jsonrpc.request.id': preview(String(key.requestId), maxLength),
      ...(key.sessionId === undefined ? {} : { 'mcp.session.id': preview(key.sessionId, maxLength) }),
    };
  }

  /** A served request's parent: its valid remote trace context, the ambient context a link. */
  private parentOf(tc: TraceContext | undefined): { readonly ctx: Context | undefined; readonly links: Link[] } {
    if (tc === undefined || !this.r.extract) return { ctx: undefined, links: [] };
    const active = context.active();
    const ambient = trace.getSpanContext(active);
    const remote: SpanContext = { traceId: tc.traceId, spanId: tc.spanId, traceFlags: tc.traceFlags, isRemote: true, ...(tc.traceState === undefined ? {} : { traceState: createTraceState(tc.traceState) }) };
    return { ctx: trace.setSpanContext(active, remote), links: ambient !== undefined && isSpanContextValid(ambient) ? [{ context: ambient }] : [] };
  }
}
