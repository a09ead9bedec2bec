import { expect } from 'chai';
import fc from 'fast-check';
import { Recent } from '../../lib/manager/recent.js';

describe('Recent', () => {
  it('should remember exactly the last `capacity` distinct keys, in the order first set, with their latest value', () => {
    const arbOp = fc.oneof(fc.integer({ min: 0, max: 9 }).map((k) => ({ op: 'set' as const, k })), fc.constant({ op: 'drop' as const, k: -1 }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(arbOp, { maxLength: 60 }), (capacity, ops) => {
        const r = new Recent<number, number>(capacity);
        // the model: a list of keys, oldest first, and a value per key
        const keys: number[] = [];
        const values = new Map<number, number>();
        let v = 0;
        for (const o of ops) {
          if (o.op === 'set') {
            v++;
            if (!keys.includes(o.k)) {
              keys.push(o.k);
              if (keys.length > capacity) keys.shift();
            }
            values.set(o.k, v);
            r.set(o.k, v);
          } else {
            expect(r.dropOldest()).to.equal(keys.length > 0);
            keys.shift();
          }
          expect(r.size).to.equal(keys.length);
          for (let k = 0; k < 10; k++) expect(r.get(k)).to.equal(keys.includes(k) ? values.get(k) : undefined);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('should hold nothing with capacity 0', () => {
    const r = new Recent<string, true>(0);
    r.set('a', true);
    expect([r.size, r.has('a'), r.dropOldest()]).to.deep.equal([0, false, false]);
  });
});
