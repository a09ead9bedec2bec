import { expect } from 'chai';
import { WireFault } from '../../lib/index.js';
import { FailedSend } from '../../lib/peer/wire-fault.js';

describe('WireFault', () => {
  it('should tell a fault made by WireFault.of from any message, even one with the same fields', () => {
    const f = WireFault.of('parse-error', 'bad line', { line: 'x' });
    expect(WireFault.is(f)).to.equal(true);
    expect(f).to.deep.include({ kind: 'parse-error', message: 'bad line', details: { line: 'x' } });
    expect(WireFault.is({ kind: 'parse-error', message: 'bad line' })).to.equal(false);
    expect(WireFault.is(JSON.parse(JSON.stringify(f)))).to.equal(false);
    expect(WireFault.is(null)).to.equal(false);
  });

  it('should carry the id of the request whose write failed, and none on an untagged fault', () => {
    const f = WireFault.of('transport-error', 'write failed');
    expect(FailedSend.requestId(f)).to.equal(undefined);
    expect(FailedSend.requestId(FailedSend.tag(f, 7))).to.equal(7);
  });
});
