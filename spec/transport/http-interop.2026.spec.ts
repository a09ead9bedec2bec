import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2, type VersionNegotiationMode } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { firstValueFrom } from 'rxjs';
import type { ToolStats } from '../../examples/mcp-handlers.js';
import { connect } from '../../lib/index.js';
import { streamableHttpClient } from '../../lib/http.js';
import { Lines, ROOT, example, tsNode, until } from './support.js';

// examples/http-server.ts in a child process, on a free port of 127.0.0.1, against every client
// there is: SDK 1.32.2 and SDK v2 in legacy mode (2025-11-25: sessions, cancel by notification),
// SDK v2 pinned to 2026-07-28 and our own streamableHttpClient (one POST per request, cancel by
// closing its stream). Each aborts a slow_count mid-call; `stats` then shows the cleanup ran
// once and nothing is in flight.

type Rec = Record<string, unknown>;
const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});

interface Side {
  call(name: string, args: Rec, options?: { signal?: AbortSignal; onprogress?: (p: { progress: number }) => void }): Promise<Rec>;
  close(): Promise<void>;
}

const v1 = async (url: string): Promise<Side> => {
  const client = new ClientV1({ name: 'sdk-v1', version: '1.32.2' });
  await client.connect(new HttpV1(new URL(url)));
  return { call: async (name, args, o = {}) => rec(await client.callTool({ name, arguments: args }, undefined, o)), close: () => client.close() };
};
const v2 = async (url: string, mode: VersionNegotiationMode): Promise<Side> => {
  const client = new ClientV2({ name: 'sdk-v2', version: '2.4.0' }, { versionNegotiation: { mode } });
  await client.connect(new HttpV2(new URL(url)));
  return { call: async (name, args, o = {}) => rec(await client.callTool({ name, arguments: args }, o)), close: () => client.close() };
};

const statsOf = async (side: Side): Promise<ToolStats> => {
  const s = rec((await side.call('stats', {}))['structuredContent']);
  return { inFlight: Number(s['inFlight']), cleanups: Number(s['cleanups']) };
};

describe('examples/http-server.ts against the official clients, both eras', () => {
  let child: ChildProcess;
  let url: string;
  let stderr: Lines;

  before(async () => {
    const { command, args } = tsNode(example('http-server.ts'));
    child = spawn(command, [...args, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new Lines(child.stdout);
    stderr = new Lines(child.stderr);
    url = (await out.waitFor(/^listening on (\S+)$/, 15_000))[1] ?? '';
  });
  after(() => {
    child.kill('SIGTERM');
  });

  const abortMidCall = async (side: Side, how: string): Promise<void> => {
    const before = await statsOf(side);
    const cleanupLines = (): number => stderr.all.filter((l) => l.includes('cleanup slow_count') && l.includes(`cancelled ${how}`)).length;
    const linesBefore = cleanupLines();
    const ac = new AbortController();
    let progressed = 0;
    const call = side.call('slow_count', { steps: 1_000, intervalMs: 10 }, { signal: ac.signal, onprogress: () => void (++progressed === 2 && ac.abort('user stop')) });
    const error = await call.then(() => undefined, (e: unknown) => e);
    expect(error, 'the call is aborted, not answered').to.not.equal(undefined);
    await until(() => cleanupLines() === linesBefore + 1, 5_000, `a cleanup line saying cancelled ${how}`);
    let after = await statsOf(side);
    for (let i = 0; i < 100 && after.cleanups === before.cleanups; i++) after = await statsOf(side);
    expect(after).to.deep.equal({ inFlight: 0, cleanups: before.cleanups + 1 });
  };

  /** A short slow_count, answered, with each of its progress notifications seen. */
  const countToThree = async (side: Side): Promise<void> => {
    const progress: number[] = [];
    const r = await side.call('slow_count', { steps: 3, intervalMs: 10 }, { onprogress: (p) => void progress.push(p.progress) });
    expect(JSON.stringify(r)).to.include('counted to 3');
    expect(progress).to.deep.equal([1, 2, 3]);
  };

  it('should let SDK 1.32.2 (2025-11-25) list, call with progress, and cancel by notification', async () => {
    const side = await v1(url);
    await countToThree(side);
    await abortMidCall(side, '(peer');
    await side.close();
  });

  it('should let SDK v2 in legacy mode take the 2025 path and cancel by notification', async () => {
    const side = await v2(url, 'legacy');
    await abortMidCall(side, '(peer');
    await side.close();
  });

  it('should let SDK v2 pinned to 2026-07-28 call with progress and cancel by closing the stream', async () => {
    const side = await v2(url, { pin: '2026-07-28' });
    await countToThree(side);
    await abortMidCall(side, '(close');
    await side.close();
  });

  it('should let our own 2026 client cancel by unsubscribing, which closes the POST', async () => {
    const { peer, subscription } = connect(streamableHttpClient({ url }), { era: '2026-07-28', clientInfo: { name: 'rx', version: '1' } });
    const stats = async (): Promise<ToolStats> => rec(rec(await firstValueFrom(peer.request('tools/call', { name: 'stats', arguments: {} })))['structuredContent']) as unknown as ToolStats;
    const before = await stats();
    let progressed = 0;
    const s = peer.request('tools/call', { name: 'slow_count', arguments: { steps: 1_000, intervalMs: 10 } }, { onProgress: () => void progressed++ }).subscribe({ error: () => undefined });
    await until(() => progressed >= 2, 5_000, 'two progress notifications');
    s.unsubscribe();
    let after = await stats();
    for (let i = 0; i < 100 && after.cleanups === before.cleanups; i++) after = await stats();
    expect(after).to.deep.equal({ inFlight: 0, cleanups: before.cleanups + 1 });
    subscription.unsubscribe();
  });
});
