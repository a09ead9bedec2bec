import type { Observable } from 'rxjs';
import type { ProtocolEra } from '../codec/era.js';
import type { RequestId } from '../codec/messages.js';
import type { TiedRequestRefusal } from '../errors.js';
// a type only: the options are the sending half's own, and a tied request is one of its requests
import type { RequestOptions } from '../peer/request-options.js';

/**
 * How a served request's context sends a request tied to it: the connection's sending half
 * (`peer.request()`, the one sending path), with `related` marking the request and its cancel as
 * the served request's, so that transports route them with it.
 *
 * @example
 * const tied: TiedSend = (method, params, options, related) => sending.request(method, params, options, related);
 */
export type TiedSend = <R>(method: string, params: object | undefined, options: RequestOptions | undefined, related: RequestId) => Observable<R>;

/** What decides whether a tied request may go: read from the served request's context. */
export interface TiedFacts {
  /** The served request has not ended (no outcome yet, not torn down). */
  readonly running: boolean;
  /** The era of its connection, when it came on one. */
  readonly era: ProtocolEra | undefined;
  /** The connection has a sending half (a peer; `serve()` and `runRequest` have none). */
  readonly canSend: boolean;
}

/**
 * Whether `ctx.request` may send, and if not, why: a pure decision, checked when the request is
 * subscribed (it is cold). The end comes first: nothing is sent for a request that ended, whatever
 * else holds. Then the era: a 2026-07-28 server MUST NOT send requests (MCP 2026-07-28; that era
 * asks for input with the multi-round-trip pattern), which also covers a 2026 HTTP POST, served
 * by `serve()`. Last, a connection that only answers has no way to send at all.
 *
 * @example
 * tiedRefusal({ running: true, era: '2025-11-25', canSend: true }); // undefined: it may go
 * tiedRefusal({ running: true, era: '2026-07-28', canSend: true }); // 'era'
 */
export const tiedRefusal = (f: TiedFacts): TiedRequestRefusal | undefined => {
  if (!f.running) return 'ended';
  if (f.era === '2026-07-28') return 'era';
  if (!f.canSend) return 'no-sending-half';
  return undefined;
};
