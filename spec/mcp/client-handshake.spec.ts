import { expect } from 'chai';
import { ConnectionClosedError, JsonRpcError, RequestTimeoutError } from '../../lib/index.js';
import { classifyProbe } from '../../lib/mcp.js';

// The server/discover probe of era 'auto', read as MCP 2026-07-28 says (basic/transports/stdio,
// "Backward Compatibility"): modern evidence keeps the client modern; anything else falls back.

describe('classifyProbe', () => {
  it('should call a DiscoverResult listing 2026-07-28 modern, with the server it describes', () => {
    const v = classifyProbe({ result: { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, _meta: { 'io.modelcontextprotocol/serverInfo': { name: 's', version: '1' } } } });
    expect(v).to.deep.equal({ kind: 'modern', description: { era: '2026-07-28', protocolVersion: '2026-07-28', capabilities: { tools: {} }, supportedVersions: ['2026-07-28'], serverInfo: { name: 's', version: '1' } } });
  });

  it('should fall back on any error that is not a modern one, keyed to no one code', () => {
    for (const error of [new JsonRpcError(-32601, 'Method not found'), new JsonRpcError(-32602, 'Invalid params'), new JsonRpcError(-32600, 'not initialized'), new RequestTimeoutError(0, 10_000)])
      expect(classifyProbe({ error })).to.deep.equal({ kind: 'legacy' });
  });

  it('should fall back on a result that is no DiscoverResult, or one without 2026-07-28', () => {
    expect(classifyProbe({ result: {} })).to.deep.equal({ kind: 'legacy' });
    expect(classifyProbe({ result: { supportedVersions: ['2027-01-01'], capabilities: {} } })).to.deep.equal({ kind: 'legacy' });
  });

  it('should not fall back when a modern server lists only versions this client does not speak', () => {
    const v = classifyProbe({ error: new JsonRpcError(-32022, 'Unsupported protocol version', { supported: ['2027-01-01'], requested: '2026-07-28' }) });
    expect(v.kind).to.equal('failed');
  });

  it('should fall back when -32022 lists 2025 versions, and fail on a closed connection', () => {
    expect(classifyProbe({ error: new JsonRpcError(-32022, 'no', { supported: ['2025-11-25'] }) })).to.deep.equal({ kind: 'legacy' });
    expect(classifyProbe({ error: new ConnectionClosedError() }).kind).to.equal('failed');
  });
});
