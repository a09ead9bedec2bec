import { expect } from 'chai';
import { NEVER } from 'rxjs';
import { drive, flush, ofType, pair, progress, req } from '../helpers.js';

describe('the message of a request we send', () => {
  describe('progress tokens', () => {
    it("should never route progress for one request to another's onProgress when the caller set a token equal to its id", async () => {
      const p = pair({}, {
        handlers: {
          job: (_x, ctx) => (ctx.progress(1, 2), NEVER),
          quiet: () => NEVER,
        },
      });
      const seenB: unknown[] = [];
      p.client.request('quiet', {}, { onProgress: (x) => seenB.push(x) }).subscribe();
      // id 1, with the caller's own token 0: the id of the request above
      p.client.request('job', { _meta: { progressToken: 0, trace: 't' } }).subscribe();
      await flush();
      expect(seenB).to.deep.equal([]);
      expect(p.wire.find((x) => 'method' in x && x.method === 'job')).to.deep.equal(req(1, 'job', { _meta: { progressToken: 1, trace: 't' } }));
      expect(ofType(p.clientEvents, 'progress-dropped').map((e) => e.progressToken)).to.deep.equal([1]);
    });

    it("should replace a caller's token with the request's own when it asks for progress, and route by it", () => {
      const d = drive();
      const seen: string[] = [];
      d.peer.request('a', {}, { onProgress: (x) => seen.push(`a:${x.progress}`) }).subscribe();
      d.peer.request('b', { _meta: { progressToken: 0 } }, { onProgress: (x) => seen.push(`b:${x.progress}`) }).subscribe();
      expect(d.out.map((x) => ('params' in x ? x.params : undefined))).to.deep.equal([{ _meta: { progressToken: 0 } }, { _meta: { progressToken: 1 } }]);
      d.incoming.next(progress(1, 5));
      d.incoming.next(progress(0, 7));
      d.incoming.next(progress('0', 9));
      expect(seen).to.deep.equal(['b:5', 'a:7']);
    });

    it('should send params as given when neither the caller nor the options ask for progress', () => {
      const d = drive();
      const params = { name: 'x', _meta: { other: 1 } };
      d.peer.request('tools/call', params).subscribe();
      d.peer.request('ping').subscribe();
      expect(d.out).to.deep.equal([req(0, 'tools/call', params), req(1, 'ping')]);
      expect((d.out[0] as { params?: unknown }).params).to.equal(params);
    });
  });
});
