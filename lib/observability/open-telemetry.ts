// Types only: `@opentelemetry/api` is an optional peer dependency, and a program that never calls
// toOpenTelemetry must never load it. Everything we need at run time comes from the tracer and
// meter the caller passes (the enums are written as their numeric values below).
import type {
  Attributes,
  Counter,
  Histogram,
  Meter,
  Span,
  SpanContext,
  SpanKind,
  SpanStatusCode,
  Tracer,
  UpDownCounter,
} from '@opentelemetry/api';
import { Subscription, type Observable } from 'rxjs';
import { RequestKey } from '../manager/request-key.js';
import type { PeerEvent } from '../peer/events.js';
import type { HttpEvent } from '../transport/http/events.js';

// the values of the api's enums, typed as them: no runtime import of the package
const SERVER = 1 as SpanKind;
const CLIENT = 2 as SpanKind;
const ERROR = 2 as SpanStatusCode;

/** Default bound on the spans open at once (see {@link OpenTelemetryOptions.maxOpenSpans}). */
export const DEFAULT_MAX_OPEN_SPANS = 100_000;
/** Default bound, in characters, on a cancel reason or error message put on a span. */
export const DEFAULT_MAX_ATTRIBUTE_LENGTH = 256;
// ended spans remembered for events that come after the end (cleanup failures, late responses)
const RECENT_ENDED = 1_024;

/** Which half of a peer a request belongs to: one it serves, or one it sent. */
export type RequestDirection = 'served' | 'sent';

/**
 * How a request's span ended (attribute `mcp.request.outcome`): `completed` and `failed` are
 * its response, `cancelled` a cancellation (either side), `timeout` the sender's timer,
 * `closed` its connection (or HTTP session) closing, `unobserved` the subscription of
 * toOpenTelemetry ending before the request did.
 */
export type RequestSpanOutcome = 'completed' | 'failed' | 'cancelled' | 'timeout' | 'closed' | 'unobserved';

/** Options of {@link toOpenTelemetry}. At least one of `tracer` and `meter` is needed. */
export interface OpenTelemetryOptions {
  /** Where spans go, e.g. `trace.getTracer('mcp-rx-cancel')`. Absent: no spans. */
  readonly tracer?: Tracer;
  /** Where metrics go, e.g. `metrics.getMeter('mcp-rx-cancel')`. Absent: no metrics. */
  readonly meter?: Meter;
  /** Put on every span and every metric point (e.g. `{ 'service.instance.id': host }`). */
  readonly attributes?: Attributes;
  /** Requests tracked at once, per direction; past it a new request gets no span and no metric but `mcp.requests.untracked`. Default 100,000. */
  readonly maxOpenSpans?: number;
  /** Longest cancel reason or error message put on a span (it comes from the peer). Default 256. */
  readonly maxAttributeLength?: number;
  /** Called when the tracer or meter threw while recording an event (the event is skipped, nothing else). */
  readonly onError?: (error: unknown) => void;
}

interface Tracked {
  readonly key: RequestKey;
  readonly span: Span | undefined;
  readonly startAt: number;
  readonly method: string;
}

interface Instruments {
  readonly inFlight: UpDownCounter;
  readonly cancels: Counter;
  readonly cancelIgnored: Counter;
  readonly cleanupFailures: Counter;
  readonly lateResponses: Counter;
  readonly untracked: Counter;
  readonly duration: Histogram;
}

const instrumentsOf = (meter: Meter): Instruments => ({
  inFlight: meter.createUpDownCounter('mcp.requests.in_flight', { description: 'Requests in flight, by direction (served | sent)', unit: '{request}' }),
  cancels: meter.createCounter('mcp.cancels', { description: 'Cancellations, by source (peer | caller | timeout | close) and direction', unit: '{cancel}' }),
  cancelIgnored: meter.createCounter('mcp.cancels.ignored', { description: 'Cancellations that changed nothing, by why', unit: '{cancel}' }),
  cleanupFailures: meter.createCounter('mcp.cleanup.failures', { description: 'Cleanups that threw or rejected', unit: '{failure}' }),
  lateResponses: meter.createCounter('mcp.responses.late', { description: 'Responses dropped because their request had ended, by why', unit: '{response}' }),
  untracked: meter.createCounter('mcp.requests.untracked', { description: 'Requests given no span nor metric because maxOpenSpans were open', unit: '{request}' }),
  duration: meter.createHistogram('mcp.request.duration', { description: 'Request duration, by direction and outcome', unit: 'ms' }),
});

