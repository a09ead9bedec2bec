import type { JsonRpcRequest, RequestId } from '../codec/messages.js';
import type { RequestKey } from '../manager/request-key.js';
import type { RequestOptions } from './request-options.js';
import { extend } from '../codec/extend.js';

/**
 * A request this peer is about to send, as the `requestMeta` option of `createPeer` sees it:
 * its key (as on its events), its method and the params the caller gave.
 *
 * @example
 * const seen = (r: OutgoingRequest): string => `${r.method} ${String(r.key.requestId)}`;
 */
export interface OutgoingRequest {
  readonly key: RequestKey;
  readonly method: string;
  readonly params: object | undefined;
}

/**
 * The `requestMeta` option of `createPeer`: members to add to the `_meta` of each request the
 * peer sends (a trace context, say), or `undefined` for none. It is called once per request,
 * after the request's `request-sent` event and before it is written; the caller's own `_meta`
 * members and the 2026-07-28 stamp win over what it returns. A hook that throws is reported as
 * `callback-failed`, and the request goes without its members.
 *
 * @example
 * const peer = createPeer(incoming$, { requestMeta: (r) => (r.method === 'tools/call' ? { 'example.com/origin': 'agent-7' } : undefined) });
 */
export type RequestMetaHook = (request: OutgoingRequest) => Readonly<Record<string, unknown>> | undefined;

// The `_meta` of a request we send. Its progress token is always ours (its id), so that progress
// for one request can never reach another's onProgress (a token the caller chose could equal
// another's id); as a 2026-07-28 client, it names the protocol version and capabilities too.

const metaOf = (p: Record<string, unknown>): Record<string, unknown> | undefined => {
  const meta = p['_meta'];
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
};

/** The caller put a `_meta.progressToken` in params (reads only: no allocation when not). */
const hasToken = (params: object | undefined): boolean =>
  params !== undefined && metaOf(params as Record<string, unknown>)?.['progressToken'] !== undefined;

/** `params` with `_meta.progressToken` set to ours, the caller's other `_meta` members kept. */
const withToken = (params: object | undefined, token: RequestId): Record<string, unknown> => {
  const p = (params ?? {}) as Record<string, unknown>;
  return extend(p, { _meta: extend(metaOf(p) ?? {}, { progressToken: token }) });
};

/**
 * `params` with `members` added to its `_meta`, the caller's own members kept (a caller that
 * names a version or capabilities for one request knows better than the peer's defaults).
 *
 * @example
 * withMeta({ name: 'echo' }, { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' });
 */
const withMeta = (params: object | undefined, members: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const p = (params ?? {}) as Record<string, unknown>;
  return extend(p, { _meta: extend(members, metaOf(p) ?? {}) });
};

/**
 * The message of a request we send. docs/protocol.md D6: `resetTimeoutOnProgress` needs a token
 * even without `onProgress`. The token on the wire is always ours, the request id: unique among
 * the requests in flight (as MCP requires), so progress routes by one lookup and never reaches
 * another request; a token the caller put in params could equal another request's id, so it is
 * replaced. `clientMeta`, as a 2026-07-28 client, is added to `_meta`.
 *
 * @example
 * requestMessage(0, 'tools/call', { name: 'echo' }, { onProgress }, undefined);
 * // { jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: 'echo', _meta: { progressToken: 0 } } }
 */
export const requestMessage = (
  id: RequestId,
  method: string,
  params: object | undefined,
  options: RequestOptions,
  clientMeta: Readonly<Record<string, unknown>> | undefined,
): JsonRpcRequest => {
  const token = options.onProgress !== undefined || options.resetTimeoutOnProgress === true || hasToken(params);
  const stamped = clientMeta === undefined ? params : withMeta(params, clientMeta);
  return stamped === undefined && !token
    ? { jsonrpc: '2.0', id, method }
    : { jsonrpc: '2.0', id, method, params: token ? withToken(stamped, id) : (stamped as Record<string, unknown>) };
};

/**
 * `message` with `members` added to its `_meta`, under what is there already: the caller's own
 * members, the progress token and the 2026-07-28 stamp all win over a contributed member.
 *
 * @example
 * withContributedMeta(request, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
 */
export const withContributedMeta = (message: JsonRpcRequest, members: Readonly<Record<string, unknown>>): JsonRpcRequest => ({
  ...message,
  params: withMeta(message.params, members),
});
