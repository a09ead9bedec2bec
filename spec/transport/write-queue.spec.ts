import { expect } from 'chai';
import fc from 'fast-check';
import { WriteQueue } from '../../lib/transport/write-queue.js';

const drainAll = (q: WriteQueue): string[] => (q.take(Infinity) ?? '').split('\n').filter((l) => l !== '');

describe('WriteQueue', () => {
  it('should keep one progress per token, in the place of the first, and count what it sheds', () => {
    const q = new WriteQueue(1024);
    q.offer('a', 'a1\n', 3);
    q.push('r1\n', 3, () => undefined);
    q.offer('a', 'a2\n', 3);
    q.offer('b', 'b1\n', 3);
    q.offer('a', 'a3\n', 3);
    expect(drainAll(q)).to.deep.equal(['a3', 'r1', 'b1']);
    expect(q.takeShed()).to.equal(2);
    expect(q.takeShed()).to.equal(0);
    expect(q.empty).to.equal(true);
  });

  it('should shed waiting progress, oldest first, to make room for what must be delivered', () => {
    const q = new WriteQueue(10);
    q.offer(1, 'p1\n', 3);
    q.offer(2, 'p2\n', 3);
    q.offer(3, 'p3\n', 3);
    expect(q.canHold(6)).to.equal(true);
    q.push('rrrrr\n', 6, () => undefined);
    expect(drainAll(q)).to.deep.equal(['p3', 'rrrrr']);
    expect(q.takeShed()).to.equal(2);
    expect(q.canHold(11)).to.equal(false);
  });

  it('should settle what it hands over as written, and what it clears as lost', async () => {
    const q = new WriteQueue(100);
    const settled: unknown[] = [];
    q.push('a\n', 2, (lost) => settled.push(lost ?? 'written'));
    q.push('b\n', 2, (lost) => settled.push(lost ?? 'written'));
    expect(q.take(1)).to.equal('a\n');
    const lost = new Error('gone');
    q.clear(lost);
    expect(settled).to.deep.equal(['written', lost]);
  });

  it('should never write a progress after a message sent later, and lose none uncounted (any sequence)', () => {
    type Op = { kind: 'progress'; token: number } | { kind: 'must'; size: number } | { kind: 'take'; limit: number };
    const arbOp: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('progress' as const), token: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ kind: fc.constant('must' as const), size: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ kind: fc.constant('take' as const), limit: fc.integer({ min: 1, max: 60 }) }),
    );
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 60 }), fc.integer({ min: 10, max: 80 }), (ops, max) => {
        const q = new WriteQueue(max);
        let seq = 0;
        const values = new Map<number, number>();
        const out: string[] = [];
        let offered = 0;
        const pushed: number[] = [];
        for (const op of ops) {
          if (op.kind === 'take') out.push(...(q.take(op.limit) ?? '').split('\n').filter((l) => l !== ''));
          else if (op.kind === 'progress') {
            const v = (values.get(op.token) ?? 0) + 1;
            values.set(op.token, v);
            offered++;
            const data = `p:${op.token}:${v}:${seq++}\n`;
            q.offer(op.token, data, data.length);
          } else {
            const s = seq++;
            const data = `m:${s}:${'x'.repeat(op.size)}\n`;
            if (q.canHold(data.length)) {
              q.push(data, data.length, () => undefined);
              pushed.push(s);
            }
          }
        }
        out.push(...drainAll(q));
        const parsed = out.map((l) => l.split(':'));
        // what must be delivered, all of it, in order
        expect(parsed.filter((p) => p[0] === 'm').map((p) => Number(p[1]))).to.deep.equal(pushed);
        // a progress comes before every message sent after it; per token, values rise
        const last = new Map<string, number>();
        parsed.forEach((p, i) => {
          if (p[0] !== 'p') return;
          const sentAt = Number(p[3]);
          expect(parsed.slice(0, i).some((o) => o[0] === 'm' && Number(o[1]) > sentAt)).to.equal(false);
          expect(Number(p[2])).to.be.greaterThan(last.get(p[1] as string) ?? 0);
          last.set(p[1] as string, Number(p[2]));
        });
        expect(parsed.filter((p) => p[0] === 'p').length + q.takeShed()).to.equal(offered);
      }),
      { numRuns: 300 },
    );
  });
});

describe('WriteQueue (edges)', () => {
  it('should hold a message of exactly the room left', () => {
    const q = new WriteQueue(10);
    expect(q.canHold(10)).to.equal(true);
    expect(q.canHold(11)).to.equal(false);
  });

  it('should queue a new progress of a token whose last one was written, shedding nothing', () => {
    const q = new WriteQueue(100);
    q.offer('t', 'a', 1);
    expect(q.take(100)).to.equal('a');
    q.offer('t', 'b', 1);
    expect([q.take(100), q.takeShed()]).to.deep.equal(['b', 0]);
  });

  it('should put a progress offered after its token was shed behind what came before it', () => {
    const q = new WriteQueue(10);
    q.offer('t', 'P', 5);
    q.push('M', 8, () => undefined);
    q.offer('t', 'Q', 1);
    expect(q.take(100)).to.equal('MQ');
  });
});
