// The official SDK v2 (`@modelcontextprotocol/client` + `@modelcontextprotocol/server`), wired as
// the v1 side is: `Client` + `Server` over the v2 `InMemoryTransport.createLinkedPair()` (which,
// like v1's, hands each message object to the other side's `onmessage` synchronously), or over a
// v2 `StdioServerTransport(readable, writable)` on each end of two PassThrough streams (NDJSON).
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { Server, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { PassThrough } from 'node:stream';
import { ECHO, HOLD, fail, mcpCancel, noop, type Pair, type RawServer, type Wire } from './calls.js';
import { Counter } from './child.js';

const server2 = (started: Counter, cleanups: Counter): Server => {
  const server = new Server({ name: 'bench', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/call', async (request, ctx) => {
    if (request.params.name !== 'hold') return { content: [] };
    started.hit();
    // the same idiom as v1: the handler's abort signal, which a cancel that came first has fired
    const signal = ctx.mcpReq.signal;
    return new Promise((resolve) => {
      const cleanup = (): void => {
        cleanups.hit();
        resolve({ content: [] });
      };
      if (signal.aborted) cleanup();
      else signal.addEventListener('abort', cleanup, { once: true });
    });
  });
  return server;
};

export const sdk2Pair = async (wire: Wire): Promise<Pair> => {
  const started = new Counter();
  const cleanups = new Counter();
  const server = server2(started, cleanups);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  if (wire === 'memory') {
    const [ct, st] = InMemoryTransport.createLinkedPair();
    await server.connect(st);
    await client.connect(ct);
  } else {
    const up = new PassThrough();
    const down = new PassThrough();
    // as with v1, the stdio server transport is symmetric (reads one stream, writes the other)
    await server.connect(new StdioServerTransport(up, down));
    await client.connect(new StdioServerTransport(down, up));
  }
  return {
    started,
    cleanups,
    echo: (done) => {
      client.request({ method: 'tools/call', params: ECHO }).then(done, fail);
    },
    hold: () => {
      const ac = new AbortController();
      client.request({ method: 'tools/call', params: HOLD }, { signal: ac.signal }).catch(noop);
      return () => ac.abort('bench');
    },
    close: async () => {
      await client.close();
      await server.close();
    },
  };
};

export const sdk2RawServer = async (onResponse: (m: unknown) => void): Promise<RawServer> => {
  const started = new Counter();
  const cleanups = new Counter();
  const server = server2(started, cleanups);
  const [ct, st] = InMemoryTransport.createLinkedPair();
  await server.connect(st);
  ct.onmessage = onResponse;
  await ct.start();
  return {
    started,
    cleanups,
    send: (m) => void ct.send(m as JSONRPCMessage),
    cancelMessage: mcpCancel,
    close: () => server.close(),
  };
};
