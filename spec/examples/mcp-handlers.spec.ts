import { expect } from 'chai';
import { META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION } from '../../lib/codec/era.js';
import { ErrorCodes, type PeerOptions } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { mcpHandlers, type McpHandlersOptions } from '../../examples/mcp-handlers.js';
import { cancel, drive, req } from '../helpers.js';
import { until } from '../transport/support.js';

// The example servers' MCP layer, in process: which era a request is answered by, what a 2026
// result carries, and what the stats tool counts.

type Rec = Record<string, unknown>;
const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});
const meta2026 = (extra: Rec = {}): Rec => ({ _meta: { [META_PROTOCOL_VERSION]: '2026-07-28', [META_CLIENT_CAPABILITIES]: {}, ...extra } });

/** A peer serving the handlers; `answer` sends one request and waits for its response. */
const serving = (options: McpHandlersOptions = {}, peer: PeerOptions = {}) => {
  const d = drive({ ...peer, handlers: mcpHandlers(options) });
  const answer = async (id: number, method: string, params?: Rec): Promise<Rec> => {
    d.incoming.next(req(id, method, params));
    await until(() => d.out.some((m) => rec(m)['id'] === id), 2_000, `the response to #${id}`);
    return rec(d.out.find((m: JsonRpcMessage) => rec(m)['id'] === id));
  };
  return { ...d, answer };
};

describe('examples/mcp-handlers', () => {
  describe('served', () => {
    it('should answer server/discover with a complete, cacheable result that names the server', async () => {
      const s = serving();
      const r = rec((await s.answer(1, 'server/discover', meta2026()))['result']);
      expect(r).to.deep.include({ resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {}, logging: {} }, cacheScope: 'public' });
      expect(r['ttlMs']).to.be.a('number').and.to.be.at.least(0);
      expect(rec(r['_meta'])['io.modelcontextprotocol/serverInfo']).to.deep.equal({ name: 'mcp-rx-cancel-example', version: '0.1.0' });
    });

    it('should mark 2026 tool results complete, and leave 2025 results as they were', async () => {
      const modern = rec((await serving().answer(1, 'tools/call', { name: 'echo', arguments: { text: 'a' }, ...meta2026() }))['result']);
      expect(modern).to.include({ resultType: 'complete' });
      expect(modern).to.not.have.property('ttlMs');
      const legacy = rec((await serving().answer(2, 'tools/call', { name: 'echo', arguments: { text: 'b' } }))['result']);
      expect(legacy).to.deep.equal({ content: [{ type: 'text', text: 'b' }] });
    });

    it('should not serve initialize on a connection pinned to 2026-07-28, though it has a handler for it', async () => {
      const s = serving({}, { era: '2026-07-28' });
      const r = await s.answer(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } });
      expect(rec(r['error'])['code']).to.equal(ErrorCodes.MethodNotFound);
    });

    it('should count a cancelled call once in stats: one cleanup, nothing in flight', async () => {
      const cleanups: string[] = [];
      const s = serving({ report: { cleanup: (id, tool, how, era) => void cleanups.push(`${tool} #${String(id)} ${era}: ${how}`) } });
      const stats = async (id: number): Promise<Rec> => rec(rec((await s.answer(id, 'tools/call', { name: 'stats', ...meta2026() }))['result'])['structuredContent']);
      expect(await stats(1)).to.deep.equal({ inFlight: 0, cleanups: 0 });
      s.incoming.next(req(2, 'tools/call', { name: 'slow_count', arguments: { steps: 100, intervalMs: 1_000 }, ...meta2026() }));
      expect(await stats(3)).to.deep.equal({ inFlight: 1, cleanups: 0 });
      s.incoming.next(cancel(2, 'stop'));
      expect(await stats(4)).to.deep.equal({ inFlight: 0, cleanups: 1 });
      expect(cleanups).to.deep.equal(['slow_count #2 2026-07-28: cancelled (peer: stop)']);
      expect(s.out.some((m) => rec(m)['id'] === 2)).to.equal(false);
    });
  });
});
