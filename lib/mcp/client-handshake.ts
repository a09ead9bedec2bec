import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { catchError, map, mergeMap, of, tap, throwError, type Observable } from 'rxjs';
import { ERA_VERSIONS, type ProtocolEra } from '../codec/era.js';
import { ErrorCodes } from '../codec/error-codes.js';
import { ConnectionClosedError, JsonRpcError } from '../errors.js';
import type { Peer } from '../peer/create-peer.js';
import type { RequestOptions } from '../peer/request-options.js';
import { completeResult, decodeAs } from './client-decode.js';
import { McpClientError } from './client-errors.js';
import { META_SERVER_INFO } from '../codec/era.js';
import { DiscoverResult, InitializeResult, UnsupportedVersionData, type Implementation } from './client-shapes.js';

/** The 2025-11-25 version a client asks for in `initialize`; the server may answer an older one of the era. */
export const LATEST_2025 = '2025-11-25';
/** The 2026-07-28 version a client names in `_meta`. */
export const MODERN = '2026-07-28';

/**
 * The server a client connected to, whichever the era: what `initialize` (2025-11-25) or
 * `server/discover` (2026-07-28) said of it.
 *
 * @example
 * client.connect().subscribe((d: ServerDescription) => show(`${d.serverInfo?.name} speaks ${d.protocolVersion}`));
 */
export interface ServerDescription {
  /** The rules this connection runs by. */
  readonly era: ProtocolEra;
  /** The version in use: the one the server chose in `initialize`, or 2026-07-28. */
  readonly protocolVersion: string;
  readonly serverInfo?: Implementation;
  readonly capabilities: Readonly<Record<string, unknown>>;
  readonly instructions?: string;
  /** 2026-07-28: every version the server lists in `server/discover`. */
  readonly supportedVersions?: readonly string[];
}

/** What a handshake needs of the client. */
export interface HandshakeInit {
  readonly peer: Peer;
  readonly info: Implementation;
  readonly capabilities: Readonly<Record<string, unknown>>;
  /** The `_meta` members every 2026-07-28 request carries. */
  readonly modernMeta: Readonly<Record<string, unknown>>;
  readonly options: RequestOptions;
  /** How long `'auto'` waits for the `server/discover` probe before it takes the server for a 2025 one. */
  readonly probeTimeoutMs: number;
}

const describeDiscover = (r: DiscoverResult): ServerDescription => ({
  era: '2026-07-28',
  protocolVersion: MODERN,
  capabilities: r.capabilities,
  supportedVersions: r.supportedVersions,
  ...(r._meta?.[META_SERVER_INFO] === undefined ? {} : { serverInfo: r._meta[META_SERVER_INFO] }),
  ...(r.instructions === undefined ? {} : { instructions: r.instructions }),
});

/**
 * What the `server/discover` probe of `'auto'` means for the era (2026-07-28 `basic/versioning`, "Backward Compatibility").
 *
 * @example
 * const verdict: ProbeVerdict = classifyProbe({ error: new JsonRpcError(-32601, 'Method not found') });
 * if (verdict.kind === 'legacy') log.info('a 2025 server: initialize instead');
 * classifyProbe({ result: {} }).kind; // 'legacy'
 */
export type ProbeVerdict =
  | { readonly kind: 'modern'; readonly description: ServerDescription }
  | { readonly kind: 'legacy' }
  | { readonly kind: 'failed'; readonly error: Error };

/**
 * Read the answer to the `server/discover` probe, as the 2026-07-28 stdio binding says: a
 * `DiscoverResult` listing 2026-07-28 is a modern server; a recognised modern error
 * (-32022 `UnsupportedProtocolVersionError` whose `supported` lists a modern version) is a modern
 * server that does not speak ours, and there is no falling back to `initialize`; any other error,
 * or no answer within the probe's timeout, is a legacy server: fall back. The fallback is keyed to
 * no one error code, as the binding requires (legacy servers answer -32601, -32602, or nothing).
 * Two outcomes are neither: a connection that closed (nothing is left to fall back on), and a
 * modern server that lists only modern versions we do not speak.
 *
 * As the official SDK v2 client, a `DiscoverResult` without 2026-07-28, or one that does not
 * decode, is read as legacy: this client speaks 2025-11-25 and can fall back.
 *
 * @example
 * classifyProbe({ error: new JsonRpcError(-32601, 'Method not found') }); // { kind: 'legacy' }
 */
