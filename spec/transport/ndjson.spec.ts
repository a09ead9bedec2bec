import { expect } from 'chai';
import { PassThrough, Writable } from 'node:stream';
import { firstValueFrom, lastValueFrom, toArray, type Observable } from 'rxjs';
import { ConnectionClosedError, WireFault, connect, type PeerEvent } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { ndjson } from '../../lib/stdio.js';
import { readAll } from './support.js';

const lines = (out: PassThrough): Observable<unknown> => ndjson(out, new PassThrough()).incoming$;

describe('ndjson', () => {
  it('should emit one message per line when lines are split across chunks anywhere', async () => {
    const text = '{"jsonrpc":"2.0","id":1,"method":"a"}\n{"jsonrpc":"2.0","method":"b"}\n';
    const bytes = Buffer.from(text);
    const got = await readAll([...bytes].map((b) => Buffer.from([b])));
    expect(got).to.deep.equal([{ jsonrpc: '2.0', id: 1, method: 'a' }, { jsonrpc: '2.0', method: 'b' }]);
  });

  it('should decode a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from('{"jsonrpc":"2.0","method":"n","params":{"s":"é€😀"}}\n');
    const at = bytes.indexOf(Buffer.from('😀')) + 2; // inside the 4-byte character
    const euro = bytes.indexOf(Buffer.from('€')) + 1;
    const got = await readAll([bytes.subarray(0, euro), bytes.subarray(euro, at), bytes.subarray(at)]);
    expect(got).to.deep.equal([{ jsonrpc: '2.0', method: 'n', params: { s: 'é€😀' } }]);
  });

  it('should accept \\r\\n, skip blank lines and read a last line without its newline', async () => {
    const got = await readAll(['{"a":1}\r\n\r\n\n   \n{"b":2}\n{"c":3}']);
    expect(got).to.deep.equal([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  it('should report a line that is not JSON as a parse-error fault and go on', async () => {
    const got = await readAll(['{"a":1}\n{not json\n{"b":2}\n']);
    expect(got).to.have.length(3);
    expect(got[0]).to.deep.equal({ a: 1 });
    expect(WireFault.is(got[1]) && got[1].kind).to.equal('parse-error');
    expect(got[2]).to.deep.equal({ b: 2 });
  });

  it('should discard a line over maxLineBytes up to its newline, report it once, and read the next', async () => {
    const long = `{"x":"${'y'.repeat(5_000)}"}`;
    const chunks = [long.slice(0, 100), long.slice(100, 3000), `${long.slice(3000)}\n`, '{"ok":true}\n'];
    const got = await readAll(chunks, 1024);
    expect(got).to.have.length(2);
    expect(WireFault.is(got[0]) && got[0].kind).to.equal('line-too-long');
    expect(got[1]).to.deep.equal({ ok: true });
  });

  it('should read a chunk of whole lines (the fast path) by the same rules: bytes, not characters, count', async () => {
    // 400 three-byte characters: 400 UTF-16 units, 1,200 bytes; the limit is 1,024 bytes
    const wide = `{"s":"${'€'.repeat(400)}"}`;
    const narrow = `{"s":"${'e'.repeat(400)}"}`;
    const got = await readAll([`${narrow}\r\n\n${wide}\n{"emoji":"😀"}\n  \n{bad\n`], 1024);
    expect(got).to.have.length(4);
    expect(got[0]).to.deep.equal({ s: 'e'.repeat(400) });
    expect(WireFault.is(got[1]) && got[1].kind).to.equal('line-too-long');
    expect(got[2]).to.deep.equal({ emoji: '😀' });
    expect(WireFault.is(got[3]) && got[3].kind).to.equal('parse-error');
  });

  it('should complete incoming$ at the end of input', async () => {
    const input = new PassThrough();
    const done = lastValueFrom(lines(input).pipe(toArray()));
    input.end('{"a":1}\n');
    expect(await done).to.deep.equal([{ a: 1 }]);
  });

  it('should answer a bad line with -32700 and id null and report message-rejected on the peer', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const { peer, subscription } = connect(ndjson(input, output), {
      handlers: { ping: () => Promise.resolve({ pong: true }) },
    });
    const events: PeerEvent[] = [];
    peer.events$.subscribe((e) => events.push(e));
    const replies = firstValueFrom(lines(output).pipe(toArray()));
    input.write('{oops\n');
    input.write('{"jsonrpc":"2.0","id":7,"method":"ping"}\n');
    await new Promise((r) => setTimeout(r, 20));
    input.end();
    const out = (await replies) as JsonRpcMessage[];
    expect(out[0]).to.deep.include({ jsonrpc: '2.0', id: null });
    expect((out[0] as { error: { code: number } }).error.code).to.equal(-32700);
    expect(out[1]).to.deep.equal({ jsonrpc: '2.0', id: 7, result: { pong: true } });
    const rejected = events.find((e) => e.type === 'message-rejected');
    expect(rejected).to.deep.include({ type: 'message-rejected', repliedWith: null, code: -32700 });
    subscription.unsubscribe();
  });

  it('should queue writes while write() returns false and send them in order on drain, bounded', async () => {
    const written: string[] = [];
    let release: (() => void) | undefined;
    // a slow reader: each chunk is taken only when the test says so
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _enc, cb) {
        written.push(chunk.toString());
        release = cb;
      },
    });
    const wire = ndjson(new PassThrough(), slow, { maxQueuedBytes: 200 });
    const m = (i: number): JsonRpcMessage => ({ jsonrpc: '2.0', method: 'n', params: { i } });
    expect(wire.send(m(0))).to.equal(undefined); // over the high-water mark: the next ones wait
    await Promise.resolve(); // what one turn sends is written at its end
    const queued = [1, 2, 3].map((i) => wire.send(m(i)));
    expect(queued.every((p) => p instanceof Promise)).to.equal(true);
    const over = wire.send({ jsonrpc: '2.0', method: 'n', params: { big: 'z'.repeat(300) } });
    let rejected = false;
    await (over as Promise<void>).catch(() => (rejected = true));
    expect(rejected).to.equal(true);
    // what waited may go out in fewer writes than messages: count lines, not writes
    const sent = (): string[] => written.join('').split('\n').filter((l) => l !== '');
    while (sent().length < 4) {
      const r = release;
      release = undefined;
      r?.();
      await new Promise((res) => setImmediate(res));
    }
    await Promise.all(queued);
    expect(sent().map((w) => (JSON.parse(w) as { params: { i: number } }).params.i)).to.deep.equal([0, 1, 2, 3]);
  });

  it('should write what one turn sends in one write, in order', async () => {
    const writes: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        writes.push(chunk.toString());
        cb();
      },
    });
    const wire = ndjson(new PassThrough(), sink);
    for (let i = 0; i < 5; i++) void wire.send({ jsonrpc: '2.0', method: 'n', params: { i } });
    expect(writes).to.deep.equal([]);
    await Promise.resolve();
    expect(writes).to.have.length(1);
    expect(writes[0]?.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { params: { i: number } }).params.i)).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('should answer with -32603 when a result cannot be serialized', async () => {
    const output = new PassThrough();
    const wire = ndjson(new PassThrough(), output);
    const got = firstValueFrom(lines(output));
    void wire.send({ jsonrpc: '2.0', id: 3, result: { n: 10n } as unknown as Record<string, unknown> });
    const m = (await got) as { id: number; error: { code: number } };
    expect(m.id).to.equal(3);
    expect(m.error.code).to.equal(-32603);
  });

  it('should cancel requests in flight both ways and error pending requests when the input ends', async () => {
    const aIn = new PassThrough();
    const bIn = new PassThrough();
    let cleanups = 0;
    const a = connect(ndjson(aIn, bIn), {
      handlers: {
        slow: (_p, ctx) => {
          ctx.onCleanup(() => void cleanups++);
          return new Promise(() => undefined);
        },
      },
    });
    const b = connect(ndjson(bIn, aIn), {
      handlers: {
        slow: (_p, ctx) => {
          ctx.onCleanup(() => void cleanups++);
          return new Promise(() => undefined);
        },
      },
    });
    const errors: unknown[] = [];
    a.peer.request('slow').subscribe({ error: (e: unknown) => errors.push(e) });
    b.peer.request('slow').subscribe({ error: (e: unknown) => errors.push(e) });
    while (a.peer.inFlight().serving + b.peer.inFlight().serving < 2) await new Promise((r) => setTimeout(r, 5));
    a.subscription.unsubscribe(); // closes a's side: ends bIn... and b sees the end of its input
    while (errors.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(errors.every((e) => e instanceof ConnectionClosedError)).to.equal(true);
    expect(cleanups).to.equal(2);
    expect(a.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    expect(b.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    b.subscription.unsubscribe();
  });
});
