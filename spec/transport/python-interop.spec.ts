import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { ERA_VERSIONS, META_SERVER_INFO } from '../../lib/codec/era.js';
import { Lines, ROOT, example, fixture, pythonForSuite, tsNode } from './support.js';

// The official Python MCP SDK (2.3, installed by scripts/python-sdk.sh into .cache/python-mcp) as
// a real client of our example servers, over stdio (the SDK spawns examples/stdio-server.ts) and
// Streamable HTTP (examples/http-server.ts on 127.0.0.1). The SDK picks its era with
// `Client(mode=...)`: 'legacy' runs the 2025 initialize handshake, '2026-07-28' adopts that
// version with no handshake, 'auto' probes server/discover. spec/transport/fixtures/python/interop.py
// lists, calls echo and a short slow_count, then cancels a long slow_count the Python way (its
// cancel scope, at the second progress) and prints one JSON line per step; this spec checks them
// and the server's own stderr: one cleanup, nothing in flight, no response for the request.
//
// How the SDK cancels: its dispatcher sends notifications/cancelled ("caller cancelled") for an
// abandoned request, except that its Streamable HTTP transport, at 2026-07-28, swallows that
// frame and aborts the request's POST instead; so the server sees a peer cancel everywhere but
// HTTP at 2026, where it sees the stream close.

type Step = Record<string, unknown> & { step: string };
const rec = (u: unknown): Record<string, unknown> => (typeof u === 'object' && u !== null ? (u as Record<string, unknown>) : {});

type Mode = 'legacy' | '2026-07-28' | 'auto';
const MODES: readonly Mode[] = ['legacy', '2026-07-28', 'auto'];

/** Which cancel the server saw, as its cleanup line says it. */
const howCancelled = (transport: 'stdio' | 'http', mode: Mode): string =>
  transport === 'http' && mode !== 'legacy' ? '(close)' : '(peer: caller cancelled)';

interface Run {
  readonly steps: Step[];
  readonly stderr: Lines;
  readonly code: number | null;
}

