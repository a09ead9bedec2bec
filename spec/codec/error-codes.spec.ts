import { expect } from 'chai';
import { ErrorCodes, isLocalCode } from '../../lib/codec/error-codes.js';

describe('error codes', () => {
  it('should keep the JSON-RPC codes literal and tell our local codes from the wire ones', () => {
    expect([ErrorCodes.ParseError, ErrorCodes.InvalidRequest, ErrorCodes.MethodNotFound, ErrorCodes.InvalidParams, ErrorCodes.InternalError]).to.deep.equal([-32700, -32600, -32601, -32602, -32603]);
    expect(isLocalCode(ErrorCodes.RequestTimeout)).to.equal(true);
    expect(isLocalCode(ErrorCodes.ConnectionClosed)).to.equal(true);
    expect(isLocalCode(ErrorCodes.InvalidParams)).to.equal(false);
    expect(isLocalCode(ErrorCodes.InternalError)).to.equal(false);
  });
});
