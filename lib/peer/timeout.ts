import { RequestTimeoutError } from '../errors.js';
import { cancel } from './cancel.js';
import { SENT, type Pending } from './pending.js';
import type { SentRequests, TimeoutKind } from './sent-requests.js';

/**
 * A timer of `p` fired after `ms`: its cancel goes on the wire (docs/protocol.md P4; never for
 * initialize, C4) and the caller gets a RequestTimeoutError.
 */
export const timedOut = (s: SentRequests, p: Pending, ms: number, kind: TimeoutKind): void => {
  if (!s.isPending(p)) return;
  const { events } = s.init;
  if (events.enabled()) events.emit({ type: 'request-timeout', key: s.key(p.id), method: p.method, timeoutMs: ms, kind });
  // a request-timeout listener may have ended it (aborted its signal): nothing more for it
  if (!s.isPending(p)) return;
  // read before cancel(): a request still in the backlog was never written, and the error says so
  const sent = (p.flags & SENT) !== 0;
  // P4: on expiry, cancel on the wire, then stop waiting (never for initialize: C4)
  cancel(s, p, 'timeout', `Request timed out after ${ms} ms${kind === 'total' ? ' (maxTotalTimeoutMs)' : ''}`);
  p.subscriber.error(sent ? new RequestTimeoutError(p.id, ms) : RequestTimeoutError.unsent(p.id, ms));
};
