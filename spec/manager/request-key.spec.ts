import { expect } from 'chai';
import { CancelReason, RequestKey } from '../../lib/index.js';

describe('RequestKey', () => {
  it('should keep ids 1 and "1" and sessions apart in its string form, whatever the characters', () => {
    const keys = [RequestKey.of(1), RequestKey.of('1'), RequestKey.of(1, 's'), RequestKey.of('1', 's'), RequestKey.of('s:1'), RequestKey.of(1, 's:'), RequestKey.of('', 's')];
    expect(new Set(keys.map(RequestKey.toString)).size).to.equal(keys.length);
    expect(RequestKey.toString(RequestKey.of(1, 's'))).to.equal(RequestKey.toString({ sessionId: 's', requestId: 1 }));
  });

  it('should compare keys by session and id, and leave an absent reason out', () => {
    expect(RequestKey.equals(RequestKey.of(1, 'a'), { sessionId: 'a', requestId: 1 })).to.equal(true);
    expect(RequestKey.equals(RequestKey.of(1, 'a'), RequestKey.of('1', 'a'))).to.equal(false);
    expect(RequestKey.of(1)).to.deep.equal({ requestId: 1 });
    expect(CancelReason.of('peer')).to.deep.equal({ source: 'peer' });
    expect(CancelReason.of('close', 'bye')).to.deep.equal({ source: 'close', reason: 'bye' });
  });
});
