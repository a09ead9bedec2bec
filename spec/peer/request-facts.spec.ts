import { expect } from 'chai';
import { requestFacts, resultFacts } from '../../lib/peer/request-facts.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('what events say of a request (request facts)', () => {
  it("should name a request's tool or prompt and the version it speaks, and its trace context only when asked", () => {
    const params = { name: 'echo', _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', traceparent: TRACEPARENT } };
    const trace = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
    expect(requestFacts('tools/call', params, true)).to.deep.equal({ target: { kind: 'tool', name: 'echo' }, protocolVersion: '2026-07-28', trace });
    expect(requestFacts('tools/call', params, false)).to.deep.equal({ target: { kind: 'tool', name: 'echo' }, protocolVersion: '2026-07-28' });
    expect(requestFacts('prompts/get', { name: 'summarize' }, true)).to.deep.equal({ target: { kind: 'prompt', name: 'summarize' } });
  });

  it('should say nothing of what it cannot vouch for: no params, an unknown version, a bad traceparent', () => {
    expect(requestFacts('tools/call', undefined, true)).to.deep.equal({});
    expect(requestFacts('tools/list', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2099-01-01', traceparent: 'x'.repeat(1_000_000) } }, true)).to.deep.equal({});
  });

  it("should tell a tool's failure and an initialize's version from a result, and nothing else", () => {
    expect(resultFacts('tools/call', { content: [], isError: true })).to.deep.equal({ toolError: true });
    expect(resultFacts('tools/call', { content: [], isError: 'yes' })).to.deep.equal({});
    expect(resultFacts('initialize', { protocolVersion: '2025-11-25', capabilities: {} })).to.deep.equal({ protocolVersion: '2025-11-25' });
    expect(resultFacts('tools/list', { protocolVersion: '2025-11-25' })).to.deep.equal({});
  });
});
