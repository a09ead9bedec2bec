import { expect } from 'chai';
import { lastValueFrom } from 'rxjs';
import { drive } from '../helpers.js';

describe('createPeer', () => {
  it('should refuse a second subscriber to outgoing$', async () => {
    const d = drive();
    const e = await lastValueFrom(d.peer.outgoing$).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(Error);
  });
});
