import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { MAX_TRACESTATE_LENGTH, TraceParent, traceContextOf } from '../../lib/codec/trace-context.js';

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const arbFields = fc.record({
  traceId: hex(32).filter((s) => !/^0+$/.test(s)),
  spanId: hex(16).filter((s) => !/^0+$/.test(s)),
  traceFlags: fc.integer({ min: 0, max: 255 }),
});
const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context (codec)', () => {
  it('should decode back to itself any traceparent it encodes (and `is` agrees)', () => {
    fc.assert(
      fc.property(arbFields, (f) => {
        const decoded = TraceParent.decode(TraceParent.encode(f));
        expect(decoded).to.deep.equal(E.right(f));
        expect(TraceParent.is(f)).to.equal(true);
      }),
    );
  });

  it('should never throw, and accept only the W3C shape, whatever the value', () => {
    const shape = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?$/s;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.jsonValue(), arbFields.map((f) => TraceParent.encode(f).toUpperCase())), (u) => {
        const tc = traceContextOf({ _meta: { traceparent: u } });
        if (tc !== undefined) expect(u).to.be.a('string').and.match(shape);
      }),
    );
  });

  it('should refuse zero ids, version ff, uppercase, a version 00 with more fields, and anything too long', () => {
    for (const bad of [
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      VALID.toUpperCase(),
      `${VALID}-00`,
      VALID.slice(0, -1),
      ` ${VALID}`,
      `01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-${'x'.repeat(300)}`,
      `${VALID}${'x'.repeat(10_000_000)}`,
    ])
      expect(traceContextOf({ _meta: { traceparent: bad } }), bad.slice(0, 70)).to.equal(undefined);
    expect(traceContextOf({ _meta: { traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later' } })?.spanId).to.equal('00f067aa0ba902b7');
  });

  it('should keep a tracestate only beside a valid traceparent, printable and at most 512 characters', () => {
    expect(traceContextOf({ _meta: { traceparent: VALID, tracestate: 'rojo=1,congo=2' } })).to.deep.equal({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, traceState: 'rojo=1,congo=2',
    });
    expect(traceContextOf({ _meta: { traceparent: 'nope', tracestate: 'rojo=1' } })).to.equal(undefined);
    for (const bad of ['x'.repeat(MAX_TRACESTATE_LENGTH + 1), 'rojo=1\n', 7, ''])
      expect(traceContextOf({ _meta: { traceparent: VALID, tracestate: bad } })).to.not.have.property('traceState');
    expect(traceContextOf({ _meta: { traceparent: VALID, tracestate: 'x'.repeat(MAX_TRACESTATE_LENGTH) } })?.traceState).to.have.length(MAX_TRACESTATE_LENGTH);
  });

  it('should read nothing from params without _meta, or with a _meta that is not an object', () => {
    for (const p of [undefined, null, 7, {}, { _meta: null }, { _meta: 'traceparent' }, { _meta: [VALID] }]) expect(traceContextOf(p)).to.equal(undefined);
  });
});
