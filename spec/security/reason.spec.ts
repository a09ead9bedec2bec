import { expect } from 'chai';
import { SECURITY_DEFAULTS } from '../../lib/index.js';
import { limitReason } from '../../lib/security/reason.js';

describe('limitReason', () => {
  it('should cut reasons at 1,024 characters by default, without splitting a surrogate pair', () => {
    expect(SECURITY_DEFAULTS.maxReasonLength).to.equal(1024);
    expect(limitReason('ab😀', 3)).to.deep.equal({ reason: 'ab', truncated: true });
    expect(limitReason('abc', 3)).to.deep.equal({ reason: 'abc', truncated: false });
  });
});
