import { META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION } from '../../lib/codec/era.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import type { McpServer } from '../../lib/mcp.js';
import { drive, req } from '../helpers.js';
import { until } from '../transport/support.js';

// An mcpServer driven message by message in process, for the MCP server specs.

export type Rec = Record<string, unknown>;
export const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});
/** The `_meta` of a 2026-07-28 request, with `extra` members. */
export const meta2026 = (extra: Rec = {}): Rec => ({ _meta: { [META_PROTOCOL_VERSION]: '2026-07-28', [META_CLIENT_CAPABILITIES]: {}, ...extra } });

/** `server` on a peer driven by hand: `answer(id, method, params)` sends one request and resolves with its response. */
export const serving = (server: McpServer) => {
  const d = drive(server);
  const answer = async (id: number, method: string, params?: Rec): Promise<Rec> => {
    d.incoming.next(req(id, method, params));
    await until(() => d.out.some((m) => rec(m)['id'] === id), 2_000, `the response to #${id}`);
    return rec(d.out.find((m: JsonRpcMessage) => rec(m)['id'] === id));
  };
  return { ...d, answer };
};
