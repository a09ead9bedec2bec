import { expect } from 'chai';
import { META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION } from '../../lib/codec/era.js';
import { ErrorCodes, JsonRpcError, type JsonRpcMessage } from '../../lib/index.js';
import { eraOfRequest, mcpHandlers, type McpHandlersOptions } from '../../examples/mcp-handlers.js';
import { cancel, drive, req } from '../helpers.js';
import { until } from '../transport/support.js';

// The example servers' MCP layer, in process: which era a request is answered by, what a 2026
// result carries, and what the stats tool counts.

type Rec = Record<string, unknown>;
const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});
const meta2026 = (extra: Rec = {}): Rec => ({ _meta: { [META_PROTOCOL_VERSION]: '2026-07-28', [META_CLIENT_CAPABILITIES]: {}, ...extra } });
const codeOf = (e: unknown): number | undefined => (e instanceof JsonRpcError ? e.code : undefined);

/** A peer serving the handlers; `answer` sends one request and waits for its response. */
const serving = (options: McpHandlersOptions = {}) => {
  const d = drive({ handlers: mcpHandlers(options) });
  const answer = async (id: number, method: string, params?: Rec): Promise<Rec> => {
    d.incoming.next(req(id, method, params));
    await until(() => d.out.some((m) => rec(m)['id'] === id), 2_000, `the response to #${id}`);
    return rec(d.out.find((m: JsonRpcMessage) => rec(m)['id'] === id));
  };
  return { ...d, answer };
};

describe('examples/mcp-handlers', () => {
  describe('eraOfRequest', () => {
    it('should answer a request by the era it names, and a request naming none as 2025-11-25 (auto)', () => {
      expect(eraOfRequest('tools/list', meta2026(), 'auto')).to.equal('2026-07-28');
      expect(eraOfRequest('tools/list', {}, 'auto')).to.equal('2025-11-25');
      expect(eraOfRequest('tools/list', undefined, 'auto')).to.equal('2025-11-25');
      expect(eraOfRequest('initialize', { protocolVersion: '2025-11-25' }, 'auto')).to.equal('2025-11-25');
    });

    it('should refuse an unknown version with -32022 and what it supports', () => {
      const e = eraOfRequest('tools/list', { _meta: { [META_PROTOCOL_VERSION]: '2099-01-01', [META_CLIENT_CAPABILITIES]: {} } }, 'auto');
      expect(codeOf(e)).to.equal(ErrorCodes.UnsupportedProtocolVersion);
      expect((e as JsonRpcError).data).to.deep.equal({ supported: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'], requested: '2099-01-01' });
      // fixed to one era, a version of the other is not spoken either
      const fixed = eraOfRequest('tools/list', { _meta: { [META_PROTOCOL_VERSION]: '2025-11-25', [META_CLIENT_CAPABILITIES]: {} } }, '2026-07-28');
      expect((fixed as JsonRpcError).data).to.deep.equal({ supported: ['2026-07-28'], requested: '2025-11-25' });
    });

    it('should take a 2025 version named in _meta as a 2025 request, as the peer does (auto)', () => {
      expect(eraOfRequest('ping', { _meta: { [META_PROTOCOL_VERSION]: '2025-06-18' } }, 'auto')).to.equal('2025-11-25');
    });

    it('should refuse a 2026 request without its capabilities, or without a version when the era is fixed, with -32602', () => {
      expect(codeOf(eraOfRequest('tools/list', { _meta: { [META_PROTOCOL_VERSION]: '2026-07-28' } }, 'auto'))).to.equal(ErrorCodes.InvalidParams);
      expect(codeOf(eraOfRequest('tools/list', {}, '2026-07-28'))).to.equal(ErrorCodes.InvalidParams);
    });

    it("should not find a method the request's era does not have", () => {
      for (const m of ['initialize', 'ping', 'logging/setLevel'])
        expect(codeOf(eraOfRequest(m, meta2026(), 'auto')), m).to.equal(ErrorCodes.MethodNotFound);
      expect(codeOf(eraOfRequest('server/discover', meta2026(), '2025-11-25'))).to.equal(ErrorCodes.MethodNotFound);
      // a fixed 2025 era ignores _meta: the request is a 2025 one
      expect(eraOfRequest('tools/list', meta2026(), '2025-11-25')).to.equal('2025-11-25');
    });
  });

  describe('served', () => {
    it('should answer server/discover with a complete, cacheable result that names the server', async () => {
      const s = serving();
      const r = rec((await s.answer(1, 'server/discover', meta2026()))['result']);
      expect(r).to.deep.include({ resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, cacheScope: 'public' });
      expect(r['ttlMs']).to.be.a('number').and.to.be.at.least(0);
      expect(rec(r['_meta'])['io.modelcontextprotocol/serverInfo']).to.deep.equal({ name: 'mcp-rx-cancel-example', version: '0.1.0' });
    });

    it('should mark 2026 tool results complete, and leave 2025 results as they were', async () => {
      const s = serving();
      const modern = rec((await s.answer(1, 'tools/call', { name: 'echo', arguments: { text: 'a' }, ...meta2026() }))['result']);
      expect(modern).to.include({ resultType: 'complete' });
      expect(modern).to.not.have.property('ttlMs');
      const legacy = rec((await s.answer(2, 'tools/call', { name: 'echo', arguments: { text: 'b' } }))['result']);
      expect(legacy).to.deep.equal({ content: [{ type: 'text', text: 'b' }] });
    });

    it('should not serve initialize when the era is fixed to 2026-07-28', async () => {
      const s = serving({ era: '2026-07-28' });
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
