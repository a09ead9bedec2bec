// What a served request's events record: its SERVER span from received to its one end, and
// the cancels, ignored cancels and failed cleanups of requests this peer serves.
import { preview } from '../codec/preview.js';
import type { PeerEvent } from '../peer/events.js';
import type { Recording } from './options.js';
import { cancelAttributes, type RequestSpans } from './request-spans.js';
import type { Sessions } from './sessions.js';

/** The events of a request this peer serves. */
export type ServedEvent = Extract<PeerEvent, { readonly type: 'request-received' | 'request-completed' | 'request-failed' | 'request-cancelled' | 'cancel-ignored' | 'cleanup-failed' }>;

/** Records served requests' events on `spans` (and a negotiated version on `sessions`). */
export const servedSpans = (r: Recording, spans: RequestSpans, sessions: Sessions): ((e: ServedEvent) => void) => {
  const { instruments: m, base, maxLength } = r;
  return (e) => {
    switch (e.type) {
      case 'request-received':
        return spans.start('served', e);
      case 'request-completed':
        sessions.negotiated(e.key, e.protocolVersion);
        return spans.end('served', e.key, e.at, e.toolError === true
          ? { outcome: 'completed', errorType: 'tool_error', message: 'tool error (isError: true)', ...(e.protocolVersion === undefined ? {} : { protocolVersion: e.protocolVersion }) }
          : { outcome: 'completed', ...(e.protocolVersion === undefined ? {} : { protocolVersion: e.protocolVersion }) });
      case 'request-failed':
        return spans.end('served', e.key, e.at, { outcome: 'failed', code: e.code, message: e.error.message });
      case 'request-cancelled': {
        m?.cancels.add(1, { ...base, 'mcp_rx_cancel.direction': 'served', 'mcp_rx_cancel.cancel.source': e.reason.source });
        const extra = cancelAttributes(maxLength, e.reason.source, e.reason.reason, e.reasonTruncated);
        // a close is not the request's doing, but it did not get its answer: an error all the same
        return spans.end('served', e.key, e.at, e.reason.source === 'close'
          ? { outcome: 'closed', extra, errorType: 'connection_closed', message: 'connection closed' }
          : { outcome: 'cancelled', extra });
      }
      case 'cancel-ignored':
        m?.cancelIgnored.add(1, { ...base, 'mcp_rx_cancel.cancel.ignored.why': e.why });
        return spans.annotate('served', e.key, 'cancel-ignored', {
          'mcp_rx_cancel.cancel.ignored.why': e.why,
          'mcp_rx_cancel.sender': preview(e.sender, maxLength),
          ...(e.reason === undefined ? {} : { 'mcp_rx_cancel.cancel.reason': preview(e.reason, maxLength) }),
        });
      case 'cleanup-failed':
        m?.cleanupFailures.add(1, { ...base, 'mcp.method.name': r.methodName(preview(e.method, maxLength)) });
        return spans.annotate('served', e.key, 'cleanup-failed', { 'error.message': preview(e.error.message, maxLength) });
    }
  };
};
