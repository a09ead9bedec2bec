import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION } from '../../../lib/codec/era.js';
import { until } from '../support.js';
import { start, type Running } from './support.js';

// The node face's sign that a client went away: the end of its side of the socket, where node
// itself aborts the requests still unanswered on it, before their responses' 'close'. Over raw
// sockets on 127.0.0.1, so that the client can half-close and pipeline as it likes.

// mocha runs without --expose-gc: the flag can be set at run time, and a new context then has `gc`
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const post = (id: number, name: string, args: Record<string, unknown> = {}): string => {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args, _meta: { [META_PROTOCOL_VERSION]: '2026-07-28', [META_CLIENT_CAPABILITIES]: {} } },
  });
  return [
    'POST /mcp HTTP/1.1',
    'host: 127.0.0.1',
    'content-type: application/json',
    'accept: application/json, text/event-stream',
    'mcp-protocol-version: 2026-07-28',
    'mcp-method: tools/call',
    `mcp-name: ${name}`,
    `content-length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
};

const open = async (url: string): Promise<Socket> => {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
};

const started = (s: Running, n: number): Promise<void> =>
  until(() => s.seen.events.filter((e) => e.type === 'request-received').length >= n, 5_000, `${n} requests started`);

describe('nodeExchange: the client going away', () => {
  let s: Running | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it('should cancel a request when its client ends its side of the socket, before the socket closes', async () => {
    s = await start();
    const seen = s.seen;
    // how many cleanups had run when the server's socket closed (its responses close after it):
    // the one of the request, already
    let cleanupsAtClose: number | undefined;
    s.server.on('connection', (c: Socket) => c.on('close', () => void (cleanupsAtClose = seen.cleanups.length)));
    const socket = await open(s.url);
    socket.write(post(1, 'never'));
    await started(s, 1);
    socket.end();
    await until(() => cleanupsAtClose !== undefined, 5_000, 'the socket to close');
    expect(seen.cleanups).to.deep.equal(['1:close']);
    expect(cleanupsAtClose).to.equal(1);
    socket.destroy();
  });

  it('should answer a client that half-closes when the server allows half-open sockets', async () => {
    s = await start();
    // node's own switch (undocumented, read by its server on a socket's end): half-open sockets allowed
    (s.server as typeof s.server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    const socket = await open(s.url);
    let text = '';
    socket.on('data', (c: Buffer) => void (text += c.toString('utf8')));
    socket.write(post(1, 'slow', { steps: 2 }));
    await started(s, 1);
    socket.end();
    await until(() => text.includes('"result"'), 5_000, 'the answer');
    expect(s.seen.cleanups).to.deep.equal(['1:done']);
    socket.destroy();
  });

  it('should watch a socket with one listener however many requests it pipelines, and cancel them all at its end', async () => {
    s = await start();
    const warnings: Error[] = [];
    const warned = (w: Error): void => void warnings.push(w);
    process.on('warning', warned);
    try {
      // node's own 'end' listeners, there before any request
      const sockets: Array<{ readonly socket: Socket; readonly nodes: number }> = [];
      s.server.on('connection', (c: Socket) => void sockets.push({ socket: c, nodes: c.listenerCount('end') }));
      const socket = await open(s.url);
      socket.write(Array.from({ length: 12 }, (_, i) => post(i + 1, 'never')).join(''));
      await started(s, 12);
      const [server] = sockets;
      expect(server?.socket.listenerCount('end')).to.equal((server?.nodes ?? NaN) + 1);
      socket.end();
      const seen = s.seen;
      await until(() => seen.cleanups.length === 12, 5_000, 'every cleanup');
      expect(new Set(seen.cleanups)).to.have.property('size', 12);
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.message)).to.deep.equal([]);
      socket.destroy();
    } finally {
      process.off('warning', warned);
    }
  });

  it('should keep nothing of an answered exchange on its kept-alive socket', async () => {
    s = await start();
    const socket = await open(s.url);
    let answers = 0;
    socket.on('data', (c: Buffer) => void (answers += c.toString('utf8').split('HTTP/1.1 ').length - 1));
    const round = async (n: number, from: number): Promise<void> => {
      const before = answers;
      socket.write(Array.from({ length: n }, (_, i) => post(from + i, 'echo', { text: 'x' })).join(''));
      await until(() => answers === before + n, 10_000, `${n} answers`);
    };
    // in rounds of 100 pipelined requests, one socket throughout
    for (let i = 0; i < 2; i++) await round(100, i * 100);
    // the test server keeps every event: not counted
    s.seen.events.splice(0);
    const before = heapUsed();
    for (let i = 2; i < 22; i++) await round(100, i * 100);
    s.seen.events.splice(0);
    const growth = heapUsed() - before;
    // an exchange left on the socket holds its request and response: ~8 MB for 2,000
    expect(growth, `${growth} bytes kept`).to.be.below(2_000_000);
    socket.destroy();
  });
});
