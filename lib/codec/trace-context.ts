import * as t from 'io-ts';

/**
 * The `_meta` key of the W3C `traceparent` header (written unprefixed, as the MCP conventions of
 * OpenTelemetry say).
 *
 * @example
 * const meta = { [META_TRACEPARENT]: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
 */
export const META_TRACEPARENT = 'traceparent';
/**
 * The `_meta` key of the W3C `tracestate` header.
 *
 * @example
 * const meta = { [META_TRACESTATE]: 'rojo=00f067aa0ba902b7' };
 */
export const META_TRACESTATE = 'tracestate';

/** The length of a version-00 `traceparent`: `00-` + 32 + `-` + 16 + `-` + 2. */
const TRACEPARENT_LENGTH = 55;
/**
 * The longest `traceparent` read at all: a later version may append fields after the 55
 * characters of version 00, and we keep those (but never more than this many characters).
 *
 * @example
 * traceContextOf({ _meta: { traceparent: 'x'.repeat(MAX_TRACEPARENT_LENGTH + 1) } }); // undefined, at once
 */
export const MAX_TRACEPARENT_LENGTH = 256;
/**
 * The longest `tracestate` kept: W3C asks vendors to propagate at least 512 characters.
 *
 * @example
 * traceContextOf({ _meta: { traceparent, tracestate: 'a=1'.padEnd(MAX_TRACESTATE_LENGTH + 1, 'x') } }); // no traceState
 */
export const MAX_TRACESTATE_LENGTH = 512;

const HEX_FIELDS = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-|$)/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
// list-members of printable ASCII, as W3C defines them: no control characters, no DEL
const TRACESTATE_CHARS = /^[\x20-\x7e]*$/;

/**
 * The trace context a request carries in `params._meta`, decoded from W3C Trace Context
 * (https://www.w3.org/TR/trace-context/): the caller's trace, the caller's span (the parent of
 * whatever serves the request) and the sampling flags; `traceState` when a valid one came along.
 *
 * @example
 * const tc: TraceContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
 */
export interface TraceContext {
  /** 32 lowercase hex characters, never all zero. */
  readonly traceId: string;
  /** 16 lowercase hex characters, never all zero. */
  readonly spanId: string;
  /** The flags byte (bit 0: sampled). */
  readonly traceFlags: number;
  /** The vendor-specific `tracestate`, when one came with a valid `traceparent`. */
  readonly traceState?: string;
}

/**
 * What a `traceparent` carries: a {@link TraceContext} without its `traceState`.
 *
 * @example
 * const fields: TraceParentFields = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
 */
export type TraceParentFields = Pick<TraceContext, 'traceId' | 'spanId' | 'traceFlags'>;

/** The fields of a `traceparent`, or `undefined` for one W3C says to ignore. Length first: O(1) on a 10 MB value. */
const parse = (u: unknown): TraceParentFields | undefined => {
  if (typeof u !== 'string' || u.length < TRACEPARENT_LENGTH || u.length > MAX_TRACEPARENT_LENGTH) return undefined;
  const m = HEX_FIELDS.exec(u);
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags] = m as unknown as [string, string, string, string, string];
  // ff is forbidden; version 00 has exactly four fields, and a later one may have more after a '-'
  if (version === 'ff' || (version === '00' && u.length !== TRACEPARENT_LENGTH)) return undefined;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
};

/**
 * A `traceparent` string and the {@link TraceParentFields} it names: decoding
 * validates strictly (version-traceid-spanid-flags, lowercase hex, ids not all zero, version
 * `ff` refused, at most {@link MAX_TRACEPARENT_LENGTH} characters), encoding writes version 00.
 *
 * @example
 * TraceParent.decode('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'); // right({ traceId, spanId, traceFlags: 1 })
 * TraceParent.encode({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
 */
export const TraceParent = new t.Type<TraceParentFields, string, unknown>(
  'TraceParent',
  (u): u is TraceParentFields => {
    if (typeof u !== 'object' || u === null) return false;
    const { traceId, spanId, traceFlags } = u as Record<string, unknown>;
    return typeof traceId === 'string' && typeof spanId === 'string' && Number.isInteger(traceFlags)
      && parse(`00-${traceId}-${spanId}-${((traceFlags as number) & 0xff).toString(16).padStart(2, '0')}`) !== undefined;
  },
  (u, c) => {
    const fields = parse(u);
    return fields === undefined ? t.failure(u, c, 'not a valid W3C traceparent') : t.success(fields);
  },
  (tc) => `00-${tc.traceId}-${tc.spanId}-${(tc.traceFlags & 0xff).toString(16).padStart(2, '0')}`,
);

/**
 * The trace context in a request's `params._meta`, or `undefined` when it carries none or an
 * invalid one: a hostile or broken `traceparent` (too long, bad hex, zero ids, not a string) is
 * ignored, never thrown and never copied; a `tracestate` is kept only beside a valid
 * `traceparent`, and only when it is printable ASCII of at most {@link MAX_TRACESTATE_LENGTH}.
 * Reads only: no allocation for a request without `_meta.traceparent`.
 *
 * @example
 * traceContextOf({ _meta: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
 * // { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }
 * traceContextOf({ _meta: { traceparent: 'x'.repeat(10_000_000) } }); // undefined
 */
export const traceContextOf = (params: unknown): TraceContext | undefined => {
  if (typeof params !== 'object' || params === null) return undefined;
  const meta: unknown = (params as Record<string, unknown>)['_meta'];
  if (typeof meta !== 'object' || meta === null) return undefined;
  const fields = parse((meta as Record<string, unknown>)[META_TRACEPARENT]);
  if (fields === undefined) return undefined;
  const state: unknown = (meta as Record<string, unknown>)[META_TRACESTATE];
  return typeof state === 'string' && state.length > 0 && state.length <= MAX_TRACESTATE_LENGTH && TRACESTATE_CHARS.test(state)
    ? { ...fields, traceState: state }
    : fields;
};
