import { expect } from 'chai';
import { NEVER, of } from 'rxjs';
import { cancel, drive, ofType, req } from '../helpers.js';

describe('batches (SPEC-NOTES J6)', () => {
  it('should answer an empty batch with one -32600 and id null', () => {
    const d = drive({ handlers: {} });
    d.incoming.next([]);
    expect(d.out).to.deep.equal([{ jsonrpc: '2.0', id: null, error: { code: -32600, message: d.out[0] !== undefined && 'error' in d.out[0] ? d.out[0].error.message : '' } }]);
  });

  it('should answer each request of a batch and nothing for its notifications', () => {
    const d = drive({ handlers: { a: () => of({ a: 1 }), slow: () => NEVER } });
    d.incoming.next([req(1, 'a'), { jsonrpc: '2.0', method: 'notifications/x' }, req(2, 'nope'), 5, [req(9, 'a')], req(3, 'slow'), cancel(3)]);
    expect(d.out.map((m) => ['id' in m ? m.id : undefined, 'error' in m ? m.error.code : 'ok'])).to.deep.equal([
      [1, 'ok'],
      [2, -32601],
      [null, -32600],
      [null, -32600],
    ]);
    expect(ofType(d.events, 'request-cancelled')).to.have.length(1);
  });

  it('should send nothing at all for a batch of notifications alone', () => {
    const d = drive({ handlers: {} });
    d.incoming.next([{ jsonrpc: '2.0', method: 'notifications/a' }, { jsonrpc: '2.0', method: 'notifications/b' }, cancel(7)]);
    expect(d.out).to.deep.equal([]);
  });

  it('should route responses inside a batch to the sending side', () => {
    const d = drive();
    const got: unknown[] = [];
    d.peer.request('x').subscribe((r) => got.push(r));
    d.peer.request('y').subscribe((r) => got.push(r));
    d.incoming.next([{ jsonrpc: '2.0', id: 1, result: { y: 1 } }, { jsonrpc: '2.0', id: 0, result: { x: 1 } }]);
    expect(got).to.deep.equal([{ y: 1 }, { x: 1 }]);
  });
});
