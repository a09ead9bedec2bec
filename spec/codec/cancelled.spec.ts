import { expect } from 'chai';
import { CancelledParams } from '../../lib/codecs.js';
import { cancelledRequestId } from '../../lib/codec/cancelled.js';

describe('notifications/cancelled', () => {
  it('should read the id a cancel names, and none from a request, another method or a bad id', () => {
    expect(cancelledRequestId({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 0 } })).to.equal(0);
    expect(cancelledRequestId({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'a', reason: 'x' } })).to.equal('a');
    expect(cancelledRequestId({ jsonrpc: '2.0', id: 1, method: 'notifications/cancelled', params: { requestId: 2 } })).to.equal(undefined);
    expect(cancelledRequestId({ jsonrpc: '2.0', method: 'notifications/progress', params: { requestId: 2 } })).to.equal(undefined);
    expect(cancelledRequestId({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1.5 } })).to.equal(undefined);
    expect(cancelledRequestId({ jsonrpc: '2.0', id: 1, result: {} })).to.equal(undefined);
  });

  it('should take a string reason and refuse any other', () => {
    expect(CancelledParams.is({ requestId: 1, reason: 'why' })).to.equal(true);
    expect(CancelledParams.is({ requestId: 1, reason: 42 })).to.equal(false);
    expect(CancelledParams.is({ reason: 'why' })).to.equal(false);
  });
});
