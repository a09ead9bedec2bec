import { expect } from 'chai';
import fc from 'fast-check';
import { FuzzTarget } from './harness.js';
import { arbHostile } from './generators.js';

describe('hostile input (fuzz)', () => {
  it('should answer every malformed message as the spec says, never throw, and leak nothing (>= 10,000 messages)', () => {
    const outcomes = new Map<string, number>();
    let messages = 0;
    fc.assert(
      fc.property(fc.array(arbHostile, { minLength: 150, maxLength: 250 }), (inputs) => {
        // a fresh connection per run, so that a shrunk counterexample replays alone
        const target = new FuzzTarget(100);
        for (const m of inputs) target.feed(m);
        target.closeEpoch();
        const r = target.report;
        if (r.violations.length > 0 || r.crashes > 0 || r.leaks > 0) throw new Error(`${r.crashes} crashes, ${r.leaks} leaks:\n${r.violations.join('\n')}`);
        messages += r.messages;
        for (const [k, n] of Object.entries(r.outcomes)) outcomes.set(k, (outcomes.get(k) ?? 0) + n);
      }),
      // a custom reporter: fast-check's own would stringify the counterexample, and one nested
      // 20,000 deep overflows its stack and hides the violation
      {
        numRuns: 60,
        maxSkipsPerRun: 0,
        reporter: (d) => {
          if (d.failed) throw new Error(`fuzz failed (seed ${d.seed}, path ${String(d.counterexamplePath)}): ${d.errorInstance instanceof Error ? d.errorInstance.message : String(d.errorInstance)}`);
        },
      },
    );
    expect(messages).to.be.at.least(10_000);
    // the generators reach every kind of outcome
    for (const [k, n] of outcomes) expect(n, k).to.be.greaterThan(0);
  });
});
