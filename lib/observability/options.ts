// toOpenTelemetry's options, their defaults, and what they resolve to once per call: the
// instruments, the name budgets, the attributes every span and point carries.
import type { Attributes, Meter, Tracer } from '@opentelemetry/api';
import { instrumentsOf, type Instruments } from './instruments.js';
import { KNOWN_CODES, KNOWN_METHODS, nameBudget } from './names.js';
import { isBound, type TracePropagation } from './propagation.js';

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

/**
 * The MCP transport a peer runs over, for the conventions' `network.*` attributes: `stdio` is
 * `network.transport: pipe`; `streamable-http` is `network.transport: tcp` and
 * `network.protocol.name: http`.
 *
 * @example
 * toOpenTelemetry(peer.events$, { tracer, transport: 'stdio' });
 */
export type McpTransport = 'stdio' | 'streamable-http';

/**
 * Options of {@link toOpenTelemetry}. At least one of `tracer` and `meter` is needed.
 *
 * @example
 * const options: OpenTelemetryOptions = { tracer: trace.getTracer('mcp'), meter: metrics.getMeter('mcp'), transport: 'stdio', maxOpenSpans: 10_000 };
 * toOpenTelemetry(peer.events$, options);
 */
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

/** The options of one toOpenTelemetry call, checked and resolved: what each of its parts records with. */
export interface Recording {
  readonly tracer: Tracer | undefined;
  /** The instruments, made once on the meter; absent without one. */
  readonly instruments: Instruments | undefined;
  /** On every span and every metric point: the caller's attributes and the transport's. */
  readonly base: Attributes;
  readonly maxOpen: number;
  readonly maxLength: number;
  /** Whether a served request's trace context parents its span (`extractTraceContext`). */
  readonly extract: boolean;
  /** A method name as span names and metrics may carry it: itself, or `_OTHER` past maxNames. */
  readonly methodName: (name: string) => string;
  /** The same for a tool or prompt name. */
  readonly targetName: (name: string) => string;
  /** The same for an error code: a peer (or a handler relaying one) picks any integer, so a code is a name too. */
  readonly codeName: (code: string) => string;
  /** Runs one step of recording: the tracer and meter are not ours, one that throws skips the step, never the stream. */
  readonly guarded: (f: () => void) => void;
}

const positiveInteger = (name: string, value: number, min: number): number => {
  if (Number.isInteger(value) && value >= min) return value;
  throw new TypeError(`toOpenTelemetry: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${String(value)}`);
};

/** Checks `options` (a TypeError names the bad one) and resolves them for one toOpenTelemetry call. */
export const recordingOf = (options: OpenTelemetryOptions): Recording => {
  const { tracer, meter, onError, propagation } = options;
  if (tracer === undefined && meter === undefined) throw new TypeError('toOpenTelemetry: give a tracer, a meter or both');
  const maxOpen = positiveInteger('maxOpenSpans', options.maxOpenSpans ?? DEFAULT_MAX_OPEN_SPANS, 0);
  const maxLength = positiveInteger('maxAttributeLength', options.maxAttributeLength ?? DEFAULT_MAX_ATTRIBUTE_LENGTH, 1);
  const maxNames = positiveInteger('maxNames', options.maxNames ?? DEFAULT_MAX_NAMES, 0);
  if (propagation !== undefined && isBound(propagation)) throw new TypeError('toOpenTelemetry: this propagation is bound to another call already (one per peer)');
  const network: Attributes =
    options.transport === 'stdio' ? { 'network.transport': 'pipe' }
    : options.transport === 'streamable-http' ? { 'network.transport': 'tcp', 'network.protocol.name': 'http' }
    : {};
  return {
    tracer,
    instruments: meter === undefined ? undefined : instrumentsOf(meter),
    base: { ...options.attributes, ...network },
    maxOpen,
    maxLength,
    extract: options.extractTraceContext ?? true,
    methodName: nameBudget(maxNames, KNOWN_METHODS),
    targetName: nameBudget(maxNames, new Set()),
    codeName: nameBudget(maxNames, KNOWN_CODES),
    guarded: (f) => {
      try {
        f();
      } catch (error) {
        try {
          onError?.(error);
        } catch {
          // an onError that throws has nowhere further to go
        }
      }
    },
  };
};