export const classifyProbe = (outcome: { readonly result: unknown } | { readonly error: unknown }): ProbeVerdict => {
  if ('result' in outcome) {
    const r = DiscoverResult.decode(outcome.result);
    return E.isRight(r) && r.right.supportedVersions.includes(MODERN) ? { kind: 'modern', description: describeDiscover(r.right) } : { kind: 'legacy' };
  }
  const e = outcome.error;
  if (e instanceof ConnectionClosedError) return { kind: 'failed', error: e };
  if (e instanceof JsonRpcError && e.code === ErrorCodes.UnsupportedProtocolVersion) {
    const data = UnsupportedVersionData.decode(e.data);
    if (E.isLeft(data)) return { kind: 'legacy' };
    const modern = data.right.supported.filter((v) => !ERA_VERSIONS['2025-11-25'].includes(v));
    // a modern server that names only versions we do not speak: falling back would be wrong (the binding: "Do not fall back")
    if (modern.length > 0 && !data.right.supported.some((v) => ERA_VERSIONS['2025-11-25'].includes(v)))
      return { kind: 'failed', error: new McpClientError('ERA_NEGOTIATION_FAILED', `The server speaks ${modern.slice(0, 8).join(', ')} only; this client speaks ${MODERN} and 2025-11-25`, { supported: data.right.supported.slice(0, 16) }) };
    return { kind: 'legacy' };
  }
  return { kind: 'legacy' };
};

/**
 * The 2025-11-25 handshake: `initialize` with our version, capabilities and `clientInfo`; the
 * server's answer checked (a version of the era we speak, else `ERA_NEGOTIATION_FAILED`); then
 * `notifications/initialized`, and only then the description (basic/lifecycle). The peer never
 * cancels `initialize` (C4): unsubscribing leaves it to finish.
 *
 * @example
 * initialize(init).subscribe((d) => show(d.protocolVersion));
 */
export const initialize = (init: HandshakeInit): Observable<ServerDescription> =>
  init.peer.request('initialize', { protocolVersion: LATEST_2025, capabilities: init.capabilities, clientInfo: init.info }, init.options).pipe(
    mergeMap((u) =>
      pipe(
        decodeAs(InitializeResult, 'initialize', u),
        E.chain((r) =>
          ERA_VERSIONS['2025-11-25'].includes(r.protocolVersion)
            ? E.right(r)
            : E.left(new McpClientError('ERA_NEGOTIATION_FAILED', `The server chose protocol ${JSON.stringify(r.protocolVersion.slice(0, 32))}, which this client does not speak`, { protocolVersion: r.protocolVersion.slice(0, 32) })),
        ),
        E.match(
          (e) => throwError(() => e),
          (r) => of(r),
        ),
      ),
    ),
    // the spec: initialized goes out after the result, before any other request
    tap(() => init.peer.notify('notifications/initialized')),
    map((r): ServerDescription => ({
      era: '2025-11-25',
      protocolVersion: r.protocolVersion,
      serverInfo: r.serverInfo,
      capabilities: r.capabilities,
      ...(r.instructions === undefined ? {} : { instructions: r.instructions }),
    })),
  );

/**
 * The 2026-07-28 handshake, which is optional in that era and which we make anyway: one
 * `server/discover`, to learn who the server is and that it speaks 2026-07-28.
 *
 * @example
 * discover(init).subscribe((d) => show(d.supportedVersions));
 */
export const discover = (init: HandshakeInit): Observable<ServerDescription> =>
  init.peer.request('server/discover', { _meta: init.modernMeta }, init.options).pipe(
    completeResult(DiscoverResult, 'server/discover'),
    mergeMap((r) =>
      r.supportedVersions.includes(MODERN)
        ? of(describeDiscover(r))
        : throwError(() => new McpClientError('ERA_NEGOTIATION_FAILED', `The server does not list ${MODERN} in server/discover`, { supported: r.supportedVersions.slice(0, 16) })),
    ),
  );

/**
 * The handshake of an era; for `'auto'`, the probe of the 2026-07-28 stdio binding: `server/discover`
 * first (with `probeTimeoutMs`), then, if {@link classifyProbe} says legacy, `initialize`.
 *
 * @example
 * handshake('auto', init).subscribe((d) => show(d.era));
 */
export const handshake = (era: ProtocolEra | 'auto', init: HandshakeInit): Observable<ServerDescription> => {
  if (era === '2025-11-25') return initialize(init);
  if (era === '2026-07-28') return discover(init);
  return init.peer.request('server/discover', { _meta: init.modernMeta }, { ...init.options, timeoutMs: init.probeTimeoutMs }).pipe(
    map((result): { readonly result: unknown } | { readonly error: unknown } => ({ result })),
    catchError((error: unknown) => of({ error })),
    mergeMap((outcome) => {
      const verdict = classifyProbe(outcome);
      if (verdict.kind === 'modern') return of(verdict.description);
      if (verdict.kind === 'failed') return throwError(() => verdict.error);
      return initialize(init);
    }),
  );
};
