import { expect } from 'chai';
import { NEVER, of } from 'rxjs';
import { cancel, drive, ofType, req } from '../helpers.js';

describe('batches (JSON-RPC 2.0 §6)', () => {
  it('should answer an empty batch with one -32600 and id null', () => {
    const d = drive({ handlers: {} });
    d.incoming.next([]);
    expect(d.out).to.have.length(1);
    expect(d.out[0]).to.deep.include({ jsonrpc: '2.0', id: null });
    const error = d.out[0] !== undefined && 'error' in d.out[0] ? d.out[0].error : undefined;
    expect(error?.code).to.equal(-32600);
    expect(error?.message).to.match(/empty batch/);
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

  it('should answer a batch over maxBatchSize with one -32600 and look at none of its elements', () => {
    let ran = 0;
    const d = drive({ handlers: { a: () => of({ a: ++ran }) } });
    // two million elements: before, each was decoded and most answered (294 MB of replies)
    const huge = new Array<unknown>(2_000_000).fill(5);
    huge[0] = req(1, 'a');
    d.incoming.next(huge);
    d.incoming.next(Array.from({ length: 65 }, (_, i) => req(i + 10, 'a')));
    d.incoming.next(Array.from({ length: 64 }, (_, i) => req(i + 100, 'a')));
    expect(ran).to.equal(64);
    const rejected = d.out.filter((m) => 'error' in m);
    expect(rejected.map((m) => ['id' in m ? m.id : undefined, 'error' in m ? m.error.code : 0])).to.deep.equal([[null, -32600], [null, -32600]]);
    expect(ofType(d.events, 'message-rejected')).to.have.length(2);
  });

  it('should take maxBatchSize from the options', () => {
    const d = drive({ handlers: { a: () => of({}) }, maxBatchSize: 2 });
    d.incoming.next([req(1, 'a'), req(2, 'a')]);
    d.incoming.next([req(3, 'a'), req(4, 'a'), req(5, 'a')]);
    expect(d.out.map((m) => ('id' in m ? m.id : undefined))).to.deep.equal([1, 2, null]);
  });
});
