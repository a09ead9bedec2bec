import { expect } from 'chai';
import { goneFrom, watchSessions } from '../../../lib/transport/http/session-check.js';
import { memorySessions, type SessionStore } from '../../../lib/http.js';

const storeOf = (...ids: string[]): SessionStore => {
  const store = memorySessions();
  for (const id of ids) void store.create({ id, createdAt: 0 });
  return store;
};

describe('session check (a shared store against the sessions one instance holds)', () => {
  it('should name the ids the store no longer has, asking get for each when the store has no present', async () => {
    expect(await goneFrom(storeOf('a', 'c'), ['a', 'b', 'c', 'd'])).to.deep.equal(['b', 'd']);
  });

  it('should ask present once per chunk of 500 when the store has it', async () => {
    const asked: number[] = [];
    const base = storeOf(...Array.from({ length: 1_200 }, (_, i) => `s${i}`));
    const store: SessionStore = { ...base, get: () => Promise.reject(new Error('get is not to be asked')), present: (ids) => (asked.push(ids.length), new Set(ids.filter((id) => id !== 's7'))) };
    expect(await goneFrom(store, Array.from({ length: 1_200 }, (_, i) => `s${i}`))).to.deep.equal(['s7']);
    expect(asked).to.deep.equal([500, 500, 200]);
  });

  it('should end nothing and report the failure when the store fails, then check again', async () => {
    let fail = true;
    const ended: string[] = [];
    const failures: unknown[] = [];
    const store: SessionStore = { create: () => undefined, delete: () => undefined, get: () => (fail ? Promise.reject(new Error('redis down')) : Promise.resolve(undefined)) };
    const stop = watchSessions(store, 10, () => ['x'], (id) => ended.push(id), (e) => failures.push(e));
    await new Promise((r) => setTimeout(r, 35));
    expect(ended).to.deep.equal([]);
    expect(failures.length).to.be.greaterThan(0);
    fail = false;
    await new Promise((r) => setTimeout(r, 30));
    stop();
    expect(ended[0]).to.equal('x');
  });
});
