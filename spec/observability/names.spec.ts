import { expect } from 'chai';
import { KNOWN_CODES, KNOWN_METHODS, OTHER, nameBudget } from '../../lib/observability/names.js';

describe('bounded names (OpenTelemetry)', () => {
  it('should pass the first max distinct names, and every repeat of them, then give OTHER', () => {
    const name = nameBudget(2, new Set());
    expect(['a', 'b', 'a', 'c', 'b', 'd'].map(name)).to.deep.equal(['a', 'b', 'a', OTHER, 'b', OTHER]);
  });

  it("should always pass MCP's own methods, which do not use up the budget", () => {
    const name = nameBudget(1, KNOWN_METHODS);
    expect(['tools/call', 'initialize', 'x/custom', 'tools/list', 'y/custom'].map(name)).to.deep.equal(['tools/call', 'initialize', 'x/custom', 'tools/list', OTHER]);
  });

  it('should always pass the codes JSON-RPC and MCP define, which do not use up the budget', () => {
    const code = nameBudget(1, KNOWN_CODES);
    expect(['-32601', '-32002', '7', '-32603', '8'].map(code)).to.deep.equal(['-32601', '-32002', '7', '-32603', OTHER]);
  });

  it('should pass nothing new with a budget of 0', () => {
    expect(nameBudget(0, new Set())('a')).to.equal(OTHER);
  });
});
