import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { report } from '../../lib/codec/report.js';

const errorsOf = (codec: t.Mixed, u: unknown): t.Errors => {
  const r = codec.decode(u);
  if (E.isRight(r)) throw new Error('expected a decode error');
  return r.left;
};

describe('report', () => {
  it('should name the path and the expected type of each failure, with a bounded preview of the value', () => {
    const lines = report(errorsOf(t.type({ a: t.type({ b: t.number }) }), { a: { b: 'x'.repeat(1_000) } }));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^Invalid value "x+… at a\.b \(expected number\)$/);
    expect(lines[0]?.length).to.be.below(120);
  });

  it('should report at most 8 failures and count the rest', () => {
    const codec = t.type(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, t.number])));
    const lines = report(errorsOf(codec, {}));
    expect(lines).to.have.length(9);
    expect(lines[8]).to.equal('(12 more)');
  });
});
