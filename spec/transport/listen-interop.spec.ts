import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { Lines, ROOT, fixture, pythonForSuite, tsNode } from './support.js';

// subscriptions/listen between our server and a real client: the official Python MCP SDK 2.3
// (its Client.listen, 2026-07-28) spawns spec/transport/fixtures/listen-server.ts over stdio,
// listens for one resource, hears each update, and sees our server end the listen with its
// result (the graceful close its loop ends on), not a lost stream.

type Step = Record<string, unknown> & { step: string };

describe('subscriptions/listen with the official Python MCP SDK 2.3 as the client (stdio)', function () {
  this.timeout(20_000);
  const pythonOf = pythonForSuite();

  it('should acknowledge what it honours, send each update on the stream, and end it gracefully when the server closes', async () => {
    const { command, args } = tsNode(fixture('listen-server.ts'));
    const child = spawn(pythonOf(), [fixture('python/listen.py'), '--', command, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new Lines(child.stdout);
    const err = new Lines(child.stderr);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const steps = out.all.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Step);
    expect(steps.filter((s) => s.step === 'error'), err.all.join('\n')).to.deep.equal([]);
    expect(code).to.equal(0);
    // list changes are left out: this server's lists never change
    expect(String(steps[0]?.['honored'])).to.match(/tools_list_changed=None.*resource_subscriptions=\['notes:\/\/today'\]/);
    expect(steps.slice(1).map((s) => s.step)).to.deep.equal(['updated', 'updated', 'updated', 'ended', 'done']);
    expect(steps.filter((s) => s.step === 'updated').every((s) => s['event'] === 'ResourceUpdated' && s['uri'] === 'notes://today')).to.equal(true);
    expect(err.all).to.include('closing the server');
  });
});
