import { META_SERVER_INFO } from '../codec/era.js';
import { extend } from '../codec/extend.js';
import type { Implementation } from './wire.js';

/**
 * How long a client may keep a cacheable 2026-07-28 result, and who may share it (MCP `CacheableResult`).
 *
 * @example
 * // the tool list changes only on deploy: clients and shared caches may keep it 5 minutes
 * const cache: CacheHint = { ttlMs: 5 * 60_000, scope: 'public' };
 * mcpServer({ info, tools, cache });
 */
export interface CacheHint {
  /** Milliseconds the result stays fresh; 0: stale at once (re-fetch when needed). Default 0. */
  readonly ttlMs?: number;
  /** `public`: every client or shared cache may keep it; `private`: only within one authorization context. Default `private`. */
  readonly scope?: 'public' | 'private';
}

// 2026-07-28: the results a client may cache carry a hint (MCP 2026-07-28 server/utilities/caching)
const CACHEABLE: ReadonlySet<string> = new Set(['server/discover', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);

type Rec = Record<string, unknown>;

/**
 * How a 2026-07-28 result of `method` goes out: it names its kind (`resultType`, `complete`
 * unless it says otherwise), the server (`_meta["io.modelcontextprotocol/serverInfo"]`), and, a
 * complete result of a cacheable method, how long it keeps (`ttlMs`, `cacheScope`). A 2025-11-25
 * result goes as it is.
 *
 * @example
 * const shape = modernResult('tools/list', { name: 's', version: '1' }, { ttlMs: 60_000, scope: 'public' });
 * shape({ tools: [] }); // { tools: [], resultType: 'complete', _meta: { ... }, ttlMs: 60000, cacheScope: 'public' }
 */
export const modernResult = (method: string, info: Implementation, cache: Required<CacheHint>): ((result: Rec) => Rec) => {
  const hinted = CACHEABLE.has(method);
  // every 2026-07-28 result goes through here: built with `extend`, not a spread and more members
  return (result) => {
    const resultType = result['resultType'] ?? 'complete';
    const meta = result['_meta'];
    const _meta: Rec = meta === undefined || meta === null ? { [META_SERVER_INFO]: info } : extend(meta as Rec, { [META_SERVER_INFO]: info });
    return resultType === 'complete' && hinted
      ? extend(result, { resultType, _meta, ttlMs: cache.ttlMs, cacheScope: cache.scope })
      : extend(result, { resultType, _meta });
  };
};
