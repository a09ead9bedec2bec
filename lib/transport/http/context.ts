import type { PeerEvent } from '../../peer/events.js';
import type { EventsSubject } from '../../peer/serve.js';
import type { PeerOptions } from '../../peer/create-peer.js';
import type { AnswerMode } from './answer.js';
import type { InFlightBudget } from './budget.js';
import type { HttpEventInit } from './events.js';

/** What every exchange of one `streamableHttp` shares: its connections' options, how to answer, where events go, what `close()` ends. */
export interface HttpContext {
  /** The options of each connection, with the one registry all of them share. */
  readonly peer: Omit<PeerOptions, 'sessionId' | 'era'> & Required<Pick<PeerOptions, 'manager'>>;
  readonly mode: AnswerMode;
  readonly emit: (e: HttpEventInit) => void;
  readonly peerEvent: (e: PeerEvent) => void;
  /** The same, as the Subject itself: a connection builds no event while nobody listens. */
  readonly peerEvents: EventsSubject;
  /** The requests in flight across the transport, both eras, and their bound (`maxInFlight`). */
  readonly budget: InFlightBudget;
  /** How 2025-11-25 sessions make their streams resumable: the `retry` they send, what each keeps for replay. */
  readonly replay: { readonly retryMs: number; readonly maxBytes: number; readonly maxEvents: number };
  /** The way to end each exchange or session still open: `close()` calls them all. */
  readonly live: Set<() => void>;
}
