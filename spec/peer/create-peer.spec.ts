import { expect } from 'chai';
import { NEVER, lastValueFrom } from 'rxjs';
import { createPeer, type PeerEvent } from '../../lib/index.js';
import { drive } from '../helpers.js';

describe('createPeer', () => {
  it('should refuse a second subscriber to outgoing$', async () => {
    const d = drive();
    const e = await lastValueFrom(d.peer.outgoing$).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(Error);
  });
});

describe('createPeer events$', () => {
  it('should emit each event to events$, stamped with the time', () => {
    const peer = createPeer(NEVER);
    const seen: PeerEvent[] = [];
    peer.events$.subscribe((e) => seen.push(e));
    peer.outgoing$.subscribe();
    peer.request('x').subscribe({ error: () => undefined }).unsubscribe();
    expect(seen.map((e) => e.type)).to.deep.equal(['request-sent', 'cancel-sent']);
    expect(seen.every((e) => typeof e.at === 'number')).to.equal(true);
  });
});
