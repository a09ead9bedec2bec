import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { decodeAnnouncement, looksLikeAnnouncement } from '../../lib/manager/bus-decode.js';
import { WireAnnouncement } from '../../lib/manager/bus-wire.js';

// The receiver takes what the hand-written guard accepts without asking io-ts: it must never accept
// what the codec refuses, or a malformed announcement would be applied.
const odd = fc.constantFrom(undefined, null, '', 0, -0, 1.5, NaN, Infinity, 2 ** 53, 'x'.repeat(1025), [], [1], {}, { a: 1 }, true, 'bus', 'tasks/cancel', 'peer', 3);
const arbId = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constantFrom(0, '', -1, 2 ** 53 - 1));
// each member well-formed most of the time, odd (or missing) some of the time
const member = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: odd }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
const arbKey = fc.record({ requestId: member(arbId), sessionId: member(fc.string({ maxLength: 6 })) }, { requiredKeys: [] });
const arbReason = fc.record(
  {
    source: member(fc.constantFrom('peer', 'timeout', 'caller', 'close', 'constructor', 'toString')),
    reason: member(fc.string({ maxLength: 6 })),
    via: member(fc.constant('bus')),
    method: member(fc.constant('tasks/cancel')),
  },
  { requiredKeys: [] },
);
const arbCancel = fc.oneof({ weight: 6, arbitrary: fc.record({ key: member(arbKey), reason: member(arbReason) }, { requiredKeys: [] }) }, { weight: 1, arbitrary: odd });
const arbAnnouncement = fc.record(
  { v: member(fc.constant(3)), origin: member(fc.string({ maxLength: 6 })), cancels: member(fc.array(arbCancel, { maxLength: 5 })), sig: member(fc.string({ maxLength: 6 })), extra: fc.jsonValue({ maxDepth: 1 }) },
  { requiredKeys: [] },
);
const anything = fc.oneof(arbAnnouncement, fc.jsonValue({ maxDepth: 4 }));

describe('decodeAnnouncement (the receiver fast path)', () => {
  it('should accept an announcement only where WireAnnouncement.is does', () => {
    fc.assert(fc.property(anything, (u) => !looksLikeAnnouncement(u) || WireAnnouncement.is(u)), { numRuns: 10_000 });
  });

  it('should decode exactly as the io-ts codec does, and never throw', () => {
    fc.assert(
      fc.property(anything, (u) => {
        const fast = decodeAnnouncement(u);
        const codec = WireAnnouncement.decode(u);
        expect(E.isRight(fast)).to.equal(E.isRight(codec));
        if (E.isRight(fast) && E.isRight(codec)) expect(fast.right).to.deep.equal(codec.right);
      }),
      { numRuns: 5_000 },
    );
  });

  it('should take a well-formed announcement on the fast path', () => {
    const a = { v: 3, origin: 'A', cancels: [{ key: { requestId: 1, sessionId: 'S' }, reason: { source: 'peer', reason: 'stop' } }, { key: { requestId: 'x' }, reason: { source: 'peer', method: 'tasks/cancel' } }], sig: 'ab' };
    expect(looksLikeAnnouncement(a)).to.equal(true);
    expect(looksLikeAnnouncement({ ...a, cancels: [{ key: { requestId: 1.5 }, reason: { source: 'peer' } }] })).to.equal(false);
    expect(looksLikeAnnouncement({ ...a, cancels: [{ key: { requestId: 1 }, reason: { source: 'toString' } }] })).to.equal(false);
  });
});
