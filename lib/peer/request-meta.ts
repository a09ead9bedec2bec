import type { RequestId } from '../codec/messages.js';

// The `_meta` of a request we send. Its progress token is always ours (its id), so that progress
// for one request can never reach another's onProgress (a token the caller chose could equal
// another's id); as a 2026-07-28 client, it names the protocol version and capabilities too.

const metaOf = (p: Record<string, unknown>): Record<string, unknown> | undefined => {
  const meta = p['_meta'];
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
};

/** The caller put a `_meta.progressToken` in params (reads only: no allocation when not). */
export const hasToken = (params: object | undefined): boolean =>
  params !== undefined && metaOf(params as Record<string, unknown>)?.['progressToken'] !== undefined;

/** `params` with `_meta.progressToken` set to ours, the caller's other `_meta` members kept. */
export const withToken = (params: object | undefined, token: RequestId): Record<string, unknown> => {
  const p = (params ?? {}) as Record<string, unknown>;
  return { ...p, _meta: { ...metaOf(p), progressToken: token } };
};

/**
 * `params` with `members` added to its `_meta`, the caller's own members kept (a caller that
 * names a version or capabilities for one request knows better than the peer's defaults).
 *
 * @example
 * withMeta({ name: 'echo' }, { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' });
 */
export const withMeta = (params: object | undefined, members: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const p = (params ?? {}) as Record<string, unknown>;
  return { ...p, _meta: { ...members, ...metaOf(p) } };
};
