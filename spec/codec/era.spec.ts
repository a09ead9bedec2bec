import { expect } from 'chai';
import { ERA_VERSIONS, META_PROTOCOL_VERSION, eraOfVersion, requestVersion } from '../../lib/codec/era.js';

describe('protocol eras (codec)', () => {
  it('should map every version to its era, and an unknown one to none', () => {
    for (const v of ERA_VERSIONS['2026-07-28']) expect(eraOfVersion(v), v).to.equal('2026-07-28');
    for (const v of ERA_VERSIONS['2025-11-25']) expect(eraOfVersion(v), v).to.equal('2025-11-25');
    expect(eraOfVersion('1999-01-01')).to.equal(undefined);
  });

  it('should read the protocol version a request carries in _meta, and none otherwise', () => {
    expect(requestVersion({ _meta: { [META_PROTOCOL_VERSION]: '2026-07-28' } })).to.equal('2026-07-28');
    expect(requestVersion({ _meta: { [META_PROTOCOL_VERSION]: 7 } })).to.equal(undefined);
    expect(requestVersion({ _meta: {} })).to.equal(undefined);
    expect(requestVersion(undefined)).to.equal(undefined);
  });
});
