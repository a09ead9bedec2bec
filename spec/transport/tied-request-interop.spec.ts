import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { firstValueFrom, map } from 'rxjs';
import { connect, type Connection, type ConnectTransport, type Handler, type PeerEvent } from '../../lib/index.js';
import { ndjson } from '../../lib/stdio.js';
import { until } from './support.js';

// A tool of ours asks the official SDK 1.32 Client for input (elicitation/create) with
// ctx.request, over real transports: NDJSON over an in-process pipe (the SDK's stdio framing on
// its side, ours on this side), and the SDK's in-memory pair through fromSdkTransport.

type Rec = Record<string, unknown>;
const isRec = (u: unknown): u is Rec => typeof u === 'object' && u !== null;

const ASK = {
  message: 'Go on?',
  requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
};

/** The two ends of one real transport: ours for connect(), the SDK's for its Client. */
interface Ends {
  readonly ours: ConnectTransport;
  readonly theirs: Transport;
}

const transports: Record<string, () => Ends> = {
  'NDJSON over an in-process pipe': () => {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    return { ours: ndjson(toServer, toClient), theirs: new StdioServerTransport(toClient, toServer) };
  },
  'the SDK in-memory pair': () => {
    const [theirs, ours] = InMemoryTransport.createLinkedPair();
    return { ours, theirs };
  },
};

/** What the server side saw. */
interface Served {
  cleanups: number;
  readonly events: PeerEvent[];
}

const handlers = (served: Served): Record<string, Handler> => ({
  initialize: (p) =>
    Promise.resolve({ protocolVersion: isRec(p) && typeof p['protocolVersion'] === 'string' ? p['protocolVersion'] : '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'tied', version: '0' } }),
  'tools/call': (_p, ctx) => {
    ctx.onCleanup(() => void served.cleanups++);
    return ctx.request<{ action: string; content?: Rec }>('elicitation/create', ASK).pipe(
      map((answer) => ({ content: [{ type: 'text', text: `${answer.action} ${JSON.stringify(answer.content ?? {})}` }] })),
    );
  },
});

for (const [name, make] of Object.entries(transports)) {
  describe(`ctx.request against the SDK 1.32 Client, ${name}`, function () {
    this.timeout(10_000);
    let connection: Connection | undefined;
    let client: Client | undefined;
    afterEach(async () => {
      await client?.close();
      connection?.subscription.unsubscribe();
    });

    /** Our server and the SDK client, connected; `onElicit` is the client's elicitation handler. */
    const open = async (onElicit: (signal: AbortSignal) => Promise<Rec>) => {
      const ends = make();
      const served: Served = { cleanups: 0, events: [] };
      connection = connect(ends.ours, { handlers: handlers(served) });
      connection.peer.events$.subscribe((e) => void served.events.push(e));
      client = new Client({ name: 'sdk-v1', version: '1.32.2' }, { capabilities: { elicitation: {} } });
      client.setRequestHandler(ElicitRequestSchema, (_request, extra) => onElicit(extra.signal));
      await client.connect(ends.theirs);
      // watch the wire on the SDK's side: what our server really sent, and what the client wrote
      const received: Rec[] = [];
      const sent: Rec[] = [];
      const transport = ends.theirs;
      const onmessage = transport.onmessage;
      transport.onmessage = (m, extra) => {
        received.push(m as Rec);
        onmessage?.(m, extra);
      };
      const send = transport.send.bind(transport);
      transport.send = (m, options) => {
        sent.push(m as Rec);
        return send(m, options);
      };
      return { served, received, sent, client, peer: connection.peer };
    };

    it("should give the tool the client's answer to its elicitation", async () => {
      const { client: c } = await open(() => Promise.resolve({ action: 'accept', content: { ok: true } }));
      const r = await c.callTool({ name: 'confirm', arguments: {} });
      expect(r.content).to.deep.equal([{ type: 'text', text: 'accept {"ok":true}' }]);
    });

    it('should cancel the pending elicitation once when the client cancels the call, run the cleanup once, and answer nothing', async () => {
      let elicitAborted = 0;
      let elicitStarted = false;
      const { served, received, sent, client: c, peer } = await open(
        (signal) =>
          new Promise<Rec>(() => {
            elicitStarted = true;
            signal.addEventListener('abort', () => void elicitAborted++);
          }),
      );
      // docs/protocol.md D1: the SDK ignores a cancel of id 0, and our ids start at 0; a ping
      // takes it, so that the elicitation's cancel is one the SDK can act on
      await firstValueFrom(peer.request('ping'));
      const ac = new AbortController();
      const call = c.callTool({ name: 'confirm', arguments: {} }, undefined, { signal: ac.signal }).then(() => 'answered', () => 'rejected');
      await until(() => elicitStarted, 5_000, 'the elicitation to reach the client');
      ac.abort('user stop');
      expect(await call).to.equal('rejected');
      await until(() => elicitAborted === 1 && served.cleanups === 1, 5_000, 'the elicitation to be cancelled and the cleanup to run');
      // a moment for anything that should not come
      await new Promise((r) => setTimeout(r, 50));
      const ask = received.find((m) => m['method'] === 'elicitation/create');
      const callId = sent.find((m) => m['method'] === 'tools/call')?.['id'];
      const cancels = received.filter((m) => m['method'] === 'notifications/cancelled');
      expect(cancels.map((m) => (m['params'] as Rec)['requestId'])).to.deep.equal([ask?.['id']]);
      expect(received.some((m) => !('method' in m) && m['id'] === callId)).to.equal(false);
      expect([elicitAborted, served.cleanups]).to.deep.equal([1, 1]);
      expect(served.events.filter((e) => e.type === 'cancel-sent')).to.have.length(1);
      expect(peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });
  });
}
