import { expect } from 'chai';
import fc from 'fast-check';
import { extend } from '../../lib/codec/extend.js';

describe('extend', () => {
  it('should be the object { ...base, ...extra } is, for any two objects', () => {
    fc.assert(
      fc.property(fc.object(), fc.object(), (base, extra) => {
        const got = extend(base, extra);
        const want = { ...base, ...extra };
        expect(got).to.deep.equal(want);
        expect(Object.keys(got)).to.deep.equal(Object.keys(want));
        expect(Object.getPrototypeOf(got)).to.equal(Object.prototype);
      }),
    );
  });

  it('should keep a __proto__ member of either side a plain member, never the copy\'s prototype', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    for (const got of [extend(hostile, { b: 2 }), extend({ b: 2 }, hostile)]) {
      expect(Object.getPrototypeOf(got)).to.equal(Object.prototype);
      expect((got as { polluted?: unknown }).polluted).to.equal(undefined);
      expect(Object.prototype.hasOwnProperty.call(got, '__proto__')).to.equal(true);
      expect(JSON.stringify(got)).to.include('"__proto__":{"polluted":true}');
    }
  });

  it('should copy, never change, either object', () => {
    const base = { a: 1, _meta: { x: 1 } };
    const extra = { _meta: { y: 2 } };
    const got = extend(base, extra);
    expect(got).to.deep.equal({ a: 1, _meta: { y: 2 } });
    expect(base).to.deep.equal({ a: 1, _meta: { x: 1 } });
    expect(got).to.not.equal(base);
  });
});
