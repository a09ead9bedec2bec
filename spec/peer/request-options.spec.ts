import { expect } from 'chai';
import { NEVER, interval, map, take } from 'rxjs';
import { DEFAULT_MAX_TOTAL_TIMEOUT_MS, RequestTimeoutError, createPeer } from '../../lib/index.js';
import { cancel, drive, m, progress, req, testScheduler } from '../helpers.js';

describe('request options', () => {
  describe('timeout options', () => {
    const bad: Array<[string, Record<string, unknown>]> = [
      ['timeoutMs NaN', { timeoutMs: NaN }],
      ['timeoutMs 0', { timeoutMs: 0 }],
      ['timeoutMs negative', { timeoutMs: -5 }],
      ['timeoutMs -Infinity', { timeoutMs: -Infinity }],
      ['timeoutMs a string', { timeoutMs: '50' }],
      ['maxTotalTimeoutMs NaN', { maxTotalTimeoutMs: NaN }],
      ['maxTotalTimeoutMs negative', { maxTotalTimeoutMs: -1 }],
    ];
    for (const [what, options] of bad) {
      it(`should error request() at once with a TypeError and send nothing for ${what}`, () => {
        const d = drive();
        let error: unknown;
        d.peer.request('tools/call', {}, options).subscribe({ error: (e: unknown) => (error = e) });
        expect(error).to.be.instanceOf(TypeError);
        expect((error as Error).message).to.match(/must be a positive number of milliseconds or Infinity/);
        expect(d.out).to.deep.equal([]);
        expect(d.peer.inFlight().sending).to.equal(0);
      });
    }

    it('should accept Infinity for both timeouts', () => {
      const d = drive();
      let error: unknown;
      d.peer.request('x', {}, { timeoutMs: Infinity, maxTotalTimeoutMs: Infinity }).subscribe({ error: (e: unknown) => (error = e) });
      expect(error).to.equal(undefined);
      expect(d.out).to.deep.equal([req(0, 'x', {})]);
    });

    it('should make createPeer throw a TypeError for a bad timeoutMs, and take Infinity', () => {
      for (const timeoutMs of [NaN, 0, -1, -Infinity]) expect(() => createPeer(NEVER, { timeoutMs }), String(timeoutMs)).to.throw(TypeError, /timeoutMs/);
      expect(() => createPeer(NEVER, { timeoutMs: Infinity })).not.to.throw();
    });

    it('should cap a request kept alive by progress at DEFAULT_MAX_TOTAL_TIMEOUT_MS with resetTimeoutOnProgress', () => {
      expect(DEFAULT_MAX_TOTAL_TIMEOUT_MS).to.equal(600_000);
      testScheduler().run(({ expectObservable }) => {
        // progress every 70 ms, for longer than the cap: the 130 ms idle timeout never fires
        // (timings that never share a frame: run mode's interval delegate mishandles a timer that
        // clears another one due in the same frame)
        const peer = createPeer(interval(70).pipe(take(10_000), map((i) => progress(0, i + 1))));
        expectObservable(peer.outgoing$).toBe('a 599999ms c 99999ms |', m({
          a: req(0, 'slow', { _meta: { progressToken: 0 } }),
          c: cancel(0, 'Request timed out after 600000 ms (maxTotalTimeoutMs)'),
        }));
        expectObservable(peer.request('slow', undefined, { timeoutMs: 130, resetTimeoutOnProgress: true })).toBe('600000ms #', undefined, new RequestTimeoutError(0, 600_000));
      });
    });

    it('should let maxTotalTimeoutMs: Infinity opt out of the default cap', () => {
      testScheduler().run(({ expectObservable }) => {
        const peer = createPeer(interval(70).pipe(take(12_000), map((i) => progress(0, i + 1))));
        expectObservable(peer.outgoing$).toBe('a 699999ms c 139999ms |', m({ a: req(0, 'slow', { _meta: { progressToken: 0 } }), c: cancel(0) }));
        const options = { timeoutMs: 130, resetTimeoutOnProgress: true, maxTotalTimeoutMs: Infinity };
        expectObservable(peer.request('slow', undefined, options), '^ 699999ms !').toBe('-');
      });
    });
  });
});
