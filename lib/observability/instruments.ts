// The metric instruments toOpenTelemetry records to: the OpenTelemetry MCP conventions' and ours.
import type { Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';

/**
 * The bucket boundaries, in seconds, that the OpenTelemetry MCP conventions give the operation
 * and session duration histograms (passed as the histograms' advice; a View may override them).
 *
 * @example
 * DURATION_BUCKETS; // [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]
 */
export const DURATION_BUCKETS: readonly number[] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

export interface Instruments {
  readonly serverDuration: Histogram;
  readonly clientDuration: Histogram;
  readonly serverSession: Histogram;
  readonly clientSession: Histogram;
  readonly inFlight: UpDownCounter;
  readonly cancels: Counter;
  readonly cancelIgnored: Counter;
  readonly cleanupFailures: Counter;
  readonly lateResponses: Counter;
  readonly untracked: Counter;
  readonly httpRejected: Counter;
  readonly httpFailures: Counter;
  readonly httpSessions: UpDownCounter;
  readonly streamsClosed: Counter;
  readonly messagesDropped: Counter;
}

const seconds = { unit: 's', advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] } };

/** Every instrument, created once on `meter`. */
export const instrumentsOf = (meter: Meter): Instruments => ({
  // the conventions' (https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/)
  serverDuration: meter.createHistogram('mcp.server.operation.duration', { ...seconds, description: 'MCP request duration as observed on the receiver, from received until the result or error is sent (or it is cancelled)' }),
  clientDuration: meter.createHistogram('mcp.client.operation.duration', { ...seconds, description: 'MCP request duration as observed on the sender, from sent until the response is received (or it is cancelled or times out)' }),
  serverSession: meter.createHistogram('mcp.server.session.duration', { ...seconds, description: 'The duration of a Streamable HTTP session as observed on the server' }),
  clientSession: meter.createHistogram('mcp.client.session.duration', { ...seconds, description: 'The duration of a session as observed on the client: from its initialize until its connection closed' }),
  // ours: what cancellation adds
  inFlight: meter.createUpDownCounter('mcp_rx_cancel.requests.in_flight', { description: 'Requests in flight, by direction (served | sent)', unit: '{request}' }),
  cancels: meter.createCounter('mcp_rx_cancel.cancels', { description: 'Cancellations, by source (peer | caller | timeout | close) and direction', unit: '{cancel}' }),
  cancelIgnored: meter.createCounter('mcp_rx_cancel.cancels.ignored', { description: 'Cancellations that changed nothing, by why', unit: '{cancel}' }),
  cleanupFailures: meter.createCounter('mcp_rx_cancel.cleanup.failures', { description: 'Cleanups that threw or rejected', unit: '{failure}' }),
  lateResponses: meter.createCounter('mcp_rx_cancel.responses.late', { description: 'Responses dropped because their request had ended, by why', unit: '{response}' }),
  untracked: meter.createCounter('mcp_rx_cancel.requests.untracked', { description: 'Requests given no span nor metric because maxOpenSpans were open', unit: '{request}' }),
  // ours: the Streamable HTTP transport
  httpRejected: meter.createCounter('mcp_rx_cancel.http.rejected', { description: 'HTTP requests the transport refused, by status', unit: '{request}' }),
  httpFailures: meter.createCounter('mcp_rx_cancel.http.failures', { description: 'Failures the transport contained (onSession threw, an internal error answered 500), by what', unit: '{failure}' }),
  httpSessions: meter.createUpDownCounter('mcp_rx_cancel.http.sessions.active', { description: 'Streamable HTTP sessions open', unit: '{session}' }),
  streamsClosed: meter.createCounter('mcp_rx_cancel.http.streams.closed', { description: 'Response streams the client closed before their answer ended, by whether that cancelled the request', unit: '{stream}' }),
  messagesDropped: meter.createCounter('mcp_rx_cancel.http.messages.dropped', { description: 'Messages the server sent that had no stream to go on, by why', unit: '{message}' }),
});
