import { expect } from 'chai';
import { isToolError, namedMember, requestTarget } from '../../lib/codec/target.js';
import { spokenVersion } from '../../lib/codec/era.js';

describe('what a request acts on (codec)', () => {
  it('should name the tool of a tools/call and the prompt of a prompts/get, and nothing else', () => {
    expect(requestTarget('tools/call', { name: 'get-weather' })).to.deep.equal({ kind: 'tool', name: 'get-weather' });
    expect(requestTarget('prompts/get', { name: 'summarize' })).to.deep.equal({ kind: 'prompt', name: 'summarize' });
    for (const [m, p] of [['tools/list', { name: 'x' }], ['tools/call', {}], ['tools/call', { name: 7 }], ['tools/call', { name: '' }], ['tools/call', undefined]] as const)
      expect(requestTarget(m, p), m).to.equal(undefined);
  });

  it("should name nothing for a method that is a name of Object.prototype (the peer's input picks it)", () => {
    for (const m of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])
      expect([requestTarget(m, { name: 'x' }), namedMember(m)], m).to.deep.equal([undefined, undefined]);
    expect(namedMember('resources/read')).to.equal('uri');
  });

  it('should cut a long name to 256 characters', () => {
    expect(requestTarget('tools/call', { name: 'x'.repeat(1_000_000) })?.name).to.equal(`${'x'.repeat(256)}…`);
  });

  it('should tell a tool error only from a tools/call result with isError: true', () => {
    expect(isToolError('tools/call', { content: [], isError: true })).to.equal(true);
    expect(isToolError('tools/call', { content: [], isError: 'true' })).to.equal(false);
    expect(isToolError('prompts/get', { isError: true })).to.equal(false);
  });

  it('should read a spoken protocol version only: from a 2026 _meta or an initialize, never an unknown one', () => {
    expect(spokenVersion('initialize', { protocolVersion: '2025-06-18' })).to.equal('2025-06-18');
    expect(spokenVersion('x', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } })).to.equal('2026-07-28');
    expect(spokenVersion('initialize', { protocolVersion: 'x'.repeat(10_000) })).to.equal(undefined);
    expect(spokenVersion('tools/call', { protocolVersion: '2025-06-18' })).to.equal(undefined);
  });
});
