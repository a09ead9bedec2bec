import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Lines, ROOT, tsNode } from '../transport/support.js';

// The promise of examples/apps/: a user's three apps take no more lines on this library than the
// same apps on the official SDK v2, with no protocol written by hand. Each app is written twice,
// `<app>.ours.ts` and `<app>.sdk-v2.ts`; here their lines are counted, and each of the six runs as
// a real server driven by the official clients (v1 in 2025-11-25, v2 pinned to 2026-07-28): list
// the tools, call `count`, refuse bad arguments, cancel a call midway, and see its cleanup run once.

const APPS = ['stdio', 'http', 'stream'] as const;
type App = (typeof APPS)[number];
type Side = 'ours' | 'sdk-v2';
const SIDES: readonly Side[] = ['ours', 'sdk-v2'];

const appFile = (app: App, side: Side): string => fileURLToPath(new URL(`../../examples/apps/${app}.${side}.ts`, import.meta.url));

/** The lines a reader reads: not blank, not a comment. */
const codeLines = (source: string): string[] =>
  source
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('//') && !l.startsWith('/*') && !l.startsWith('*'));

const measure = (app: App, side: Side): { lines: number; chars: number; widest: number; protocol: string[] } => {
  const source = readFileSync(appFile(app, side), 'utf8');
  const code = codeLines(source);
  return {
    lines: code.length,
    // the same code crammed on fewer lines is not shorter: count what is written, too
    chars: code.join('').replace(/\s/g, '').length,
    widest: Math.max(...source.split('\n').filter((l) => !l.trim().startsWith('//')).map((l) => l.length)),
    protocol: code.flatMap((l) => l.match(PROTOCOL) ?? []),
  };
};