/** Run the Python client to its end (bounded); its stdout parsed, a line a step. */
const runPython = (python: string, args: readonly string[]): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(python, [fixture('python/interop.py'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = new Lines(child.stdout);
    const stderr = new Lines(child.stderr);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the Python client did not finish in 15 s; stdout:\n${stdout.all.join('\n')}\nstderr:\n${stderr.all.join('\n')}`));
    }, 15_000);
    child.on('error', (e) => (clearTimeout(timer), reject(e)));
    child.on('close', (code) => {
      clearTimeout(timer);
      const steps = stdout.all.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Step);
      resolve({ steps, stderr, code });
    });
  });

const only = (run: Run, step: string, when?: string): Step => {
  const found = run.steps.filter((s) => s.step === step && (when === undefined || s['when'] === when));
  expect(found, `one "${step}${when === undefined ? '' : ` ${when}`}" step`).to.have.length(1);
  return found[0] as Step;
};

/** Everything a run must show, whatever the transport: served, listed, called, cancelled. */
const checkRun = (run: Run, serverLines: readonly string[], transport: 'stdio' | 'http', mode: Mode): void => {
  const errors = run.steps.filter((s) => s.step === 'error');
  expect(errors, `the Python SDK raised; its stderr:\n${run.stderr.all.join('\n')}`).to.deep.equal([]);
  expect(run.code).to.equal(0);
  expect(run.steps.at(-1)?.step).to.equal('done');

  const connected = only(run, 'connected');
  if (mode === 'legacy') {
    expect(ERA_VERSIONS['2025-11-25']).to.include(connected['protocolVersion']);
    expect(connected['serverName']).to.equal('mcp-rx-cancel-example');
    expect(run.steps.some((s) => s.step === 'discover')).to.equal(false);
  } else {
    expect(connected['protocolVersion']).to.equal('2026-07-28');
    // our server/discover result, validated by the SDK's own DiscoverResult model
    const discover = only(run, 'discover');
    expect(discover['supportedVersions']).to.deep.equal([...ERA_VERSIONS['2026-07-28']]);
    expect(rec(rec(rec(discover['raw'])['_meta'])[META_SERVER_INFO])['name']).to.equal('mcp-rx-cancel-example');
  }

  expect(only(run, 'tools')['names']).to.deep.equal(['echo', 'slow_count', 'stats']);
  expect(only(run, 'echo')).to.deep.include({ content: [{ type: 'text', text: `hello ${mode}` }], isError: false });
  expect(only(run, 'progress')).to.deep.include({ values: [1, 2, 3], content: [{ type: 'text', text: 'counted to 3' }] });

  const before = only(run, 'stats', 'before');
  expect(before['inFlight']).to.equal(0);
  const cancelled = only(run, 'cancelled');
  expect(cancelled).to.deep.include({ cancelledCaught: true, progressed: 2 });
  const id = cancelled['requestId'];
  // the SDK's dispatcher always emits its courtesy cancel; at 2026 its HTTP transport turns it into closing the POST
  expect(cancelled['cancelNotifications']).to.deep.equal([{ requestId: id, reason: 'caller cancelled' }]);
  expect(only(run, 'stats', 'after')).to.deep.include({ inFlight: 0, cleanups: Number(before['cleanups']) + 1 });

  // from the server's side: the handler stopped, its cleanup ran once, and it never answered
  const how = howCancelled(transport, mode);
  const tag = `#${JSON.stringify(id)}`;
  const cleanups = serverLines.filter((l) => l.includes(`cleanup slow_count ${tag}: `)).map((l) => l.replace(/^\[[a-z-]+\] /, ''));
  expect(cleanups, 'one cleanup, for the cancel').to.deep.equal([`cleanup slow_count ${tag}: cancelled ${how}`]);
  expect(serverLines.some((l) => l.includes(`request-cancelled tools/call ${tag}`))).to.equal(true);
  expect(serverLines.some((l) => l.includes(`request-completed tools/call ${tag}`)), 'no response to the cancelled request').to.equal(false);

  // from the client's side: nothing for the request after the cancel, no result ever
  const late = (only(run, 'late')['messages'] as unknown[]).map(rec);
  // the SDK's HTTP transport answers its own abandoned request when a 2025 SSE stream ends with
  // no response (-32000, made on the client, never on the wire); our server ends that stream on
  // a cancel, as it must end it somehow. That local error is the only thing allowed here
  const synthesized = (m: Record<string, unknown>): boolean =>
    transport === 'http' && mode === 'legacy' && m['id'] === id && rec(m['error'])['message'] === 'SSE stream ended without a response';
  expect(late.filter((m) => !synthesized(m)), 'nothing for the cancelled request after its cancel').to.deep.equal([]);
};

describe('the official Python MCP SDK 2.3 as a client, both eras, over stdio and Streamable HTTP', function () {
  this.timeout(20_000);
  const pythonOf = pythonForSuite();

  describe('over stdio: the SDK spawns examples/stdio-server.ts', () => {
    for (const mode of MODES) {
      it(`should serve, list, call and cancel mid-call with the SDK in '${mode}' mode`, async () => {
        const { command, args } = tsNode(example('stdio-server.ts'));
        const run = await runPython(pythonOf(), ['--mode', mode, '--stdio', '--', command, ...args]);
        // the server's stderr comes through the SDK's (stdio_client's errlog)
        checkRun(run, run.stderr.all.filter((l) => l.startsWith('[server] ')), 'stdio', mode);
      });
    }
  });

  describe('over Streamable HTTP: examples/http-server.ts on 127.0.0.1', () => {
    let server: ChildProcess;
    let url = '';
    let stderr: Lines;

    before(async () => {
      const { command, args } = tsNode(example('http-server.ts'));
      server = spawn(command, [...args, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      stderr = new Lines(server.stderr);
      url = (await new Lines(server.stdout).waitFor(/^listening on (\S+)$/, 15_000))[1] ?? '';
    });
    after(() => {
      server?.kill('SIGTERM');
    });

    for (const mode of MODES) {
      it(`should serve, list, call and cancel mid-call with the SDK in '${mode}' mode`, async () => {
        const from = stderr.all.length;
        const run = await runPython(pythonOf(), ['--mode', mode, '--url', url]);
        // the cleanup ran before the SDK's last stats answer; its line may still be in the pipe
        const id = run.steps.find((s) => s.step === 'cancelled')?.['requestId'];
        if (id !== undefined) await stderr.waitFor(new RegExp(`cleanup slow_count #${JSON.stringify(id)}: cancelled`), 5_000).catch(() => undefined);
        // the server's lines for this client only (request ids start again with each client)
        checkRun(run, stderr.all.slice(from), 'http', mode);
      });
    }
  });
});
