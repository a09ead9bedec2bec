import type { ProtocolEra } from '../../codec/era.js';
import type { RequestId } from '../../codec/messages.js';

/**
 * What the Streamable HTTP transport itself reports, beside the events of its connections: a
 * discriminated union on `type`, stamped with `at` (ms), like `PeerEvent`. Quoted input is
 * bounded (at most 256 characters).
 *
 * @example
 * http.events$.pipe(filter((e) => e.type === 'http-rejected')).subscribe((e) => log.warn(e.status, e.why));
 */
export type HttpEvent =
  | {
      /**
       * A request refused with an HTTP error: bad input, a foreign Origin, an unknown session, or
       * no room (503: past `maxInFlight` across the transport, past `maxSessions`, closing).
       */
      readonly type: 'http-rejected';
      readonly at: number;
      readonly status: number;
      /** The JSON-RPC code of the error body, when there is one. */
      readonly code?: number;
      readonly why: string;
    }
  | { readonly type: 'session-opened'; readonly at: number; readonly sessionId: string }
  | {
      readonly type: 'session-closed';
      readonly at: number;
      readonly sessionId: string;
      /**
       * `delete`: the client's DELETE; `idle`: no request for `sessionIdleMs`; `close`: the
       * transport closed; `record-gone`: its record left the shared store (a DELETE that landed on
       * another instance, an expired record).
       */
      readonly why: 'delete' | 'idle' | 'close' | 'record-gone';
    }
  | {
      /** A client closed a response stream before its answer ended. */
      readonly type: 'stream-closed';
      readonly at: number;
      readonly era: ProtocolEra;
      /** 2026-07-28: the request was cancelled (`source: 'close'`); 2025-11-25: it runs on, its answer is dropped. */
      readonly cancelled: boolean;
      readonly sessionId?: string;
      /** 2026-07-28: the request the stream carried. */
      readonly requestId?: RequestId;
      /** 2025-11-25: how many of the POST's requests were still running (they run on). */
      readonly pending?: number;
    }
  | {
      /**
       * Something failed here and was contained: the `onSession` callback threw, the session store
       * or this code failed (answered 500), or the store could not say which sessions still exist
       * (`session-check`: nothing ended, asked again next time).
       */
      readonly type: 'http-failed';
      readonly at: number;
      readonly what: 'on-session' | 'internal' | 'session-check';
      readonly why: string;
    }
  | {
      /**
       * A 2025-11-25 GET with a `Last-Event-ID` that resumes nothing: `unknown` (not an id of this
       * session's: malformed, forged, another session's), `expired` (the events after it were
       * dropped from the replay log, `maxReplayBytes`/`maxReplayEvents`). Served as a plain GET,
       * with no replay (the spec lets a server not replay).
       */
      readonly type: 'resume-refused';
      readonly at: number;
      readonly sessionId: string;
      readonly why: 'unknown' | 'expired';
    }
  | {
      /** A message the server sent that had no stream to go on (no GET stream open, its POST's stream closed). */
      readonly type: 'message-dropped';
      readonly at: number;
      readonly sessionId?: string;
      readonly why: 'no-stream' | 'stream-closed' | 'not-allowed';
    };

/** An event before it is stamped with `at`. */
export type HttpEventInit = HttpEvent extends infer E ? (E extends unknown ? Omit<E, 'at'> : never) : never;
