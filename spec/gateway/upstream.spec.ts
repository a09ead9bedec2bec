import { expect } from 'chai';
import { Subject } from 'rxjs';
import { createPeer } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { mcpGateway, type McpGateway } from '../../lib/gateway.js';
import { mcpServer, tool } from '../../lib/mcp.js';
import { flush, req } from '../helpers.js';

// The gateway's upstream link with nobody watching its events: the upstream peer's events are
// then never built, and the end of one of our transports is seen on its incoming$ instead. An
// upstream that closed while idle is restarted by the next request, as when the events are watched.

const echo = tool({ name: 'echo', run: () => Promise.resolve('ok') });

/** A factory of in-memory upstreams, each an mcpServer on a peer; `end(i)` closes the i-th from its side. */
const upstreams = () => {
  const ends: Array<Subject<unknown>> = [];
  const source = () => {
    const toServer = new Subject<unknown>();
    const toGateway = new Subject<unknown>();
    const server = createPeer(toServer, mcpServer({ info: { name: 'up', version: '1' }, tools: [echo] }));
    server.outgoing$.subscribe((msg) => toGateway.next(msg));
    ends.push(toGateway);
    return { incoming$: toGateway, send: (msg: JsonRpcMessage) => toServer.next(msg), close: () => toServer.complete() };
  };
  return { source, ends };
};

const front = (gateway: McpGateway) => {
  const incoming = new Subject<unknown>();
  const out: JsonRpcMessage[] = [];
  createPeer(incoming, gateway).outgoing$.subscribe((msg) => out.push(msg));
  return { incoming, out };
};

const answered = (out: readonly JsonRpcMessage[], id: number): JsonRpcMessage | undefined => out.find((x) => 'id' in x && x.id === id && !('method' in x));

describe('mcpGateway upstream link', () => {
  for (const watched of [false, true])
    it(`should restart an upstream that closed while idle on the next request, its events ${watched ? '' : 'un'}watched`, async () => {
      const up = upstreams();
      const gateway = mcpGateway({ upstream: up.source, era: '2025-11-25' });
      const events: string[] = [];
      if (watched) gateway.events$.subscribe((e) => events.push(e.type));
      const f = front(gateway);
      f.incoming.next(req(1, 'tools/call', { name: 'echo', arguments: {} }));
      await flush();
      expect(answered(f.out, 1)).to.have.property('result');
      const first = gateway.upstream();
      up.ends[0]?.complete();
      await flush();
      expect(gateway.upstream()).to.equal(undefined);
      f.incoming.next(req(2, 'tools/call', { name: 'echo', arguments: {} }));
      await flush();
      expect(answered(f.out, 2)).to.deep.include({ result: { content: [{ type: 'text', text: 'ok' }] } });
      expect(up.ends.length).to.equal(2);
      expect(gateway.upstream()).to.not.equal(first);
      if (watched) expect(events.filter((t) => t.startsWith('upstream-'))).to.deep.equal(['upstream-started', 'upstream-closed', 'upstream-started']);
      gateway.close();
    });

  it('should relay the upstream peer events only while someone watches', async () => {
    const up = upstreams();
    const gateway = mcpGateway({ upstream: up.source, era: '2025-11-25' });
    const f = front(gateway);
    f.incoming.next(req(1, 'tools/call', { name: 'echo', arguments: {} }));
    await flush();
    const seen: string[] = [];
    const s = gateway.events$.subscribe((e) => seen.push(e.type === 'upstream' ? `upstream:${e.event.type}` : e.type));
    f.incoming.next(req(2, 'tools/call', { name: 'echo', arguments: {} }));
    await flush();
    expect(seen).to.include('upstream:request-sent');
    s.unsubscribe();
    const before = seen.length;
    f.incoming.next(req(3, 'tools/call', { name: 'echo', arguments: {} }));
    await flush();
    expect(seen.length).to.equal(before);
    expect(answered(f.out, 3)).to.have.property('result');
    gateway.close();
  });
});
