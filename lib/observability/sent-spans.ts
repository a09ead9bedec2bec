// What a sent request's events record: its CLIENT span from sent to its one end, each way it
// may end (answered, failed, timed out, cancelled, rejected, never written), and late responses.
import { OTHER } from './names.js';
import type { PeerEvent } from '../peer/events.js';
import type { Recording } from './options.js';
import { cancelAttributes, type RequestSpans } from './request-spans.js';
import type { Sessions } from './sessions.js';

/** The events of a request this peer sent. */
export type SentEvent = Extract<PeerEvent, { readonly type: 'request-sent' | 'response-received' | 'request-timeout' | 'cancel-sent' | 'response-rejected' | 'request-send-failed' | 'late-response-dropped' }>;

/** Records sent requests' events on `spans` (and an answered initialize's session on `sessions`). */
export const sentSpans = (r: Recording, spans: RequestSpans, sessions: Sessions): ((e: SentEvent) => void) => {
  const { instruments: m, base, maxLength } = r;
  return (e) => {
    switch (e.type) {
      case 'request-sent':
        return spans.start('sent', e);
      case 'response-received':
        if (!e.ok) {
          const code = e.error?.code;
          const message = e.error?.message;
          return spans.end('sent', e.key, e.at, {
            outcome: 'failed',
            ...(code === undefined ? { errorType: OTHER } : { code }),
            message: typeof message === 'string' ? message : 'error response',
          });
        }
        sessions.negotiated(e.key, e.protocolVersion);
        if (e.method === 'initialize') sessions.initialized(e.key, spans.sentAt(e.key) ?? e.at, e.protocolVersion);
        return spans.end('sent', e.key, e.at, {
          outcome: 'completed',
          ...(e.toolError === true ? { errorType: 'tool_error', message: 'tool error (isError: true)' } : {}),
          ...(e.protocolVersion === undefined ? {} : { protocolVersion: e.protocolVersion }),
        });
      case 'request-timeout':
        return spans.end('sent', e.key, e.at, {
          outcome: 'timeout',
          extra: { 'mcp_rx_cancel.timeout.ms': e.timeoutMs, 'mcp_rx_cancel.timeout.kind': e.kind },
          errorType: 'timeout',
          message: `timed out after ${e.timeoutMs} ms`,
        });
      case 'cancel-sent':
        m?.cancels.add(1, { ...base, 'mcp_rx_cancel.direction': 'sent', 'mcp_rx_cancel.cancel.source': e.source });
        // after a timeout the span has ended already (request-timeout comes first): this is a no-op then
        return spans.end('sent', e.key, e.at, { outcome: 'cancelled', extra: cancelAttributes(maxLength, e.source, e.reason) });
      case 'response-rejected':
        return spans.end('sent', e.key, e.at, { outcome: 'failed', errorType: 'invalid_response', message: e.error.message });
      case 'request-send-failed':
        return spans.end('sent', e.key, e.at, { outcome: 'failed', errorType: 'send_failed', message: e.error.message });
      case 'late-response-dropped':
        m?.lateResponses.add(1, { ...base, 'mcp_rx_cancel.late_response.why': e.why });
        return spans.annotate('sent', e.key, 'late-response-dropped', { 'mcp_rx_cancel.late_response.why': e.why });
    }
  };
};
