import type { RequestId } from '../codec/messages.js';

// A brand no JSON value can carry: JSON.parse never makes symbols, so a peer on the other end of
// the wire cannot forge a fault. `Symbol.for`, so that two copies of this package agree.
const BRAND: unique symbol = Symbol.for('mcp-rx-cancel/wire-fault');

/**
 * What went wrong below the message layer:
 * - `parse-error`: a line that is not JSON (answered with -32700 and `id: null`, docs/protocol.md J4, J5);
 * - `line-too-long`: a line over the transport's limit, discarded up to its newline (also -32700);
 * - `transport-error`: the transport reported a failure (the SDK's `onerror`, a write that
 *   failed): only an event. When the failure ends the connection (a dead output), the transport
 *   completes `incoming$` right after the fault: that is the close;
 * - `batch-too-large`: a JSON-RPC batch over the peer's `maxBatchSize`, answered with one -32600
 *   (`id: null`) as a whole, without looking at its elements.
 *
 * @example
 * // a transport of your own reports, in band, what it could not read
 * const fault = (kind: WireFaultKind, message: string): void => incoming.next(WireFault.of(kind, message));
 * fault('line-too-long', `a line over ${maxLineBytes} bytes, discarded`); // the peer answers -32700
 * WireFault.of('parse-error', 'Unexpected token').kind; // 'parse-error'
 */
export type WireFaultKind = 'parse-error' | 'line-too-long' | 'transport-error' | 'batch-too-large';

/**
 * A fault a transport reports in band, as a value of its `incoming$`: the peer stays one Observable
 * in and one out, and the -32700 reply goes out through `outgoing$` like every other message.
 */
export interface WireFault {
  readonly [BRAND]: true;
  readonly kind: WireFaultKind;
  readonly message: string;
  /** The raw detail: the thrown value, a preview of the bad line. */
  readonly details?: unknown;
}

/**
 * Companion of {@link WireFault}.
 *
 * @example
 * incoming.next(WireFault.of('parse-error', 'Unexpected token } in JSON', { line: '{"a":}' }));
 * if (WireFault.is(u)) return server.fault(u);
 */
export const WireFault = {
  of: (kind: WireFaultKind, message: string, details?: unknown): WireFault =>
    details === undefined ? { [BRAND]: true, kind, message } : { [BRAND]: true, kind, message, details },
  is: (u: unknown): u is WireFault => typeof u === 'object' && u !== null && (u as { [BRAND]?: unknown })[BRAND] === true,
} as const;

const FAILED_SEND: unique symbol = Symbol.for('mcp-rx-cancel/failed-send');

/**
 * Tags a `transport-error` {@link WireFault} with the id of the request whose write failed, so
 * that the peer errors that request at once (RequestSendError) instead of leaving it to its
 * timeout. The tag is a symbol key, like the fault's own brand: no JSON value carries one, so
 * the remote peer cannot forge it. `connect` tags the faults of a failed `send`.
 *
 * @example
 * const fault = WireFault.of('transport-error', `send failed: ${messageOf(e)}`, e);
 * report(isRequest(m) ? FailedSend.tag(fault, m.id) : fault);
 * // in the peer
 * const id = FailedSend.requestId(fault); // the request to fail, or undefined
 */
export const FailedSend = {
  tag: (fault: WireFault, requestId: RequestId): WireFault => {
    const tagged: Tagged = { ...fault, [FAILED_SEND]: requestId };
    return tagged;
  },
  requestId: (fault: WireFault): RequestId | undefined => (fault as Tagged)[FAILED_SEND],
} as const;
type Tagged = WireFault & { readonly [FAILED_SEND]?: RequestId };
