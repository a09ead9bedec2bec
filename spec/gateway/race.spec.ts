import { expect } from 'chai';
import { Subject, merge } from 'rxjs';
import { createPeer } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { mcpGateway } from '../../lib/gateway.js';
import { cancel, m, req, result, testScheduler } from '../helpers.js';

// The race the gateway must settle at both hops: the front's cancel and the upstream's answer in
// the same frame. The front is a peer serving the gateway's handlers; the upstream is a wire
// driven by marbles (its handshake answered at once). Whichever comes first in the frame, the
// request gets exactly one of the two ends: an answer to the front and no cancel upstream, or
// one cancel upstream and no answer to the front (the upstream's answer dropped).

interface Wire {
  readonly front: Array<[number, JsonRpcMessage]>;
  readonly upstream: Array<[number, JsonRpcMessage]>;
}

/** The two hops' wires, each message with its frame; `first` says whose marble is made first (comes first in a shared frame). */
const run = (frontMarbles: string, upstreamMarbles: string, first: 'front' | 'upstream'): Wire => {
  const ts = testScheduler();
  const wire: Wire = { front: [], upstream: [] };
  ts.run(({ hot, flush }) => {
    const values = m({ a: req(1, 'tools/call', { name: 'slow' }), c: cancel(1, 'stop'), R: result(1, { content: [{ type: 'text', text: 'late' }] }) });
    const made = first === 'front' ? [hot(frontMarbles, values), hot(upstreamMarbles, values)] : [hot(upstreamMarbles, values), hot(frontMarbles, values)].reverse();
    const [front$, answers$] = made as [ReturnType<typeof hot<JsonRpcMessage>>, ReturnType<typeof hot<JsonRpcMessage>>];
    const handshake = new Subject<unknown>();
    const gateway = mcpGateway({
      era: '2025-11-25',
      upstream: {
        incoming$: merge(handshake, answers$),
        send: (msg: JsonRpcMessage) => {
          wire.upstream.push([ts.now(), msg]);
          // the upstream's handshake, answered in the frame it is asked
          if ('method' in msg && msg.method === 'initialize' && 'id' in msg)
            ts.schedule(() => handshake.next(result(msg.id, { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'up', version: '1' } })));
        },
        close: () => handshake.complete(),
      },
    });
    createPeer(front$, gateway).outgoing$.subscribe((msg) => void wire.front.push([ts.now(), msg]));
    flush();
  });
  return wire;
};

const answersTo = (w: Wire, id: number): number[] => w.front.filter(([, x]) => 'id' in x && x.id === id && !('method' in x)).map(([t]) => t);
const cancelsUpstream = (w: Wire): Array<[number, unknown]> =>
  w.upstream.flatMap(([t, x]) => ('method' in x && x.method === 'notifications/cancelled' ? [[t, x.params?.['requestId']] as [number, unknown]] : []));

describe('gateway: the cancel and the upstream answer in the same frame', () => {
  it('should answer the front nothing and cancel upstream once when the front cancel comes first', () => {
    // prettier-ignore
    const w = run(
      '-a---c',
      '-----R', 'front');
    const call = w.upstream.find(([, x]) => 'method' in x && x.method === 'tools/call');
    expect(call?.[0], 'forwarded at frame 1').to.equal(1);
    const upstreamId = call !== undefined && 'id' in call[1] ? call[1].id : undefined;
    expect(upstreamId, "the gateway's own id: its initialize was 0").to.equal(1);
    expect(cancelsUpstream(w)).to.deep.equal([[5, upstreamId]]);
    expect(answersTo(w, 1), 'no answer to a cancelled request').to.deep.equal([]);
  });

  it('should answer the front and send no cancel upstream when the upstream answer comes first', () => {
    // prettier-ignore
    const w = run(
      '-a---c',
      '-----R', 'upstream');
    expect(answersTo(w, 1)).to.deep.equal([5]);
    expect(cancelsUpstream(w), 'the cancel found the request finished').to.deep.equal([]);
  });
});