// a string literal that names a method, the envelope or a protocol header: protocol by hand
const PROTOCOL = /(['"`])[^'"`]*(initialize|tools\/list|tools\/call|jsonrpc|notifications\/|mcp-session-id|mcp-protocol-version)[^'"`]*\1/gi;

// one layout for both twins: a line no wider than this, so no side wins by cramming
const MAX_WIDTH = 160;

type Rec = Record<string, unknown>;
const rec = (u: unknown): Rec => (typeof u === 'object' && u !== null ? (u as Rec) : {});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface CallOptions {
  readonly signal?: AbortSignal;
  readonly onprogress?: (p: { progress: number }) => void;
}

/** What the test does with a connected client, whichever SDK and era. */
interface Driven {
  listTools(): Promise<string[]>;
  call(args: Rec, options?: CallOptions): Promise<Rec>;
  close(): Promise<void>;
}

const fromV1 = async (client: ClientV1, transport: Parameters<ClientV1['connect']>[0]): Promise<Driven> => {
  await client.connect(transport);
  return {
    listTools: async () => (await client.listTools()).tools.map((t) => t.name),
    call: async (args, options = {}) => rec(await client.callTool({ name: 'count', arguments: args }, undefined, options)),
    close: () => client.close(),
  };
};

const fromV2 = async (client: ClientV2, transport: Parameters<ClientV2['connect']>[0]): Promise<Driven> => {
  await client.connect(transport);
  return {
    listTools: async () => (await client.listTools()).tools.map((t) => t.name),
    call: async (args, options = {}) => rec(await client.callTool({ name: 'count', arguments: args }, options)),
    close: () => client.close(),
  };
};

const v1 = (): ClientV1 => new ClientV1({ name: 'apps-v1', version: '1.0.0' });
const v2 = (): ClientV2 => new ClientV2({ name: 'apps-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });

const textOf = (r: Rec): string => String(rec((r['content'] as unknown[] | undefined)?.[0])['text']);
const cleanups = (stderr: Lines, how: 'done' | 'cancelled'): number => stderr.all.filter((l) => new RegExp(`^cleanup: count #\\S+ ${how}$`).test(l)).length;

/** The same session for every app and era: the tool is there, counts, refuses, and a cancel runs its cleanup once. */
const drive = async (client: Driven, stderr: Lines): Promise<void> => {
  try {
    await session(client, stderr);
  } finally {
    // closing ends the server's input: a stdio child exits, a worker's client lets it go
    await client.close();
  }
};

const session = async (client: Driven, stderr: Lines): Promise<void> => {
  expect(await client.listTools()).to.deep.equal(['count']);

  const seen: number[] = [];
  const done = await client.call({ n: 3 }, { onprogress: (p) => void seen.push(p.progress) });
  expect(textOf(done)).to.equal('counted to 3');
  // both SDK clients run a notification's handler a microtask late and a response's at once: a
  // last progress read in the same chunk as the response is dropped (its handler is gone)
  expect(seen.slice(0, 2)).to.deep.equal([1, 2]);
  expect(seen.length).to.be.within(2, 3);
  await stderr.waitFor(/^cleanup: count #\S+ done$/);

  const refused = await client.call({ n: 1.5 });
  expect(refused['isError'], JSON.stringify(refused)).to.equal(true);

  // abort at the third progress of a 10 s count: the cancel, in the era's own way
  const ac = new AbortController();
  const outcome = await client.call({ n: 200 }, { signal: ac.signal, onprogress: (p) => void (p.progress >= 3 && ac.abort()) }).then(
    () => 'answered',
    () => 'aborted',
  );
  expect(outcome).to.equal('aborted');
  await stderr.waitFor(/^cleanup: count #\S+ cancelled$/);
  // long enough for a second cleanup, or a count that went on, to show
  await sleep(150);
  expect(cleanups(stderr, 'cancelled'), stderr.all.join('\n')).to.equal(1);
  expect(cleanups(stderr, 'done'), stderr.all.join('\n')).to.equal(1);
};

/** A free port on 127.0.0.1, for an app that listens on PORT. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });

/** A worker thread running `file` through tsx (Node 20 gives workers no `--import` hooks of their parent). */
const tsWorker = (file: string): Worker => {
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })`;
  return new Worker(boot, { eval: true, stderr: true });
};

/** The host's end of the app's stream: a client Transport over the worker, one message per postMessage. */
class WorkerTransport {
  // typed as both SDKs' Transport wants it: a message of any JSON-RPC type it names
  onmessage?: <T>(message: T) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  constructor(private readonly worker: Worker) {}
  async start(): Promise<void> {
    this.worker.on('message', (m: unknown) => this.onmessage?.(m));
    // a worker that fails or ends fails what is pending at once, rather than at the client's timeout
    this.worker.on('error', (e) => this.onerror?.(e));
    this.worker.on('exit', () => this.onclose?.());
  }
  async send(message: unknown): Promise<void> {
    this.worker.postMessage(message);
  }
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

describe('the apps, ours and the official SDK v2\'s (examples/apps/)', function () {
  this.timeout(30_000);

  describe('their lines', () => {
    it('should take no more lines on this library than on SDK v2, for every app', () => {
      const rows = APPS.map((app) => ({ app, ours: measure(app, 'ours'), sdk: measure(app, 'sdk-v2') }));
      for (const { app, ours, sdk } of rows)
        process.stdout.write(`      ${app.padEnd(7)} lines ours ${ours.lines} / SDK v2 ${sdk.lines}; non-blank characters ours ${ours.chars} / SDK v2 ${sdk.chars}\n`);
      for (const { app, ours, sdk } of rows) {
        expect(ours.lines, `${app}: lines`).to.be.at.most(sdk.lines);
        expect(ours.chars, `${app}: characters`).to.be.at.most(sdk.chars);
      }
    });

    it('should be what docs/guides/mcp-server.md says they are', () => {
      const guide = readFileSync(fileURLToPath(new URL('../../docs/guides/mcp-server.md', import.meta.url)), 'utf8');
      const rows = [...guide.matchAll(/^\| [^|]+ \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$/gm)].map((m) => m.slice(1).map(Number));
      const measured = APPS.map((app) => [measure(app, 'ours'), measure(app, 'sdk-v2')]).map(([o, s]) => [o!.lines, s!.lines, o!.chars, s!.chars]);
      expect(rows).to.deep.equal(measured);
    });

    it('should lay both twins out alike: no line wider than 160', () => {
      for (const app of APPS) for (const side of SIDES) expect(measure(app, side).widest, `${app}.${side}`).to.be.at.most(MAX_WIDTH);
    });

    it('should write no protocol by hand in ours: no method, envelope or header as a string', () => {
      for (const app of APPS) expect(measure(app, 'ours').protocol, app).to.deep.equal([]);
    });
  });

  describe('app 1: stdio, spawned by the client', () => {
    for (const side of SIDES) {
      const command = tsNode(appFile('stdio', side));

      it(`should serve ${side} to SDK v1 in 2025-11-25 and run the cleanup once on its cancel`, async () => {
        const transport = new StdioV1({ ...command, cwd: ROOT, stderr: 'pipe' });
        const stderr = new Lines(transport.stderr as Readable | null);
        await drive(await fromV1(v1(), transport), stderr);
      });

      it(`should serve ${side} to SDK v2 in 2026-07-28 and run the cleanup once on its cancel`, async () => {
        const transport = new StdioV2({ ...command, cwd: ROOT, stderr: 'pipe' });
        const stderr = new Lines(transport.stderr as Readable | null);
        await drive(await fromV2(v2(), transport), stderr);
      });
    }
  });

  describe('app 2: one Streamable HTTP endpoint, both eras', () => {
    for (const side of SIDES) {
      let child: ChildProcess;
      let stderr: Lines;
      let url: URL;

      before(async () => {
        const port = await freePort();
        const { command, args } = tsNode(appFile('http', side));
        child = spawn(command, args, { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
        stderr = new Lines(child.stderr);
        await stderr.waitFor(/^listening on \d+$/);
        url = new URL(`http://127.0.0.1:${port}/mcp`);
      });

      after(() => void child.kill());

      // each era's run starts from the lines so far: its own cleanups are counted
      const fresh = (): Lines => {
        const mine = new Lines(undefined);
        const add = stderr.add.bind(stderr);
        stderr.add = (line) => (add(line), mine.add(line));
        return mine;
      };

      it(`should serve ${side} to SDK v1 in a 2025-11-25 session and run the cleanup once on its notifications/cancelled`, async () => {
        await drive(await fromV1(v1(), new HttpV1(url)), fresh());
      });

      it(`should serve ${side} to SDK v2 in 2026-07-28 and run the cleanup once when it closes the stream`, async () => {
        await drive(await fromV2(v2(), new HttpV2(url)), fresh());
      });
    }
  });

  describe('app 3: a stream of their own (a worker thread\'s parentPort)', () => {
    for (const side of SIDES) {
      for (const era of ['2025-11-25', '2026-07-28'] as const) {
        it(`should serve ${side} to SDK ${era === '2025-11-25' ? 'v1' : 'v2'} in ${era} over the port and run the cleanup once on its cancel`, async () => {
          const worker = tsWorker(appFile('stream', side));
          const stderr = new Lines(worker.stderr);
          const transport = new WorkerTransport(worker);
          try {
            await drive(era === '2025-11-25' ? await fromV1(v1(), transport) : await fromV2(v2(), transport), stderr);
          } finally {
            await worker.terminate();
          }
        });
      }
    }
  });
});
