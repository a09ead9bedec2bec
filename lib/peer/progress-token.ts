import type { RequestId } from '../codec/messages.js';

// The progress token of a request we send: always ours (its id), so that progress for one request
// can never reach another's onProgress (a token the caller chose could equal another's id).

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
