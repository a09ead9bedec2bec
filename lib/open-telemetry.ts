/**
 * OpenTelemetry for every request: a span per request served and sent (the cancel, the timeout
 * and the close told apart), metrics of in-flight, cancels, cleanup failures and durations, and
 * W3C trace context carried in `_meta`. Needs `@opentelemetry/api`; nothing else of the package
 * loads it.
 *
 * @example
 * ```ts
 * import { trace, metrics } from '@opentelemetry/api';
 * import { toOpenTelemetry } from 'mcp-rx-cancel/open-telemetry';
 *
 * toOpenTelemetry(peer.events$, { tracer: trace.getTracer('my-server'), meter: metrics.getMeter('my-server') });
 * ```
 *
 * @module mcp-rx-cancel/open-telemetry
 */

export * from './observability/open-telemetry.js';
