import { expect } from 'chai';
import { NEVER, Subject, of } from 'rxjs';
import { CancellationManager, serve, type PeerEvent } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { req } from '../helpers.js';

describe('serve', () => {
  it('should hold nothing until subscribed, and give each subscription its own connection', () => {
    const manager = new CancellationManager();
    const incoming = new Subject<unknown>();
    const served = incoming.pipe(serve({ slow: () => NEVER }, { manager }));
    incoming.next(req(1, 'slow'));
    expect(manager.size).to.equal(0);
    const a = served.subscribe();
    const b = served.subscribe();
    incoming.next(req(1, 'slow'));
    // one request id in two connections: two scopes, so no duplicate
    expect(manager.size).to.equal(2);
    a.unsubscribe();
    expect(manager.size).to.equal(1);
    b.unsubscribe();
    expect(manager.size).to.equal(0);
  });

  it('should send events to a function or a Subject, stamped with the time', () => {
    const seen: PeerEvent[] = [];
    const sink = new Subject<PeerEvent>();
    sink.subscribe((e) => seen.push(e));
    const out: JsonRpcMessage[] = [];
    of(req(1, 'ok')).pipe(serve({ ok: () => of({}) }, { events: sink })).subscribe((x) => out.push(x));
    expect(out).to.deep.equal([{ jsonrpc: '2.0', id: 1, result: {} }]);
    expect(seen.map((e) => e.type)).to.deep.equal(['request-received', 'request-completed', 'connection-closed']);
    expect(seen.every((e) => typeof e.at === 'number')).to.equal(true);
  });

  it('should build no event while its Subject has no subscriber, and build them once one subscribes', () => {
    // a Subject that counts what it is handed: with nobody listening, serve must not even call next
    let handed = 0;
    class Counting extends Subject<PeerEvent> {
      override next(e: PeerEvent): void {
        handed++;
        super.next(e);
      }
    }
    const sink = new Counting();
    const incoming = new Subject<unknown>();
    const out: JsonRpcMessage[] = [];
    incoming.pipe(serve({ ok: () => of({}) }, { events: sink })).subscribe((x) => out.push(x));
    incoming.next(req(1, 'ok'));
    expect([out.length, handed]).to.deep.equal([1, 0]);
    const seen: string[] = [];
    sink.subscribe((e) => seen.push(e.type));
    incoming.next(req(2, 'ok'));
    expect(seen).to.deep.equal(['request-received', 'request-completed']);
    expect(handed).to.equal(2);
  });
});
