import * as t from 'io-ts';

/**
 * The two sets of rules MCP has had for cancellation, named by their newest version:
 * `'2025-11-25'` (2024-11-05 to 2025-11-25: an `initialize` handshake, sessions, either side
 * cancels by notification) and `'2026-07-28'` (no handshake, every request names its version in
 * `_meta`, only the client cancels, on Streamable HTTP a closed response stream is the cancel).
 * See docs/protocol.md, section "Eras".
 *
 * @example
 * const era: ProtocolEra = '2026-07-28';
 */
export type ProtocolEra = '2025-11-25' | '2026-07-28';

/**
 * The protocol versions of each era that this library speaks.
 *
 * @example
 * ERA_VERSIONS['2025-11-25'].includes('2025-06-18'); // true
 * ERA_VERSIONS['2026-07-28'].includes('2025-11-25'); // false
 */
export const ERA_VERSIONS: Readonly<Record<ProtocolEra, readonly string[]>> = {
  '2025-11-25': ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'],
  '2026-07-28': ['2026-07-28'],
};

/**
 * The `_meta` key of a 2026-07-28 request that names its protocol version (required there).
 *
 * @example
 * META_PROTOCOL_VERSION; // 'io.modelcontextprotocol/protocolVersion'
 * requestVersion({ _meta: { [META_PROTOCOL_VERSION]: '2026-07-28' } }); // '2026-07-28'
 */
export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
/**
 * The `_meta` key of a 2026-07-28 request that carries the client's capabilities (required there).
 *
 * @example
 * META_CLIENT_CAPABILITIES; // 'io.modelcontextprotocol/clientCapabilities'
 * // the _meta of a 2026-07-28 request (a peer with `era: '2026-07-28'` adds it to each of its own)
 * const _meta = { [META_PROTOCOL_VERSION]: '2026-07-28', [META_CLIENT_CAPABILITIES]: { elicitation: {} } };
 */
export const META_CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
/**
 * The `_meta` key of a 2026-07-28 result that names the server software (SHOULD, on every result).
 *
 * @example
 * META_SERVER_INFO; // 'io.modelcontextprotocol/serverInfo'
 * peer.request<{ _meta?: Record<string, unknown> }>('tools/list').subscribe((r) => show(r._meta?.[META_SERVER_INFO])); // { name, version }
 */
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
/**
 * The `_meta` key of a 2026-07-28 request that names the client software (optional).
 *
 * @example
 * META_CLIENT_INFO; // 'io.modelcontextprotocol/clientInfo'
 * // a peer with `era: '2026-07-28'` and `clientInfo` puts it under this key of every request it sends
 * createPeer(incoming$, { era: '2026-07-28', clientInfo: { name: 'app', version: '1.0.0' } });
 */
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';

/** The version a request names in `params._meta`, read with io-ts (any other shape names none). */
const VersionMeta = t.type({ _meta: t.type({ [META_PROTOCOL_VERSION]: t.string }) });

/**
 * The protocol version a request names in `params._meta["io.modelcontextprotocol/protocolVersion"]`,
 * or `undefined` when it names none (every 2025 request; a 2026 request must name one).
 *
 * @example
 * requestVersion({ _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } }); // '2026-07-28'
 * requestVersion({ name: 'echo' }); // undefined
 */
// `is`, not `decode`: on the hot path, a request without the member costs no error report
export const requestVersion = (params: unknown): string | undefined =>
  VersionMeta.is(params) ? params._meta[META_PROTOCOL_VERSION] : undefined;

/**
 * The era a protocol version belongs to, or `undefined` for a version this library does not speak.
 *
 * @example
 * eraOfVersion('2025-06-18'); // '2025-11-25'
 * eraOfVersion('2027-01-01'); // undefined
 */
export const eraOfVersion = (version: string): ProtocolEra | undefined =>
  ERA_VERSIONS['2026-07-28'].includes(version) ? '2026-07-28'
    : ERA_VERSIONS['2025-11-25'].includes(version) ? '2025-11-25'
    : undefined;

/** The capabilities a 2026-07-28 request must declare in `_meta` (an object; `{}` declares none). */
const CapabilitiesMeta = t.type({ _meta: t.type({ [META_CLIENT_CAPABILITIES]: t.UnknownRecord }) });

/**
 * Whether a request declares its client capabilities in `_meta`, as a 2026-07-28 request must.
 *
 * @example
 * declaresCapabilities({ _meta: { 'io.modelcontextprotocol/clientCapabilities': {} } }); // true
 */
export const declaresCapabilities = (params: unknown): boolean => CapabilitiesMeta.is(params);

/**
 * The methods an era does not have: 2026-07-28 removed the handshake, `ping`,
 * `logging/setLevel` and `resources/subscribe` (and `unsubscribe`: subscriptions moved to `subscriptions/listen`); 2025-11-25 had no `server/discover`. A request for one of them is
 * "method not found" (-32601) in that era, whatever handlers a server registered for the other.
 */
export const ERA_REMOVED: Readonly<Record<ProtocolEra, readonly string[]>> = {
  '2025-11-25': ['server/discover'],
  '2026-07-28': ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe'],
};

/**
 * A protocol version this library speaks, read from what a peer sent: the version a request
 * names in `_meta` (2026-07-28), the `protocolVersion` of an `initialize` request or result
 * (2025-11-25). Anything else, a version we do not speak included, is `undefined`: the value is
 * always one of {@link ERA_VERSIONS}, so it is bounded whatever the peer sent.
 *
 * @example
 * spokenVersion('initialize', { protocolVersion: '2025-06-18' }); // '2025-06-18'
 * spokenVersion('tools/call', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } }); // '2026-07-28'
 */
export const spokenVersion = (method: string, params: unknown): string | undefined => {
  const named = requestVersion(params);
  const version = named ?? (method === 'initialize' && typeof params === 'object' && params !== null ? (params as Record<string, unknown>)['protocolVersion'] : undefined);
  return typeof version === 'string' && eraOfVersion(version) !== undefined ? version : undefined;
};
