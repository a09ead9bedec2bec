import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import { startLocalRegistry, type LocalRegistry } from '../support/local-registry.js';

// The README's client configuration, verbatim, from an empty folder, as a new user runs it: the
// package comes from a registry (a local one holding the tarball `npm pack` makes, passing the
// rest to npm's), npx installs it, and the official SDK client and the MCP Inspector's CLI talk
// to the example server it starts. Nothing is installed in the folder beforehand.

const ROOT = resolve(import.meta.dirname, '../..');
const INSPECTOR = { dir: join(ROOT, '.cache/inspector'), package: '@modelcontextprotocol/inspector@2.12.0' };

interface ServerEntry { readonly command: string; readonly args: readonly string[] }

/** The first ```json block of the README that configures `mcpServers`. */
const readmeConfig = (): { readonly text: string; readonly name: string; readonly entry: ServerEntry } => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((b) => b.includes('"mcpServers"'));
  if (block === undefined) throw new Error('the README has no ```json block with "mcpServers"');
  const servers = (JSON.parse(block) as { mcpServers: Record<string, ServerEntry> }).mcpServers;
  const [name, entry] = Object.entries(servers)[0] ?? [];
  if (name === undefined || entry === undefined) throw new Error('the README configures no server');
  return { text: block, name, entry };
};

/** The MCP Inspector, pinned, in a folder of its own, and the Node 22 its CLI needs (22.19+). */
const installInspector = (): { readonly node: string; readonly cli: string } => {
  const node22 = spawnSync('bash', [join(ROOT, 'scripts/node22.sh')], { encoding: 'utf8' });
  if (node22.status !== 0) throw new Error(`installing Node 22 failed: ${node22.stderr.slice(-2000)}`);
  const marker = join(INSPECTOR.dir, '.installed');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== INSPECTOR.package) {
    rmSync(INSPECTOR.dir, { recursive: true, force: true });
    mkdirSync(INSPECTOR.dir, { recursive: true });
    const r = spawnSync('npm', ['install', '--prefix', INSPECTOR.dir, '--no-audit', '--no-fund', '--loglevel=error', INSPECTOR.package], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`installing the Inspector failed: ${r.stderr.slice(-2000)}`);
    writeFileSync(marker, INSPECTOR.package);
  }
  return { node: node22.stdout.trim(), cli: join(INSPECTOR.dir, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js') };
};

const run = (command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ readonly code: number | null; readonly out: string; readonly err: string }> =>
  new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', fail).on('close', (code) => done({ code, out, err }));
  });

const listening = (child: ChildProcess): Promise<URL> =>
  new Promise((done, fail) => {
    let seen = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      seen += d;
      const m = /listening on (\S+)/.exec(seen);
      if (m?.[1] !== undefined) done(new URL(m[1]));
    });
    child.on('exit', (code) => fail(new Error(`the HTTP server exited (${String(code)}) before listening`)));
  });

describe('the README client configuration, from an empty folder', function () {
  this.timeout(240_000);
  let work: string;
  let empty: string;
  let env: Record<string, string>;
  let registry: LocalRegistry;
  let config: ReturnType<typeof readmeConfig>;
  let configFile: string;
  let inspector: ReturnType<typeof installInspector>;

  before(async function () {
    config = readmeConfig();
    work = mkdtempSync(join(tmpdir(), 'mcp-rx-cancel-config-'));
    const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr.slice(-2000)}`);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    registry = await startLocalRegistry(join(work, pack.stdout.trim().split('\n').pop() ?? ''), manifest);
    // The user's npm configuration ($HOME/.npmrc) names the registry, and a cache of its own keeps
    // an earlier run's install from standing in for this one. The SDK passes HOME to the server.
    const home = join(work, 'home');
    mkdirSync(home);
    writeFileSync(join(home, '.npmrc'), `registry=${registry.url}\ncache=${join(work, 'npm-cache')}\nupdate-notifier=false\n`);
    env = { ...getDefaultEnvironment(), HOME: home };
    empty = join(work, 'empty');
    mkdirSync(empty);
    configFile = join(work, 'mcp.json');
    writeFileSync(configFile, config.text);
    inspector = installInspector();
  });

  after(async () => {
    await registry?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('starts, through npx and the registry, a server the official SDK client calls and cancels', async () => {
    const client = new Client({ name: 'readme-config', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ ...config.entry, args: [...config.entry.args], cwd: empty, env, stderr: 'ignore' }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).to.include.members(['echo', 'slow_count', 'stats']);
      expect((await client.callTool({ name: 'echo', arguments: { text: 'hello' } })).content).to.deep.equal([{ type: 'text', text: 'hello' }]);
      const stats = async (): Promise<{ inFlight: number; cleanups: number }> =>
        (await client.callTool({ name: 'stats', arguments: {} })).structuredContent as { inFlight: number; cleanups: number };
      const before = await stats();
      const abort = new AbortController();
      const slow = client.callTool({ name: 'slow_count', arguments: { steps: 100, intervalMs: 50 } }, undefined, { signal: abort.signal });
      setTimeout(() => abort.abort('enough'), 200);
      const ended = await slow.then(() => 'completed', () => 'aborted');
      expect(ended).to.equal('aborted');
      let after = await stats();
      for (let i = 0; i < 50 && after.cleanups === before.cleanups; i++) {
        await new Promise((r) => setTimeout(r, 20));
        after = await stats();
      }
      expect(after.cleanups, 'the cancelled call ran its cleanup').to.equal(before.cleanups + 1);
      expect(after.inFlight, 'nothing is left in flight').to.equal(0);
    } finally {
      await client.close();
    }
    expect(registry.served(), 'the package came from the registry').to.be.greaterThan(0);
    expect(readdirSync(empty), 'nothing was written into the folder').to.deep.equal([]);
  });

  it("is read by the MCP Inspector's CLI (--config, --server), which lists the tools and calls one", async () => {
    const inspect = (...args: string[]) => run(inspector.node, [inspector.cli, '--cli', '--config', configFile, '--server', config.name, ...args], empty, env);
    const list = await inspect('--method', 'tools/list');
    expect(list.code, list.err.slice(-2000)).to.equal(0);
    const names = (JSON.parse(list.out) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).to.include.members(['echo', 'slow_count', 'stats']);
    const call = await inspect('--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'text=hello');
    expect(call.code, call.err.slice(-2000)).to.equal(0);
    expect(JSON.parse(call.out)).to.deep.equal({ content: [{ type: 'text', text: 'hello' }] });
  });

  it('with "--http", serves Streamable HTTP to the SDK client and to the Inspector', async () => {
    // detached: npx runs the server as its child, so the whole group is stopped at the end
    const server = spawn(config.entry.command, [...config.entry.args, '--http', '0'], { cwd: empty, env, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    const exited = new Promise((done) => server.on('exit', done));
    try {
      const url = await listening(server);
      const client = new Client({ name: 'readme-config', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(url));
      expect((await client.callTool({ name: 'echo', arguments: { text: 'over http' } })).content).to.deep.equal([{ type: 'text', text: 'over http' }]);
      await client.close();
      const list = await run(inspector.node, [inspector.cli, '--cli', url.href, '--method', 'tools/list'], empty, env);
      expect(list.code, list.err.slice(-2000)).to.equal(0);
      expect((JSON.parse(list.out) as { tools: { name: string }[] }).tools.map((t) => t.name)).to.include('slow_count');
    } finally {
      if (server.pid !== undefined) process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
  });
});
