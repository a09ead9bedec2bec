import { expect } from 'chai';
import { firstValueFrom, from } from 'rxjs';
import { Later, asObservable, type Follower } from '../../lib/handler/later.js';

// The one-value answer the MCP layer gives the core for a Promise tool: settled once, followed
// synchronously, and stopped (its work with it) before it settles.

const recorder = (): Follower<number> & { seen: string[] } => {
  const seen: string[] = [];
  return { seen, resolved: (v) => void seen.push(`v${v}`), failed: (e) => void seen.push(`e${String(e)}`) };
};

describe('Later', () => {
  it('should tell its follower once, synchronously, whatever settles it after', () => {
    const l = new Later<number>();
    const f = recorder();
    l.follow(f);
    l.resolve(1);
    l.resolve(2);
    l.reject('x');
    expect(f.seen).to.deep.equal(['v1']);
  });

  it('should tell a follower that comes after it settled at once, and a second follower after the first', () => {
    const l = new Later<number>();
    const a = recorder();
    const b = recorder();
    l.follow(a);
    l.follow(b);
    l.reject('no');
    const c = recorder();
    l.follow(c);
    expect([a.seen, b.seen, c.seen]).to.deep.equal([['eno'], ['eno'], ['eno']]);
  });

  it('should stop its work once and tell nobody when unsubscribed before it settles', () => {
    const l = new Later<number>();
    const f = recorder();
    let stops = 0;
    l.onUnsubscribe({ unsubscribe: () => void stops++ });
    l.follow(f);
    l.unsubscribe();
    l.unsubscribe();
    l.resolve(1);
    expect(f.seen).to.deep.equal([]);
    expect(stops).to.equal(1);
    // work added after the stop is stopped at once
    l.onUnsubscribe({ unsubscribe: () => void stops++ });
    expect(stops).to.equal(2);
  });

  it('should not stop work that settled: an unsubscribe after the value is a no-op', () => {
    const l = new Later<number>();
    let stops = 0;
    l.onUnsubscribe({ unsubscribe: () => void stops++ });
    l.resolve(1);
    l.unsubscribe();
    expect(stops).to.equal(0);
  });

  it('should map its value, make a throw of the map its failure, and stop the source when the map is stopped', () => {
    const src = new Later<number>();
    const doubled = src.map((v) => v * 2);
    const f = recorder();
    doubled.follow(f);
    src.resolve(21);
    expect(f.seen).to.deep.equal(['v42']);
    const bad = Later.of(1).map(() => {
      throw 'boom';
    });
    const g = recorder();
    bad.follow(g);
    expect(g.seen).to.deep.equal(['eboom']);
    const src2 = new Later<number>();
    let stopped = 0;
    src2.onUnsubscribe({ unsubscribe: () => void stopped++ });
    src2.map((v) => v).unsubscribe();
    expect(stopped).to.equal(1);
  });

  it('should be read by await, rxjs from and asObservable like a Promise of its value', async () => {
    const l = new Later<number>();
    const read = Promise.all([l.then((v) => v + 1), firstValueFrom(from(l)), firstValueFrom(asObservable(l))]);
    l.resolve(1);
    expect(await read).to.deep.equal([2, 1, 1]);
    const sub = asObservable(new Later<number>()).subscribe();
    expect(sub.closed).to.equal(false);
    sub.unsubscribe();
  });
});
