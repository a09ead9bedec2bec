import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ROOT, example, tsNode } from '../transport/support.js';

// The README's first screen shows the three ways the library is used, as complete programs. Each
// is a file of examples/readme/ (imports relative, so it runs from the repository), quoted in the
// README with the package's own import paths; here both are held to each other, and each runs.

const run = promisify(execFile);
const readme = readFileSync(`${ROOT}README.md`, 'utf8');

/** The file as a user writes it: the package's entries instead of the repository's paths. */
const published = (file: string): string =>
  readFileSync(example(`readme/${file}`), 'utf8')
    .replaceAll("'../../lib/index.js'", "'mcp-rx-cancel'")
    .replace(/'\.\.\/\.\.\/lib\/([a-z-]+)\.js'/g, "'mcp-rx-cancel/$1'");

const runExample = async (file: string): Promise<string> => {
  const { command, args } = tsNode(example(`readme/${file}`));
  const { stdout, stderr } = await run(command, args, { cwd: ROOT, timeout: 15_000 });
  expect(stderr).to.equal('');
  return stdout;
};

describe('the README\'s first screen (examples/readme/)', function () {
  this.timeout(30_000);

  it('should quote each example whole, before any other section, with the package\'s import paths', () => {
    const firstSection = readme.indexOf('\n## ', readme.indexOf('## Three ways to use it') + 1);
    const blocks = [...readme.slice(0, firstSection).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks).to.deep.equal(['peer.ts', 'serve.ts', 'mcp-server.ts'].map(published));
  });

  it('peer.ts: takeUntil cancels the request on the wire, the server sends no response and cleans up once', async () => {
    const out = await runExample('peer.ts');
    expect(out.split('\n').filter(Boolean)).to.deep.equal([
      'wire: {"jsonrpc":"2.0","id":0,"method":"count"}',
      'client: gave up after 250 ms',
      'wire: {"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":0}}',
      'server: cancelled (peer), no response sent',
      'server: cleanup ran, once',
    ]);
  });

  it('serve.ts: answers, rejects a non-message, and sends nothing for the cancelled and the cut-off requests', async () => {
    const lines = (await runExample('serve.ts')).split('\n').filter(Boolean);
    expect(lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { id: unknown; result?: unknown; error?: { code: number } })).to.deep.include.members([
      { jsonrpc: '2.0', id: 1, result: { text: 'hi' } },
    ]);
    expect(lines.filter((l) => l.includes('"code":-32600'))).to.have.length(1);
    expect(lines.filter((l) => l.includes('"id":2') || l.includes('"id":3'))).to.deep.equal([]);
    expect(lines.filter((l) => l === 'tick: cleanup ran, once')).to.have.length(2);
  });

  it('mcp-server.ts: the official SDK client lists and calls its tool over stdio, and the call ends once', async () => {
    const { command, args } = tsNode(example('readme/mcp-server.ts'));
    const transport = new StdioClientTransport({ command, args, cwd: ROOT, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'readme-spec', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((t) => [t.name, t.inputSchema.required])).to.deep.equal([['echo', ['text']]]);
      expect(await client.callTool({ name: 'echo', arguments: { text: 'hello' } })).to.deep.include({ content: [{ type: 'text', text: 'hello' }] });
      const bad = await client.callTool({ name: 'echo', arguments: { text: 42 } });
      expect(bad.isError).to.equal(true);
    } finally {
      await client.close();
    }
    expect(stderr.match(/echo #\d+ ended/g)).to.have.length(1);
  });
});
