import { expect } from 'chai';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { relate, relatedRequestId } from '../../lib/handler/related.js';

describe('relatedRequestId', () => {
  it("should give a response its own id, an error response with id null nothing, and a related notification its request's id", () => {
    expect(relatedRequestId({ jsonrpc: '2.0', id: 3, result: {} })).to.equal(3);
    expect(relatedRequestId({ jsonrpc: '2.0', id: 0, error: { code: -32603, message: 'x' } })).to.equal(0);
    expect(relatedRequestId({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'x' } })).to.equal(undefined);
    const progress: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1 } };
    expect(relatedRequestId(progress)).to.equal(undefined);
    expect(relate(progress, 'r1')).to.equal(progress);
    expect(relatedRequestId(progress)).to.equal('r1');
    // the wire form is untouched
    expect(JSON.parse(JSON.stringify(progress))).to.deep.equal({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1 } });
  });
});
