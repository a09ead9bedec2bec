import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { JsonRpcError, connect } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { ndjson } from '../../lib/stdio.js';
import { until } from './support.js';
import { progressTokenOf } from '../../lib/transport/line-writer.js';

type Rec = Record<string, unknown>;

/** Every message written to `output`, as it comes. */
const collect = (output: PassThrough): Rec[] => {
  const got: Rec[] = [];
  ndjson(output, new PassThrough()).incoming$.subscribe((m) => void got.push(m as Rec));
  return got;
};

const request = (id: number, method: string): string => `${JSON.stringify({ jsonrpc: '2.0', id, method })}\n`;

describe('ndjson (what JSON cannot carry)', () => {
  it('should answer an error whose data cannot be serialized once, with its code and message and no data', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const cyclic: Rec = { name: 'loop' };
    cyclic['self'] = cyclic;
    const { subscription } = connect(ndjson(input, output), {
      handlers: {
        big: () => Promise.reject(new JsonRpcError(-32602, 'bad', { n: 10n })),
        cycle: () => Promise.reject(new JsonRpcError(-32050, 'loops', cyclic)),
        ping: () => Promise.resolve({}),
      },
    });
    const got = collect(output);
    input.write(request(1, 'big') + request(2, 'cycle'));
    await until(() => got.length >= 2, 2_000, 'the two error responses');
    // one round trip more: whatever was written for 1 and 2 is read by now
    input.write(request(3, 'ping'));
    await until(() => got.some((m) => m['id'] === 3), 2_000, 'the ping response');
    expect(got.filter((m) => m['id'] === 1)).to.deep.equal([{ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad' } }]);
    expect(got.filter((m) => m['id'] === 2)).to.deep.equal([{ jsonrpc: '2.0', id: 2, error: { code: -32050, message: 'loops' } }]);
    subscription.unsubscribe();
  });

  it('should answer with -32603 when even the error without its data cannot be serialized', async () => {
    const output = new PassThrough();
    const wire = ndjson(new PassThrough(), output);
    const got = collect(output);
    const error = { code: -32602, message: 10n } as unknown as { code: number; message: string };
    void wire.send({ jsonrpc: '2.0', id: 4, error });
    await until(() => got.length === 1, 2_000, 'the response');
    expect(got[0]?.['id']).to.equal(4);
    expect((got[0]?.['error'] as Rec)['code']).to.equal(-32603);
  });

  it('should reject, never throw, a request or notification that cannot be serialized, and write the next', async () => {
    const output = new PassThrough();
    const wire = ndjson(new PassThrough(), output);
    const got = collect(output);
    const bad: JsonRpcMessage[] = [
      { jsonrpc: '2.0', method: 'n', params: { n: 10n } },
      { jsonrpc: '2.0', id: 5, method: 'r', params: { n: 10n } },
    ];
    for (const m of bad) {
      let sent: void | Promise<void> = undefined;
      expect(() => (sent = wire.send(m))).to.not.throw();
      const error: unknown = await (sent as unknown as Promise<void>).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/cannot be serialized/);
    }
    void wire.send({ jsonrpc: '2.0', method: 'ok' });
    await until(() => got.length === 1, 2_000, 'the next message');
    expect(got).to.deep.equal([{ jsonrpc: '2.0', method: 'ok' }]);
  });
});

describe('progressTokenOf', () => {
  it('should read the token of a progress notification only, never of a request of that name', () => {
    expect(progressTokenOf({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1 } })).to.equal('t');
    expect(progressTokenOf({ jsonrpc: '2.0', id: 1, method: 'notifications/progress', params: { progressToken: 't', progress: 1 } })).to.equal(undefined);
    expect(progressTokenOf({ jsonrpc: '2.0', id: 1, result: {} })).to.equal(undefined);
  });
});
