// The `mcp-rx-cancel/open-telemetry` subpath: toOpenTelemetry, composed of a part per kind of
// event (served and sent requests' spans, the HTTP transport's events) over one table of spans and
// one of sessions. `@opentelemetry/api` is loaded at run time in this folder, and only here: whoever
// calls it has the api installed (it is an optional peer dependency). The main entry never imports
// it, not even its types.
import { Subscription, type Observable } from 'rxjs';
import type { PeerEvent } from '../peer/events.js';
import type { HttpEvent } from '../transport/http/events.js';
import { httpTransport } from './http-transport.js';
import { recordingOf, type OpenTelemetryOptions } from './options.js';
import { bind } from './propagation.js';
import { RequestSpans } from './request-spans.js';
import { sentSpans } from './sent-spans.js';
import { servedSpans } from './served-spans.js';
import { Sessions } from './sessions.js';

// the subpath's whole API: this module and what it is built of
export { DURATION_BUCKETS } from './instruments.js';
export { OTHER } from './names.js';
export {
  DEFAULT_MAX_ATTRIBUTE_LENGTH,
  DEFAULT_MAX_NAMES,
  DEFAULT_MAX_OPEN_SPANS,
  type McpTransport,
  type OpenTelemetryOptions,
} from './options.js';
export { tracePropagation, type TracePropagation } from './propagation.js';
export type { RequestDirection, RequestSpanOutcome } from './request-spans.js';

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
  const r = recordingOf(options);
  const { propagation } = options;
  const sessions = new Sessions(r);
  const spans = new RequestSpans(r, (key) => sessions.versionOf(key));
  const served = servedSpans(r, spans, sessions);
  const sent = sentSpans(r, spans, sessions);
  const http = httpTransport(r, spans, sessions);

  const record = (e: PeerEvent | HttpEvent): void => {
    switch (e.type) {
      case 'request-received':
      case 'request-completed':
      case 'request-failed':
      case 'request-cancelled':
      case 'cancel-ignored':
      case 'cleanup-failed':
        return served(e);
      case 'request-sent':
      case 'response-received':
      case 'request-timeout':
      case 'cancel-sent':
      case 'response-rejected':
      case 'request-send-failed':
      case 'late-response-dropped':
        return sent(e);
      case 'connection-closed':
        sessions.connectionClosed(e.at, e.error !== undefined);
        return spans.endAll({ outcome: 'closed', errorType: 'connection_closed', message: e.error === undefined ? 'connection closed' : `connection closed: ${e.error.message}` }, e.at);
      case 'session-opened':
      case 'session-closed':
      case 'http-rejected':
      case 'http-failed':
      case 'stream-closed':
      case 'message-dropped':
        return http(e);
      default:
        return undefined;
    }
  };

  const finish = (): void => {
    unbind();
    spans.endAll({ outcome: 'unobserved' }, undefined);
    sessions.finish();
  };

  // what the propagation reads: the open CLIENT span of a sent request, by its key
  const unbind = propagation === undefined ? () => undefined : bind(propagation, (key) => spans.clientSpan(key));

  const subscription = new Subscription();
  subscription.add(
    events$.subscribe({
      next: (e) => r.guarded(() => record(e)),
      // the stream ended: nothing more will end what is open
      complete: finish,
      error: finish,
    }),
  );
  // registered after the source: its teardown runs once the events stopped (a no-op if they ended)
  subscription.add(finish);
  return subscription;
};
