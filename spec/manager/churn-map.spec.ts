import { expect } from 'chai';
import fc from 'fast-check';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ChurnMap, RENEW_AFTER } from '../../lib/manager/churn-map.js';

// mocha runs without --expose-gc: the flag can be set at run time, and a new context then has `gc`
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
const oldSpaceUsed = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;

type Op = { readonly op: 'set'; readonly k: number; readonly v: number } | { readonly op: 'delete'; readonly k: number } | { readonly op: 'clear' };

describe('ChurnMap', () => {
  it('should hold what a Map holds, in the same order, through its renewals', () => {
    // few keys and many sets: renewals every RENEW_AFTER sets or so, with entries deleted and
    // re-set across them; at most one clear, which starts the count again
    const arbOp: fc.Arbitrary<Op> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), k: fc.integer({ min: 0, max: 40 }), v: fc.integer() }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), k: fc.integer({ min: 0, max: 40 }) }) },
    );
    const arbOps = fc
      .tuple(fc.array(arbOp, { minLength: 3 * RENEW_AFTER, maxLength: 5 * RENEW_AFTER }), fc.option(fc.nat(), { nil: undefined }))
      .map(([ops, at]) => (at === undefined ? ops : [...ops.slice(0, at % ops.length), { op: 'clear' as const }, ...ops.slice(at % ops.length)]));
    fc.assert(
      fc.property(arbOps, (ops) => {
        const model = new Map<number, number>();
        const m = new ChurnMap<number, number>();
        for (const o of ops) {
          if (o.op === 'set') {
            model.set(o.k, o.v);
            m.set(o.k, o.v);
          } else if (o.op === 'delete') expect(m.delete(o.k)).to.equal(model.delete(o.k));
          else {
            model.clear();
            m.clear();
          }
          expect(m.size).to.equal(model.size);
        }
        expect([...m]).to.deep.equal([...model]);
        expect([...m.keys()]).to.deep.equal([...model.keys()]);
        expect([...m.values()]).to.deep.equal([...model.values()]);
        for (let k = 0; k <= 40; k++) {
          expect(m.get(k)).to.equal(model.get(k));
          expect(m.has(k)).to.equal(model.has(k));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('should let young collections free what was deleted after a full collection (a Map keeps it all)', function () {
    // 100 entries live at a time, each new one ~0.5 KB; a full collection moves the live table
    // to the old generation, then 20,000 more come and go with young collections between
    const churned = (m: { set(k: number, v: unknown): unknown; delete(k: number): boolean }): number => {
      let id = 0;
      const step = (n: number): void => {
        for (let i = 0; i < n; i++, id++) {
          m.set(id, new Array<number>(64).fill(id));
          m.delete(id - 100);
        }
      };
      step(5000);
      gc();
      const before = oldSpaceUsed();
      for (let k = 0; k < 20; k++) {
        step(1000);
        gc({ type: 'minor' });
      }
      return oldSpaceUsed() - before;
    };
    const map = churned(new Map<number, unknown>());
    // a Map: every dead table and the entries it held, promoted (~8 MB on Node 20); an engine
    // without the trap has nothing to show here
    if (map < 4_000_000) this.skip();
    const churnMap = churned(new ChurnMap<number, unknown>());
    // ours: at most the chain before one renewal
    expect(churnMap, `${churnMap} bytes promoted`).to.be.below(1_000_000);
  });
});
