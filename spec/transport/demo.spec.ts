import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { Lines, ROOT, example, tsNode } from './support.js';

describe('npm run demo (examples/demo.ts)', function () {
  this.timeout(20_000);

  it('should cancel the long call, confirm the server cleanup and exit 0 by itself when not on a terminal', async () => {
    const { command, args } = tsNode(example('demo.ts'));
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new Lines(child.stdout);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const text = out.all.join('\n');
    expect(code, text).to.equal(0);
    expect(text).to.match(/wire →\s+notifications\/cancelled for #3 \(demo timer\)/);
    expect(text).to.match(/server\s+cleanup slow_count #3: cancelled \(peer: demo timer\)/);
    expect(text).to.match(/progress 1\/40/); // plain lines, no bar: stdout is not a TTY
    expect(text).to.not.include('\x1b[');
    expect(text).to.match(/responses received after initialize, by id: 1, 2, 4 /);
  });
});
