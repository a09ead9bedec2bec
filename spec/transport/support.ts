import { spawnSync } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { lastValueFrom, toArray } from 'rxjs';
import { ndjson } from '../../lib/stdio.js';
import { fileURLToPath } from 'node:url';

/** The repository's root, where `tsx` resolves from. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
export const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

/** A child process running TypeScript through tsx 4: `node --import tsx file.ts`. */
export const tsNode = (file: string): { command: string; args: string[] } => ({ command: process.execPath, args: ['--import', 'tsx', file] });

/** Lines read from a stream, and a way to wait for one that matches, with a bounded wait. */
export class Lines {
  readonly all: string[] = [];
  private waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  private rest = '';

  constructor(stream: Readable | null | undefined) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (this.rest + chunk).split('\n');
      this.rest = parts.pop() ?? '';
      for (const line of parts) this.add(line);
    });
  }

  add(line: string): void {
    this.all.push(line);
    this.waiters = this.waiters.filter((w) => {
      const m = line.match(w.re);
      if (m !== null) w.resolve(m);
      return m === null;
    });
  }

  /** The first line, already read or to come, that matches `re`. */
  waitFor(re: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    for (const line of this.all) {
      const m = line.match(re);
      if (m !== null) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms; got:\n${this.all.join('\n')}`)), ms);
      this.waiters.push({ re, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }
}

/** Wait until `check` holds, polling: for state no event announces (a counter back to 0). */
export const until = async (check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** Everything an ndjson reader's `incoming$` emits until it completes, after feeding `chunks` then ending the input. */
export const readAll = async (chunks: ReadonlyArray<Buffer | string>, maxLineBytes?: number): Promise<unknown[]> => {
  const input = new PassThrough();
  const wire = ndjson(input, new PassThrough(), maxLineBytes === undefined ? {} : { maxLineBytes });
  const all = lastValueFrom(wire.incoming$.pipe(toArray()));
  for (const c of chunks) input.write(c);
  input.end();
  return all;
};

/**
 * The official Python MCP SDK for one `describe`: installed once into .cache/python-mcp by
 * scripts/python-sdk.sh (CI runs it before npm test; after that it only checks), the suite
 * skipped, saying why, where python3 is missing. The getter gives its `python` in the tests.
 */
export const pythonForSuite = (): (() => string) => {
  let python = '';
  before(function () {
    if (spawnSync('python3', ['--version']).error !== undefined) {
      console.warn('python3 is not installed: the Python MCP SDK interop tests are skipped (scripts/python-sdk.sh needs it)');
      this.skip();
    }
    this.timeout(600_000);
    const installed = spawnSync('bash', ['scripts/python-sdk.sh'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (installed.status !== 0) throw new Error(`scripts/python-sdk.sh failed (exit ${String(installed.status)})`);
    python = installed.stdout.trim().split('\n').at(-1) ?? '';
  });
  return () => python;
};
