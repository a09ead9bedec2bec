import { ERA_REMOVED, ERA_VERSIONS, META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION, declaresCapabilities, eraOfVersion, requestVersion, type ProtocolEra } from '../codec/era.js';
import { ErrorCodes } from '../codec/error-codes.js';
import type { JsonRpcErrorObject, JsonRpcRequest } from '../codec/messages.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import type { EventSink } from './events.js';

const INITIALIZE = 'initialize';
const DISCOVER = 'server/discover';

/** How a connection's era was decided: given, by an `initialize`, or by a request naming its version. */
export type EraDecidedBy = 'option' | 'initialize' | 'request';

/**
 * The protocol era of one connection, and which side of it this peer is: the rules that differ
 * between MCP 2025-11-25 and 2026-07-28 (docs/protocol.md "Eras") are all asked of this object.
 *
 * - `'auto'` decides on the first `initialize` (2025) or the first request naming a version in
 *   `_meta` (2026), received or sent; until then the 2025 rules apply, as they always did.
 * - A request naming a version this connection does not speak gets -32022 with the versions it
 *   does (the 2026 negotiation: the client retries with one of them).
 * - Under 2026 rules only the client cancels (a server MUST NOT send `notifications/cancelled`),
 *   and `initialize` is a method like any other.
 *
 * @example
 * const era = new Era('auto', events);
 * const refused = era.received(request); // undefined, or the error to answer with
 */
export class Era {
  private decided: ProtocolEra | undefined;
  private role: 'client' | 'server' | undefined;

  constructor(
    private readonly option: ProtocolEra | 'auto',
    private readonly events: EventSink,
  ) {
    if (option !== 'auto') this.decided = option;
  }

  /** The era decided (given, or by what came first), or `undefined` while `'auto'` has not decided. */
  get decidedEra(): ProtocolEra | undefined {
    return this.decided;
  }

  /** The era in force: the decided one, or the 2025 rules until something decides. */
  get current(): ProtocolEra {
    return this.decided ?? '2025-11-25';
  }

  /** Tell the connection's events which era it runs, when it was given (called once, at open). */
  open(): void {
    if (this.option !== 'auto' && this.events.enabled()) this.events.emit({ type: 'era-decided', era: this.option, by: 'option' });
  }

  /**
   * A request came in. Decides the era if it can; returns the error to answer it with, else
   * `undefined`: -32022 for a version this connection does not speak; -32602 for a 2026 request
   * without its capabilities, or one naming no version once the era is 2026 (docs/protocol.md M1);
   * -32601 for a method the era does not have.
   */
  received(m: JsonRpcRequest): JsonRpcErrorObject | undefined {
    const version = m.params === undefined ? undefined : requestVersion(m.params);
    if (version !== undefined) {
      const era = eraOfVersion(version);
      if (era === undefined || (this.decided !== undefined && era !== this.decided)) return this.unsupported(version);
      if (era === '2026-07-28' && !declaresCapabilities(m.params))
        return { code: ErrorCodes.InvalidParams, message: `Invalid params: a 2026-07-28 request declares its capabilities in _meta["${META_CLIENT_CAPABILITIES}"]` };
      this.decide(era, 'request', 'server');
    } else if (this.decided === '2026-07-28') {
      // a 2025 client's initialize to a 2026 server: not found, which tells it what it meets
      if (ERA_REMOVED[this.decided].includes(m.method)) return this.notFound(m.method);
      return { code: ErrorCodes.InvalidParams, message: `Invalid params: a 2026-07-28 request names its protocol version in _meta["${META_PROTOCOL_VERSION}"]` };
    } else if (m.method === INITIALIZE) {
      this.decide('2025-11-25', 'initialize', 'server');
    }
    // an era's own methods only; undecided, anything goes to the handlers (a discover probe, say)
    if (this.decided !== undefined && ERA_REMOVED[this.decided].includes(m.method)) return this.notFound(m.method);
    return undefined;
  }

  private notFound(method: string): JsonRpcErrorObject {
    return { code: ErrorCodes.MethodNotFound, message: `Method not found: ${method} (not in protocol ${this.current})` };
  }

  /** A request is going out: an `initialize` decides 2025, one naming a 2026 version decides 2026 (a `server/discover` probe does not). */
  sent(method: string, params: object | undefined): void {
    if (this.decided !== undefined) {
      this.role ??= 'client';
      return;
    }
    if (method === INITIALIZE) return this.decide('2025-11-25', 'initialize', 'client');
    // a dual-era client probes with server/discover before it knows the server's era (2026-07-28
    // basic/transports/stdio "Backward Compatibility"): the answer decides, not the question, so
    // an initialize that follows a failed probe still finds the 2025 rules in force
    if (method === DISCOVER) return;
    const version = params === undefined ? undefined : requestVersion(params);
    const era = version === undefined ? undefined : eraOfVersion(version);
    if (era !== undefined) this.decide(era, 'request', 'client');
  }

  /** Whether this peer may send `notifications/cancelled` for its own abandoned requests. */
  get sendsCancels(): boolean {
    return !(this.current === '2026-07-28' && this.role === 'server');
  }

  /** Whether a request of `method` can be cancelled: in 2025 `initialize` cannot (docs/protocol.md C4). */
  cancellable(method: string): boolean {
    return method !== INITIALIZE || this.current === '2026-07-28';
  }

  private decide(era: ProtocolEra, by: EraDecidedBy, role: 'client' | 'server'): void {
    this.role ??= role;
    if (this.decided !== undefined) return;
    this.decided = era;
    if (this.events.enabled()) this.events.emit({ type: 'era-decided', era, by });
  }

  private unsupported(requested: string): JsonRpcErrorObject {
    // the versions a request may name: 2026's until an initialize made the connection 2025 (a
    // 2025 client never names one; listing them would send a 2026 client the wrong way)
    const supported = [...ERA_VERSIONS[this.decided ?? '2026-07-28']];
    // the version is the peer's input: quoted bounded, never copied whole into the reply
    const shown = preview(requested, PREVIEW_MAX);
    return { code: ErrorCodes.UnsupportedProtocolVersion, message: `Unsupported protocol version: ${shown}`, data: { supported, requested: shown } };
  }
}
