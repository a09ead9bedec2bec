import { expect } from 'chai';
import { RETRY_ENTRY_BYTES, busRetries, retryBytes, retryRecord, stringBytes } from '../../lib/manager/bus-retries.js';
import { CancelReason, RequestKey } from '../../lib/manager/request-key.js';

describe('bus retries (bounded in count and bytes)', () => {
  const stop = CancelReason.of('peer', 'stop');

  it('should count a Latin-1 string at a byte a character, any other at two', () => {
    expect([stringBytes(''), stringBytes('abc'), stringBytes('é'), stringBytes('日本'), stringBytes('a日')]).to.deep.equal([0, 3, 1, 4, 4]);
  });

  it('should count an entry as its key and reason texts plus the fixed part', () => {
    const key = RequestKey.of(7, 'S');
    const [id, record] = retryRecord(key, stop);
    expect([id, record]).to.deep.equal(['["S",7]', '["peer","stop"]']);
    expect(retryBytes(key, stop)).to.equal(RETRY_ENTRY_BYTES + id.length + record.length);
  });

  it('should hand back each kept cancel as it was given: string and number ids, with and without a session or reason', () => {
    const retries = busRetries(10, 1e6);
    const given = [
      { key: RequestKey.of(1, 'S'), reason: stop },
      { key: RequestKey.of('1', 'S'), reason: CancelReason.of('timeout') },
      { key: RequestKey.of('x"y'), reason: CancelReason.of('caller', '日本') },
      { key: RequestKey.of('t', 'task:o'), reason: { source: 'peer' as const, method: 'tasks/cancel' as const } },
    ];
    for (const { key, reason } of given) expect(retries.offer(key, reason)).to.equal(undefined);
    expect([...retries.entries()]).to.deep.equal(given);
  });

  it('should refuse the next cancel past maxRetryBytes, count it, and take one again once room is freed', () => {
    const one = retryBytes(RequestKey.of(1, 'S'), stop);
    const retries = busRetries(100, 2 * one);
    expect([1, 2, 3].map((i) => retries.offer(RequestKey.of(i, 'S'), stop))).to.deep.equal([undefined, undefined, 'maxRetryBytes']);
    expect(retries.stats()).to.deep.equal({ held: 2, bytes: 2 * one, dropped: 1 });
    retries.delete(RequestKey.of(1, 'S'));
    expect(retries.stats()).to.deep.equal({ held: 1, bytes: one, dropped: 1 });
    expect(retries.offer(RequestKey.of(3, 'S'), stop)).to.equal(undefined);
    expect(retries.stats()).to.deep.equal({ held: 2, bytes: 2 * one, dropped: 1 });
  });

  it('should refuse the next cancel past maxRetries whatever the bytes', () => {
    const retries = busRetries(1, 1e9);
    expect([1, 2].map((i) => retries.offer(RequestKey.of(i), stop))).to.deep.equal([undefined, 'maxRetries']);
    expect(retries.stats().dropped).to.equal(1);
  });

  it('should keep a key offered again once, its newer reason replacing the kept one when it fits, else the kept one', () => {
    const key = RequestKey.of(1, 'S');
    const longer = CancelReason.of('peer', 'a longer reason');
    const retries = busRetries(10, retryBytes(key, longer));
    expect(retries.offer(key, stop)).to.equal(undefined);
    expect(retries.offer(key, longer)).to.equal(undefined);
    expect(retries.stats()).to.deep.equal({ held: 1, bytes: retryBytes(key, longer), dropped: 0 });
    // too big for the bound: the key is still kept, with the reason it had
    expect(retries.offer(key, CancelReason.of('peer', 'x'.repeat(1_000)))).to.equal(undefined);
    expect([...retries.entries()]).to.deep.equal([{ key, reason: longer }]);
    expect(retries.stats()).to.deep.equal({ held: 1, bytes: retryBytes(key, longer), dropped: 0 });
  });

  it('should forget a key deleted, and ignore one never kept', () => {
    const retries = busRetries(10, 1e6);
    retries.offer(RequestKey.of(1), stop);
    retries.delete(RequestKey.of(2));
    retries.delete(RequestKey.of(1));
    expect(retries.stats()).to.deep.equal({ held: 0, bytes: 0, dropped: 0 });
    expect([...retries.entries()]).to.deep.equal([]);
  });
});
