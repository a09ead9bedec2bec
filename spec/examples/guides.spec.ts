import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, tsNode } from '../transport/support.js';

// Each guide in docs/guides/ quotes a runnable example in examples/guides/. Running them here
// keeps the guides honest: the code they show runs, exits by itself, and does what they say.

const EXIT_WITHIN_MS = 15_000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `examples/guides/<name>` as `node --import tsx file.ts` from the repository's root, until it exits. */
const runGuide = (name: string): Promise<Run> => {
  const { command, args } = tsNode(fileURLToPath(new URL(`../../examples/guides/${name}`, import.meta.url)));
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    // an example that does not exit by itself is a failure, not a hang of the suite
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not exit within ${EXIT_WITHIN_MS} ms; stdout so far:\n${stdout}\nstderr:\n${stderr}`));
    }, EXIT_WITHIN_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // 'exit' can come before the pipes are drained: wait for both to close
      let open = 2;
      const closed = (): void => void (--open === 0 && resolve({ code, stdout, stderr }));
      if (child.stdout.closed) closed();
      else child.stdout.on('close', closed);
      if (child.stderr.closed) closed();
      else child.stderr.on('close', closed);
    });
  });
};

/** Exit 0 and nothing on stderr: an example prints only what it shows. */
const expectClean = (r: Run): void => {
  expect(r.stderr, r.stderr).to.equal('');
  expect(r.code, r.stdout).to.equal(0);
};

const count = (text: string, re: RegExp): number => text.match(new RegExp(re.source, 'g'))?.length ?? 0;

describe('the guides\' examples (examples/guides/)', function () {
  this.timeout(EXIT_WITHIN_MS + 5_000);

  it('peer-in-an-rxjs-app: switchMap cancels the superseded requests on the wire, each cleanup runs once, and it exits 0', async () => {
    const r = await runGuide('peer-in-an-rxjs-app.ts');
    expectClean(r);
    const out = r.stdout;
    // the superseded queries: one cancel each on the wire, no progress, the server told why
    expect(out).to.include('"method":"notifications/cancelled","params":{"requestId":0,"reason":"superseded by a newer query than \\"r\\""}');
    expect(out).to.include('"method":"notifications/cancelled","params":{"requestId":1,"reason":"superseded by a newer query than \\"rx\\""}');
    expect(count(out, /"method":"notifications\/cancelled"/)).to.equal(4);
    expect(out).to.not.match(/progress for "rx?":/);
    expect(out).to.match(/server {2}cancelled #0 \(peer: superseded/);
    expect(out).to.include('client  result: {"hits":["rxjs-guide.md"]}');
    // the tool's elicitation went to the client, and its answer came back to the tool
    expect(out).to.include('server → client {"jsonrpc":"2.0","id":0,"method":"elicitation/create"');
    expect(out).to.include('client  tool result: accept');
    expect(out).to.match(/client {2}error: RequestTimeoutError: /);
    expect(out).to.match(/client {2}error: RequestCancelledError: .*the user closed the tab/);
    expect(out).to.match(/server {2}cancelled #5 \(close\)/);
    expect(out).to.match(/client {2}error: ConnectionClosedError: /);
    expect(out).to.include('summary cleanups {"r":1,"rx":1,"rxjs":1,"slow":1,"tab":1,"backup":1}');
    expect(out).to.include('summary in flight: client {"serving":0,"sending":0}, server {"serving":0,"sending":0}');
  });

  it('serve-an-existing-stream: answers requests, batches and bad frames, a cancel stops progress with no response, a hang-up cancels, and it exits 0', async () => {
    const r = await runGuide('serve-an-existing-stream.ts');
    expectClean(r);
    const out = r.stdout;
    expect(out).to.include('A  server → {"jsonrpc":"2.0","id":1,"result":{"text":"hello"}}');
    expect(out).to.include('A  server → {"jsonrpc":"2.0","id":2,"result":{"text":"one"}}');
    expect(out).to.include('A  server → {"jsonrpc":"2.0","id":3,"result":{"text":"two"}}');
    expect(out).to.match(/A {2}server → \{"jsonrpc":"2.0","id":null,"error":\{"code":-32700/);
    expect(out).to.include('A  event  request-cancelled #5 (peer), no response');
    expect(out).to.include('A  150 ms later: no response for #5, 2 progress notifications in all');
    expect(out).to.include('B  event  cancel-ignored #6 (not-allowed)');
    expect(out).to.include('A  event  request-cancelled #6 (close), no response');
    expect(out).to.include('B  event  request-cancelled #6 (close), no response');
    expect(out).to.include('summary cleanups: A count #5; A wait #6 ({"source":"close"}); B wait #6 ({"source":"close"})');
    expect(out).to.include('summary requests still registered: 0');
  });

  it('cancellable-streams: a manager cancel stops a plain stream and a RequestHandler run once, sessions stay apart, and it exits 0', async () => {
    const r = await runGuide('cancellable-streams.ts');
    expectClean(r);
    const out = r.stdout;
    expect(out).to.include('export  complete, reason {"source":"caller","reason":"the user left"}');
    expect(count(out, /finalize ran/)).to.equal(1);
    expect(out).to.include('cancel  → cancelled');
    expect(out).to.include('cancel again → finished');
    expect(out).to.include('cancel an id never seen → unknown');
    expect(out).to.include('outcome #1: result {"pages":2}');
    expect(out).to.include('outcome of a second #2: error -32600 (state_error)');
    expect(out).to.include('outcome #2: cancelled {"source":"peer","reason":"stop"}');
    expect(count(out, /handler cleanup of \["alice",2\]/)).to.equal(1);
    expect(out).to.include('carol cancels 7 → elsewhere');
    expect(out).to.include('outcome alice #7: result {"pages":3}');
    expect(out).to.include('outcome bob #7: cancelled {"source":"peer"}');
    expect(out).to.include('summary in flight: 0');
  });

  it('both-eras-over-http: a 2026 client cancels by closing its stream, a 2025 one by notification, each cleanup seen in stats, and it exits 0', async () => {
    const r = await runGuide('both-eras-over-http.ts');
    expectClean(r);
    expect(r.stdout).to.match(/tools\/call #\d+ cancelled \(source: close\)/);
    expect(r.stdout).to.match(/tools\/call #\d+ cancelled \(source: peer\)/);
    expect(count(r.stdout, /stats: 1 more cleanup, 0 in flight/)).to.equal(2);
  });

  it('mcp-client: connects in both eras with one client code (discover, then initialize as a fallback), lists and calls tools, cancels midway with the server\'s cleanup confirmed, and it exits 0', async () => {
    const r = await runGuide('mcp-client.ts');
    expectClean(r);
    const out = r.stdout;
    expect(out).to.match(/client {2}connected: mcp-rx-cancel-example .*, protocol 2026-07-28/);
    expect(out).to.include('client  tools: echo, slow_count, stats');
    expect(out).to.include('client  echo answered: hello');
    expect(out).to.include('client  progress 3/50 step 3/50');
    expect(out).to.include('client  sent notifications/cancelled for #3 (the user pressed stop)');
    expect(out).to.include('server  stderr: [server] cleanup slow_count #3: cancelled (peer: the user pressed stop)');
    expect(out).to.not.include('UNEXPECTED');
    expect(out).to.include('client  in flight: {"serving":0,"sending":0}');
    expect(out).to.match(/client {2}connected: sdk-fixture .*, protocol 2025-11-25/);
    expect(out).to.match(/server {2}stderr: started 3, then aborted 3: the user pressed stop/);
    expect(count(out, /the server exited with code 0/)).to.equal(2);
  });
});

describe('the MCP server guide, run', function () {
  this.timeout(30_000);
  it('mcp-server: both SDK clients list, call, complete, read and get; bad arguments are a tool error; each cancel runs the cleanup once; and it exits 0', async () => {
    const r = await runGuide('mcp-server.ts');
    expectClean(r);
    const out = r.stdout;
    expect(out).to.include('2025  tools: count, forecast');
    expect(out).to.include('2025  forecast: [{"type":"text","text":"Paris: sunny for 1 day(s)"}]');
    expect(out).to.match(/2025 {2}bad arguments: \{"content":\[\{"type":"text","text":"Invalid arguments for tool forecast: city: [^"]+"\}\],"isError":true\}/);
    expect(out).to.include('2025  completion: French');
    expect(out).to.include('2025  template: [{"uri":"guide://cities/Lyon","mimeType":"text/plain","text":"All about Lyon"}]');
    expect(out).to.include('2026  prompt: [{"role":"user","content":{"type":"text","text":"Greet Ada in French."}}]');
    expect(count(out, /count: aborted at progress 3/)).to.equal(2);
    expect(out).to.match(/server {2}count #\d+ cleaned up \(cancelled, source: peer\)/);
    expect(out).to.match(/server {2}count #\d+ cleaned up \(cancelled, source: close\)/);
    expect(count(out, /cleaned up/)).to.equal(2);
    expect(out).to.include('server  in flight: 0');
  });
});

describe('the multi-round guide\'s example (examples/guides/mcp-input-rounds.ts)', function () {
  this.timeout(EXIT_WITHIN_MS + 5_000);

  it('should finish a booking in rounds, refuse a tampered state and an undeclared kind, leave nothing after a cancel, and exit 0', async () => {
    const r = await runGuide('mcp-input-rounds.ts');
    expectClean(r);
    const out = r.stdout;
    expect(out).to.include('client  round: asked for who\nclient  round: asked for confirm, with a state\nclient  result: Booked a table for Alice');
    expect(out).to.include('client  tampered state: -32602 requestState integrity check failed {"reason":"invalid_request_state"}');
    expect(out).to.include('client  without elicitation: -32021 {"requiredCapabilities":{"elicitation":{}}}');
    expect(out).to.include('server  after the cancel: 1 cleanup ran; in flight: 0');
  });
});

describe('the real transports guide\'s examples (examples/guides/websocket.ts, worker-threads.ts)', function () {
  this.timeout(EXIT_WITHIN_MS + 5_000);

  it('websocket: should answer over ws, cancel on unsubscribe and on hang-up with one cleanup each, and show the naive stream\'s handler running on, and exit 0', async () => {
    const r = await runGuide('websocket.ts');
    expectClean(r);
    const out = r.stdout;
    expect(out).to.include('client  echo answered: hello');
    expect(out).to.match(/wire {4}server → client \{"jsonrpc":"2.0","id":null,"error":\{"code":-32700/);
    // the unsubscribe: one cancel on the wire, one cleanup, no response to #1
    expect(out).to.include('wire    client → server {"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}');
    expect(out).to.include('server  cancelled #1 (peer), no response sent');
    expect(count(out, /server {2}cleanup of slow #1 ran/)).to.equal(1);
    expect(out).to.not.match(/server → client \{"jsonrpc":"2.0","id":[12],/);
    // the hang-up: the socket's close ended incoming$, which cancelled #2 and ran its cleanup once
    expect(out).to.include('server  cancelled #2 (close), no response sent');
    expect(count(out, /server {2}cleanup of slow #2 ran/)).to.equal(1);
    expect(out).to.include('client  error: ConnectionClosedError: Connection closed before the response to 2 (slow)');
    expect(out).to.include('server  after the hang-up: 0 ticks in 200 ms, cleanups 1, still served 0');
    // the naive fromEvent stream never completes: the handler ticks on, no cleanup, until the server unsubscribes
    const naive = /naive {3}after the hang-up: (\d+) ticks in 200 ms, cleanups 0, still served 1/.exec(out);
    expect(naive, out).to.not.equal(null);
    expect(Number(naive?.[1])).to.be.greaterThan(0);
    expect(out.indexOf('naive   cancelled #0 (close)'), 'the naive server cancels only at its own shutdown').to.be.greaterThan(out.indexOf('naive   after the hang-up'));
    expect(out).to.include('naive   cleanups 1 once the server unsubscribed the connection itself');
  });

  it('worker-threads: should answer from a worker, run the worker\'s cleanup once on unsubscribe, fail the pending call with ConnectionClosedError on terminate, and exit 0', async () => {
    const r = await runGuide('worker-threads.ts');
    expectClean(r);
    const out = r.stdout;
    expect(out).to.include('client  add answered: 5');
    expect(out).to.include('client  sent notifications/cancelled for #1');
    expect(out).to.include('worker  stats: running 0, cleanups 1');
    expect(out).to.include('worker  stats: running 1, cleanups 1');
    expect(out).to.include('client  error: ConnectionClosedError: Connection closed before the response to 3 (slow)');
    expect(out).to.include('client  in flight: {"serving":0,"sending":0}');
  });
});

describe('the gateway guide\'s example (examples/guides/gateway.ts)', function () {
  this.timeout(EXIT_WITHIN_MS + 5_000);

  it('should cancel the stdio upstream the 2025 way when a 2026 client closes its stream, cancel only the session that asked, and exit 0', async () => {
    const r = await runGuide('gateway.ts');
    expectClean(r);
    const out = r.stdout;
    expect(out).to.match(/front {15}tools\/call #1 cancelled \(close\)\ngateway → upstream {2}notifications\/cancelled #1 /);
    expect(out).to.match(/upstream {12}cleanup slow_count #1: cancelled \(peer/);
    // the two sessions' id 1 went up as the gateway's #2 and #3; only a's was cancelled
    expect(out).to.include('gateway → upstream  tools/call #2\ngateway → upstream  tools/call #3');
    expect(out).to.include('gateway → upstream  notifications/cancelled #2 ');
    expect(count(out, /notifications\/cancelled/)).to.equal(2);
    expect(out).to.include('front               b: [{"type":"text","text":"counted to 5"}]');
    expect(out).to.include('gateway             in flight: 0; cancelled cleanups upstream: 2');
  });
});

describe('the tasks guide\'s example (examples/guides/mcp-tasks.ts)', function () {
  this.timeout(EXIT_WITHIN_MS + 5_000);

  it('should follow a task with its progress, answer its input, cancel it by unsubscribing, pick it up after a restart, cancel it on another instance, and exit 0', async () => {
    const r = await runGuide('mcp-tasks.ts');
    expectClean(r);
    const out = r.stdout;
    expect(out).to.include('client  progress 2/3');
    expect(out).to.include('client  task completed: section 3/3\nclient  result: A report of 3 sections');
    expect(out).to.include('client  asked: Publish the report?\nclient  result: Published');
    expect(out).to.match(/server {2}cleanup of task [0-9a-f]{8} \(tasks\/cancel\)\nclient {2}after the cancel: cancelled/);
    expect(out).to.include('client  after a restart: A report of 5 sections');
    // redis-server is on the machines that run the specs
    expect(out).to.include('client  on B, the task created on A is working');
    expect(out).to.include('client  on B after its tasks/cancel: cancelled');
    expect(count(out, /\(tasks\/cancel\)/)).to.equal(2);
  });
});

// ---- the guides themselves: their code is the example's, their links resolve in a clone ----------

const GUIDES = ['peer-in-an-rxjs-app', 'serve-an-existing-stream', 'cancellable-streams', 'mcp-client', 'both-eras-over-http', 'mcp-server', 'mcp-input-rounds', 'real-transports', 'gateway', 'mcp-tasks'] as const;
/** The examples a guide quotes, when they are not the one of its own name. */
const EXAMPLES: Partial<Record<(typeof GUIDES)[number], readonly string[]>> = { 'real-transports': ['websocket', 'worker-threads', 'worker-threads-server'] };
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The lines of some code, trimmed, without blank ones: an excerpt may be dedented. */
const codeLines = (code: string): string[] => code.split('\n').map((l) => l.trim()).filter((l) => l !== '');

const containsRun = (haystack: readonly string[], needle: readonly string[]): boolean => {
  for (let i = 0; i + needle.length <= haystack.length; i++) if (needle.every((l, j) => haystack[i + j] === l)) return true;
  return false;
};

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string): string => heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
const anchorsOf = (markdown: string): Set<string> =>
  new Set([...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} +(.+?) *$/gm)].map((m) => anchorOf(m[1] as string)));

describe('the guides (docs/guides/)', () => {
  for (const guide of GUIDES) {
    const examples = EXAMPLES[guide] ?? [guide];
    it(`${guide}.md: every ts block is copied from examples/guides/${examples.join('.ts, ')}.ts, and every link resolves`, () => {
      const path = `docs/guides/${guide}.md`;
      const text = read(path);
      const sources = examples.map((e) => codeLines(read(`examples/guides/${e}.ts`)));
      const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
      expect(blocks.length, 'ts blocks').to.be.greaterThan(0);
      for (const block of blocks) expect(sources.some((lines) => containsRun(lines, codeLines(block))), `not in the examples:\n${block}`).to.equal(true);

      const links = [...text.replace(/```[\s\S]*?```/g, '').matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
      for (const link of links) {
        if (/^https:\/\//.test(link)) continue;
        expect(link, 'a relative link').to.not.match(/^(\/|[a-z]+:)/);
        const [file, anchor] = link.split('#') as [string, string | undefined];
        const target = file === '' ? path : join(dirname(path), file);
        expect(existsSync(join(ROOT, target)), `${link}: no ${target}`).to.equal(true);
        if (anchor !== undefined) expect([...anchorsOf(read(target))], `${link}: no heading #${anchor} in ${target}`).to.include(anchor);
      }
    });
  }
});
