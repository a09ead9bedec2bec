import { expect } from 'chai';
import fc from 'fast-check';
import * as t from 'io-ts';
import { isUnknownRecord } from '../../lib/codec/unknown-record.js';

describe('isUnknownRecord', () => {
  it('should say what t.UnknownRecord.is says, for any value', () => {
    fc.assert(fc.property(fc.anything({ withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }), (u) => {
      expect(isUnknownRecord(u)).to.equal(t.UnknownRecord.is(u));
    }));
    for (const u of [null, undefined, [], new Date(), () => 1, 'x', 1, Object.create(null), {}]) expect(isUnknownRecord(u)).to.equal(t.UnknownRecord.is(u));
  });
});
