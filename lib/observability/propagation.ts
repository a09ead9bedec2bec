// The W3C trace context of sent requests' spans, onto the wire: the link between a peer's
// requestMeta hook and the toOpenTelemetry call that holds those spans.
import { isSpanContextValid, type SpanContext } from '@opentelemetry/api';
import { META_TRACEPARENT, META_TRACESTATE, TraceParent } from '../codec/trace-context.js';
import type { RequestKey } from '../manager/request-key.js';
import type { OutgoingRequest, RequestMetaHook } from '../peer/request-meta.js';

/**
 * Carries the trace context of the spans toOpenTelemetry starts for a peer's sent requests onto
 * the wire: give `requestMeta` to `createPeer` and the object itself to {@link toOpenTelemetry}
 * (`propagation`), and each request's `params._meta` gets the W3C `traceparent` (and
 * `tracestate`) of its CLIENT span. One per peer, bound to one toOpenTelemetry call at a time.
 *
 * @example
 * const propagation: TracePropagation = tracePropagation();
 * createPeer(incoming$, { requestMeta: propagation.requestMeta });
 */
export interface TracePropagation {
  /** For `createPeer`'s `requestMeta` option. */
  readonly requestMeta: RequestMetaHook;
}

/** What a TracePropagation reads from: the open CLIENT spans of the toOpenTelemetry call it is bound to. */
export type SpanLookup = (key: RequestKey) => SpanContext | undefined;

const bindings = new WeakMap<TracePropagation, SpanLookup>();

/** Whether `p` is bound to a toOpenTelemetry call already (one per peer). */
export const isBound = (p: TracePropagation): boolean => bindings.has(p);

/** Binds `p` to the spans of one toOpenTelemetry call; the function returned unbinds it (if it still is). */
export const bind = (p: TracePropagation, lookup: SpanLookup): (() => void) => {
  bindings.set(p, lookup);
  return () => {
    if (bindings.get(p) === lookup) bindings.delete(p);
  };
};

/**
 * A new {@link TracePropagation}: the link between a peer's outgoing requests and their spans.
 * Until it is bound to a toOpenTelemetry call (or after that call is unsubscribed), it adds nothing.
 * The caller's own `_meta.traceparent`, if it set one, wins.
 *
 * @example
 * import { toOpenTelemetry, tracePropagation } from 'mcp-rx-cancel/open-telemetry';
 * const propagation = tracePropagation();
 * const client = createPeer(incoming$, { requestMeta: propagation.requestMeta });
 * const otel = toOpenTelemetry(client.events$, { tracer, propagation });
 */
export const tracePropagation = (): TracePropagation => {
  const self: TracePropagation = {
    requestMeta: (r: OutgoingRequest) => {
      const sc = bindings.get(self)?.(r.key);
      if (sc === undefined || !isSpanContextValid(sc)) return undefined;
      const traceparent = TraceParent.encode({ traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags });
      const tracestate = sc.traceState?.serialize();
      return tracestate === undefined || tracestate === '' ? { [META_TRACEPARENT]: traceparent } : { [META_TRACEPARENT]: traceparent, [META_TRACESTATE]: tracestate };
    },
  };
  return self;
};
