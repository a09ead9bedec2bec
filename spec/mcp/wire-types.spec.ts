import { expect } from 'chai';
import type { GetPromptResult, PromptMessage } from '../../lib/mcp.js';

// Types a user writes against: checked by `tsc --noEmit -p .`, which `npm test` runs first.

describe('the MCP wire types', () => {
  it('should take a PromptMessage[] as a GetPromptResult\'s messages as it is, with no copy', () => {
    const messages: PromptMessage[] = [{ role: 'user', content: { type: 'text', text: 'Review this code.' } }];
    // an interface (no index signature) fails to compile here
    const result: GetPromptResult = { messages };
    expect(result.messages).to.equal(messages);
  });
});
