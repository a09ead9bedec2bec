import { expect } from 'chai';
import { WireFault } from '../../lib/index.js';
import { HeldInput } from '../../lib/transport/held-input.js';

describe('HeldInput', () => {
  it('should let responses, progress and cancels of requests not held pass, and hold the rest', () => {
    const h = new HeldInput();
    h.hold({ jsonrpc: '2.0', id: 5, method: 'slow' }, 10);
    expect(h.mayPass({ jsonrpc: '2.0', id: 1, result: {} })).to.equal(true);
    expect(h.mayPass({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } })).to.equal(true);
    expect(h.mayPass({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } })).to.equal(true);
    // its request is still held: the cancel must not overtake it
    expect(h.mayPass({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5 } })).to.equal(false);
    expect(h.mayPass({ jsonrpc: '2.0', id: 2, method: 'x' })).to.equal(false);
    expect(h.mayPass({ jsonrpc: '2.0', method: 'notifications/other' })).to.equal(false);
    expect(h.mayPass([{ jsonrpc: '2.0', id: 1, result: {} }])).to.equal(false);
    expect(h.mayPass(WireFault.of('parse-error', 'x'))).to.equal(false);
  });

  it('should deliver what it holds in order, count its bytes, and forget the held ids once empty', () => {
    const h = new HeldInput();
    h.hold({ jsonrpc: '2.0', id: 5, method: 'a' }, 10);
    h.hold({ jsonrpc: '2.0', id: 6, method: 'b' }, 20);
    expect([h.empty, h.bytes]).to.deep.equal([false, 30]);
    expect(h.next()).to.deep.include({ id: 5 });
    expect(h.bytes).to.equal(20);
    expect(h.next()).to.deep.include({ id: 6 });
    expect([h.empty, h.bytes]).to.deep.equal([true, 0]);
    expect(h.mayPass({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5 } })).to.equal(true);
  });
});
