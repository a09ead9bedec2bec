import { expect } from 'chai';
import { of } from 'rxjs';
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
