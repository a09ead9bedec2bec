import { expect } from 'chai';
import { of } from 'rxjs';
import { preview, previewValue } from '../../lib/codec/preview.js';
import { drive } from '../helpers.js';

describe('preview', () => {
  it('should put a bounded preview of a 1 MB invalid value into the reply and the events, never the value', () => {
    const big = 'x'.repeat(1_000_000);
    const { incoming, out, events } = drive({ handlers: { 'tools/call': () => of({}) } });
    incoming.next({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: [big] });
    incoming.next({ jsonrpc: big, id: 2, method: 'tools/call' });
    incoming.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: [big], reason: big } });
    incoming.next({ jsonrpc: '2.0', id: 3, result: big });
    expect(out).to.have.length(2);
    for (const m of out) expect(JSON.stringify(m).length).to.be.below(2_048);
    expect(events.length).to.be.greaterThan(3);
    for (const e of events) expect(JSON.stringify(e).length, e.type).to.be.below(4_096);
  });
});

describe('preview (the text)', () => {
  it('should cut a string over max characters and mark the cut, and leave a short one as it is', () => {
    expect(preview('abcdef', 3)).to.equal('abc…');
    expect(preview('abc', 3)).to.equal('abc');
    expect(previewValue({ s: 'x'.repeat(1_000) }, 20).length).to.be.at.most(21);
  });
});
