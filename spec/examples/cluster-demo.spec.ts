import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { Lines, ROOT, example, tsNode } from '../transport/support.js';

const haveRedis = spawnSync('redis-server', ['--version']).status === 0;

describe('npm run demo:cluster (examples/cluster/demo.ts)', function () {
  this.timeout(20_000);

  it('should show the cancel landing on the other instance than the call, the cleanup where the call runs, and exit 0 by itself', async function () {
    if (!haveRedis) this.skip();
    const { command, args } = tsNode(example('cluster/demo.ts'));
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new Lines(child.stdout);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const text = out.all.join('\n');
    expect(code, text).to.equal(0);
    expect(text).to.match(/initialize -> A, tools\/call -> B, notifications\/cancelled -> A; the cleanup ran on B/);
    expect(text).to.match(/B\s+cleanup of slow_count #1 ran here: cancelled \(peer: user stop\)/);
    expect(text).to.match(/B\s+session \S+ taken over here from Redis/);
  });
});
