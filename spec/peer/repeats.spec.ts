import { expect } from 'chai';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { WireFault, createPeer, type PeerEvent } from '../../lib/index.js';

describe('transport errors, summarised', () => {
  it('should report a storm of failed writes as one event at once and one with the count a second later', () => {
    const scheduler = new VirtualTimeScheduler();
    const incoming = new Subject<unknown>();
    const peer = createPeer(incoming, { scheduler });
    const events: PeerEvent[] = [];
    peer.events$.subscribe((e) => events.push(e));
    peer.outgoing$.subscribe();
    for (let i = 0; i < 10_000; i++) incoming.next(WireFault.of('transport-error', `write failed: EPIPE ${i}`));
    incoming.next(WireFault.of('transport-error', 'read failed: ECONNRESET'));
    scheduler.flush();
    for (let i = 0; i < 3; i++) incoming.next(WireFault.of('transport-error', `write failed: EPIPE again ${i}`));
    incoming.complete();
    const errors = events.filter((e): e is Extract<PeerEvent, { type: 'transport-error' }> => e.type === 'transport-error');
    expect(errors.map((e) => [e.at, e.error.message, e.count])).to.deep.equal([
      [0, 'write failed: EPIPE 0', undefined],
      [0, 'read failed: ECONNRESET', undefined],
      [1000, 'write failed: EPIPE 9999', 9_999],
      [1000, 'write failed: EPIPE again 0', undefined],
      // the close reports what is still counted, and leaves no timer behind
      [1000, 'write failed: EPIPE again 2', 2],
    ]);
  });
});
