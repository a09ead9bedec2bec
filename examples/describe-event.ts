import type { PeerEvent } from '../lib/index.js';
import type { HttpEvent } from '../lib/http.js';

/**
 * One log line for the events the example servers tell on stderr (the others: undefined).
 *
 * @example
 * peer.events$.subscribe((e) => { const line = describeEvent(e); if (line) log(line); });
 */
export const describeEvent = (e: PeerEvent | HttpEvent): string | undefined => {
  const id = 'key' in e && e.key !== undefined ? ` #${JSON.stringify(e.key.requestId)}` : '';
  switch (e.type) {
    case 'request-received':
    case 'request-completed':
      return `${e.type} ${e.method}${id}`;
    case 'request-cancelled':
      return `${e.type} ${e.method}${id} (${e.reason.source}${e.reason.reason === undefined ? '' : `: ${e.reason.reason}`})`;
    case 'request-failed':
      return `${e.type} ${e.method}${id} (${e.code}: ${e.error.message})`;
    case 'cancel-ignored':
      return `${e.type}${id} (${e.why})`;
    case 'message-rejected':
    case 'transport-error':
      return `${e.type} (${e.error.message})`;
    case 'connection-closed':
      return e.type;
    case 'era-decided':
      return `${e.type} ${e.era} (${e.by})`;
    case 'http-rejected':
      return `${e.type} ${e.status}${e.code === undefined ? '' : ` ${e.code}`} (${e.why})`;
    case 'session-opened':
      return `${e.type} ${e.sessionId}`;
    case 'session-closed':
      return `${e.type} ${e.sessionId} (${e.why})`;
    case 'http-failed':
      return `${e.type} ${e.what} (${e.why})`;
    case 'cancel-forwarded':
      return `${e.type}${id} (to the other instances)`;
    case 'stream-closed':
      return `${e.type} ${e.era}${e.cancelled ? ': its request is cancelled' : ': its request runs on'}`;
    default:
      return undefined;
  }
};
