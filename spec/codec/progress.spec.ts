import { expect } from 'chai';
import { ProgressParams, RequestMeta } from '../../lib/codec/progress.js';

describe('notifications/progress', () => {
  it('should take a token, a number and an optional number total and string message, and refuse the rest', () => {
    expect(ProgressParams.is({ progressToken: 't', progress: 1 })).to.equal(true);
    expect(ProgressParams.is({ progressToken: 0, progress: 1, total: 2, message: 'half' })).to.equal(true);
    expect(ProgressParams.is({ progressToken: 0, progress: 1, message: 5 })).to.equal(false);
    expect(ProgressParams.is({ progressToken: 0, progress: 1, total: '2' })).to.equal(false);
    expect(ProgressParams.is({ progressToken: null, progress: 1 })).to.equal(false);
    expect(ProgressParams.is({ progressToken: 0, progress: '1' })).to.equal(false);
  });

  it('should read a progressToken from a request _meta, and refuse a bad one', () => {
    expect(RequestMeta.is({ _meta: { progressToken: 3 } })).to.equal(true);
    expect(RequestMeta.is({ _meta: { progressToken: { a: 1 } } })).to.equal(false);
  });
});