const bounded = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max)}…`);

/**
 * Record a peer's events (and, optionally, a Streamable HTTP transport's) as OpenTelemetry spans
 * and metrics. One span per request, served (SERVER) or sent (CLIENT), named after its method,
 * from `request-received`/`request-sent` to its one end, with `mcp.method.name`,
 * `jsonrpc.request.id`, `mcp.session.id`, `mcp.request.outcome`, `mcp.cancel.source`,
 * `mcp.cancel.reason` (bounded) and `rpc.jsonrpc.error_code`; status ERROR on failure, timeout
 * or close. Span events: `cancel-ignored` (with `why`), `cleanup-failed`, `late-response-dropped`
 * (an event that comes after its span ended becomes a zero-length span linked to it).
 * Metrics: `mcp.requests.in_flight`, `mcp.cancels`, `mcp.cancels.ignored`,
 * `mcp.cleanup.failures`, `mcp.responses.late`, `mcp.requests.untracked`, `mcp.request.duration` (ms,
 * measured on the peer's scheduler).
 *
 * Pass one peer's `events$` per call: `connection-closed` ends every span this call holds.
 * Unsubscribing ends the spans still open (outcome `unobserved`) and takes them out of in-flight.
 * `@opentelemetry/api` is an optional peer dependency: this module imports only its types, and
 * the tracer and meter come from the caller.
 *
 * @example
 * import { metrics, trace } from '@opentelemetry/api';
 * import { toOpenTelemetry } from 'mcp-rx-cancel/open-telemetry';
 * const peer = createPeer(incoming$, { handlers });
 * const otel = toOpenTelemetry(peer.events$, { tracer: trace.getTracer('mcp'), meter: metrics.getMeter('mcp') });
 * // later: otel.unsubscribe();
 */
export const toOpenTelemetry = (events$: Observable<PeerEvent | HttpEvent>, options: OpenTelemetryOptions): Subscription => {
  const { tracer, meter, onError } = options;
  if (tracer === undefined && meter === undefined) throw new TypeError('toOpenTelemetry: give a tracer, a meter or both');
  const maxOpen = options.maxOpenSpans ?? DEFAULT_MAX_OPEN_SPANS;
  if (!(Number.isInteger(maxOpen) && maxOpen >= 0)) throw new TypeError(`toOpenTelemetry: maxOpenSpans must be a non-negative integer, got ${String(maxOpen)}`);
  const maxLength = options.maxAttributeLength ?? DEFAULT_MAX_ATTRIBUTE_LENGTH;
  if (!(Number.isInteger(maxLength) && maxLength > 0)) throw new TypeError(`toOpenTelemetry: maxAttributeLength must be a positive integer, got ${String(maxLength)}`);
  const base: Attributes = options.attributes ?? {};
  const m = meter === undefined ? undefined : instrumentsOf(meter);

  // one map per direction, always deleted at the request's one end
  const open: Record<RequestDirection, Map<string, Tracked>> = { served: new Map(), sent: new Map() };
  // insertion-ordered, so the oldest is the first to go: bounded like everything else here
  const recent = new Map<string, { readonly context: SpanContext; readonly method: string }>();

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
    'mcp.method.name': method,
    'jsonrpc.request.id': String(key.requestId),
    ...(key.sessionId === undefined ? {} : { 'mcp.session.id': key.sessionId }),
  });

  const start = (d: RequestDirection, key: RequestKey, method: string, at: number, sender?: string): void => {
    const map = open[d];
    const id = RequestKey.toString(key);
    // the peer rejects a duplicate id before it is received: a second start is not ours to count
    if (map.has(id)) return;
    if (map.size >= maxOpen) {
      // a flood cannot grow memory: past the bound a request is counted, not tracked
      m?.untracked.add(1, { ...base, direction: d });
      return;
    }
    const attributes = keyAttributes(key, method);
    if (sender !== undefined) attributes['mcp.sender'] = sender;
    const span = tracer?.startSpan(method, { kind: d === 'served' ? SERVER : CLIENT, attributes });
    map.set(id, { key, span, startAt: at, method });
    m?.inFlight.add(1, { ...base, direction: d });
  };

  /** The one end of a tracked request: removed, its span ended, in-flight decremented, duration recorded. */
  const end = (d: RequestDirection, key: RequestKey, at: number | undefined, outcome: RequestSpanOutcome, extra: Attributes = {}, error?: string): void => {
    const map = open[d];
    const id = RequestKey.toString(key);
    const t = map.get(id);
    if (t === undefined) return;
    map.delete(id);
    m?.inFlight.add(-1, { ...base, direction: d });
    if (at !== undefined) m?.duration.record(Math.max(0, at - t.startAt), { ...base, direction: d, 'mcp.method.name': t.method, 'mcp.request.outcome': outcome });
    const { span } = t;
    if (span === undefined) return;
    span.setAttributes({ ...extra, 'mcp.request.outcome': outcome });
    if (error !== undefined) span.setStatus({ code: ERROR, message: bounded(error, maxLength) });
    span.end();
    recent.set(idOf(d, key), { context: span.spanContext(), method: t.method });
    if (recent.size > RECENT_ENDED) recent.delete(recent.keys().next().value as string);
  };

  const endAll = (outcome: RequestSpanOutcome, at: number | undefined, error?: string, sessionId?: string): void => {
    for (const d of ['served', 'sent'] as const)
      for (const { key } of [...open[d].values()])
        // each its own step: one span that fails to end leaves the others to end
        if (sessionId === undefined || key.sessionId === sessionId) guarded(() => end(d, key, at, outcome, {}, error));
  };

  /** An event about a request: on its span while open, else on a zero-length span linked to its ended one. */
  const annotate = (d: RequestDirection, key: RequestKey | undefined, name: string, attributes: Attributes): void => {
    if (tracer === undefined) return;
    const t = key === undefined ? undefined : open[d].get(RequestKey.toString(key));
    if (t?.span !== undefined) return void t.span.addEvent(name, attributes);
    const ended = key === undefined ? undefined : recent.get(idOf(d, key));
    const span = tracer.startSpan(name, {
      kind: d === 'served' ? SERVER : CLIENT,
      attributes: { ...base, ...(key === undefined ? {} : keyAttributes(key, ended?.method ?? '')), ...attributes },
      ...(ended === undefined ? {} : { links: [{ context: ended.context }] }),
    });
    span.addEvent(name, attributes);
    span.end();
  };

  const record = (e: PeerEvent | HttpEvent): void => {
    switch (e.type) {
      // served
      case 'request-received':
        return start('served', e.key, e.method, e.at, e.sender);
      case 'request-completed':
        return end('served', e.key, e.at, 'completed');
      case 'request-failed':
        return end('served', e.key, e.at, 'failed', { 'rpc.jsonrpc.error_code': e.code, 'error.type': String(e.code) }, e.error.message);
      case 'request-cancelled': {
        m?.cancels.add(1, { ...base, direction: 'served', 'mcp.cancel.source': e.reason.source });
        const extra: Attributes = { 'mcp.cancel.source': e.reason.source };
        if (e.reason.reason !== undefined) extra['mcp.cancel.reason'] = bounded(e.reason.reason, maxLength);
        if (e.reasonTruncated === true) extra['mcp.cancel.reason_truncated'] = true;
        // a close is not the request's doing, but it did not get its answer: an error all the same
        return end('served', e.key, e.at, e.reason.source === 'close' ? 'closed' : 'cancelled', extra, e.reason.source === 'close' ? 'connection closed' : undefined);
      }
      case 'cancel-ignored':
        m?.cancelIgnored.add(1, { ...base, 'mcp.cancel.ignored.why': e.why });
        return annotate('served', e.key, 'cancel-ignored', {
          'mcp.cancel.ignored.why': e.why,
          'mcp.sender': e.sender,
          ...(e.reason === undefined ? {} : { 'mcp.cancel.reason': bounded(e.reason, maxLength) }),
        });
      case 'cleanup-failed':
        m?.cleanupFailures.add(1, { ...base, 'mcp.method.name': e.method });
        return annotate('served', e.key, 'cleanup-failed', { 'error.message': bounded(e.error.message, maxLength) });
      // sent
      case 'request-sent':
        return start('sent', e.key, e.method, e.at);
      case 'response-received':
        return e.ok ? end('sent', e.key, e.at, 'completed') : end('sent', e.key, e.at, 'failed', { 'error.type': 'error-response' }, 'error response');
      case 'request-timeout':
        return end('sent', e.key, e.at, 'timeout', { 'mcp.request.timeout_ms': e.timeoutMs, 'mcp.request.timeout_kind': e.kind, 'error.type': 'timeout' }, `timed out after ${e.timeoutMs} ms`);
      case 'cancel-sent': {
        m?.cancels.add(1, { ...base, direction: 'sent', 'mcp.cancel.source': e.source });
        const extra: Attributes = { 'mcp.cancel.source': e.source };
        if (e.reason !== undefined) extra['mcp.cancel.reason'] = bounded(e.reason, maxLength);
        // after a timeout the span has ended already (request-timeout comes first): this is a no-op then
        return end('sent', e.key, e.at, 'cancelled', extra);
      }
      case 'response-rejected':
      case 'request-send-failed':
        return end('sent', e.key, e.at, 'failed', { 'error.type': e.type }, e.error.message);
      case 'late-response-dropped':
        m?.lateResponses.add(1, { ...base, 'mcp.late_response.why': e.why });
        return annotate('sent', e.key, 'late-response-dropped', { 'mcp.late_response.why': e.why });
      // connection
      case 'connection-closed':
        return endAll('closed', e.at, e.error === undefined ? 'connection closed' : `connection closed: ${e.error.message}`);
      case 'session-closed':
        return endAll('closed', e.at, `session closed (${e.why})`, e.sessionId);
      default:
        return undefined;
    }
  };

  const finish = (): void => endAll('unobserved', undefined);

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
