import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { ROOT, example, tsNode } from '../transport/support.js';

// examples/audit-log.ts tells its story at the levels pino prints by default: the decisions that
// keep the honest session out of the hostile one's reach, and the flood as one line with a count.

describe('examples/audit-log.ts', function () {
  this.timeout(20_000);

  it('should log each decision at a default level and the flood as one line per sender per second, and exit 0', () => {
    const { command, args } = tsNode(example('audit-log.ts'));
    const r = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 15_000 });
    expect(r.status, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { level: number; why?: string; count?: number; sender?: string; msg: string });
    expect(lines.length).to.be.below(40);
    // pino's default level is info (30): nothing below it is the story
    expect(lines.every((l) => l.level >= 30)).to.equal(true);
    const flood = lines.filter((l) => l.why === 'rate-limited');
    expect(flood.map((l) => [l.sender, l.count])).to.deep.equal([['mallory', 187]]);
    expect(lines.filter((l) => l.why === 'not-allowed').length).to.equal(5);
    expect(lines.at(-1)?.msg).to.equal('summary');
  });
});
