// What a Streamable HTTP transport's own events record: its sessions (active, and how long each
// lasted; a closed one ends its requests' spans) and the counters of what it refused, failed,
// closed early or dropped.
import type { HttpEvent } from '../transport/http/events.js';
import type { Recording } from './options.js';
import type { RequestSpans } from './request-spans.js';
import type { Sessions } from './sessions.js';

/** The transport events toOpenTelemetry records (`resume-refused` is not one). */
export type RecordedHttpEvent = Extract<HttpEvent, { readonly type: 'session-opened' | 'session-closed' | 'http-rejected' | 'http-failed' | 'stream-closed' | 'message-dropped' }>;

/** Records a Streamable HTTP transport's events on `sessions`, the meter and (a closed session's) `spans`. */
export const httpTransport = (r: Recording, spans: RequestSpans, sessions: Sessions): ((e: RecordedHttpEvent) => void) => {
  const { instruments: m, base } = r;
  return (e) => {
    switch (e.type) {
      case 'session-opened':
        return sessions.opened(e.sessionId, e.at);
      case 'session-closed':
        sessions.closed(e);
        return spans.endAll({ outcome: 'closed', errorType: 'session_closed', message: `session closed (${e.why})` }, e.at, e.sessionId);
      case 'http-rejected':
        // the status and code are the transport's own (a handful of values), never the request's path or headers
        return void m?.httpRejected.add(1, { ...base, 'http.response.status_code': e.status, ...(e.code === undefined ? {} : { 'rpc.response.status_code': String(e.code) }) });
      case 'http-failed':
        return void m?.httpFailures.add(1, { ...base, 'mcp_rx_cancel.http.failure': e.what });
      case 'stream-closed':
        return void m?.streamsClosed.add(1, { ...base, 'mcp_rx_cancel.http.stream.cancelled': e.cancelled, 'mcp_rx_cancel.era': e.era });
      case 'message-dropped':
        return void m?.messagesDropped.add(1, { ...base, 'mcp_rx_cancel.http.dropped.why': e.why });
    }
  };
};
