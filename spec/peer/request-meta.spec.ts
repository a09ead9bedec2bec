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

describe('the requestMeta hook and the telemetry facts on events', () => {
  it('should call the hook after the request-sent event, and put its members under the caller, the token and the 2026 stamp', () => {
    const order: string[] = [];
    const d = drive({
      era: '2026-07-28',
      requestMeta: (r) => {
        order.push(`hook ${String(r.key.requestId)} ${r.method}`);
        return { traceparent: 'hook', mine: 'hook', progressToken: 'hook', 'io.modelcontextprotocol/protocolVersion': 'hook', extra: 1 };
      },
    });
    d.peer.events$.subscribe((e) => e.type === 'request-sent' && order.push(`event ${String(e.key.requestId)}`));
    d.peer.request('tools/call', { name: 'x', _meta: { mine: 'caller' } }, { onProgress: () => undefined }).subscribe();
    expect(order).to.deep.equal(['event 0', 'hook 0 tools/call']);
    const meta = (d.out[0] as { params?: Record<string, unknown> } | undefined)?.params?.['_meta'];
    expect(meta).to.include({ traceparent: 'hook', mine: 'caller', progressToken: 0, 'io.modelcontextprotocol/protocolVersion': '2026-07-28', extra: 1 });
    expect(meta).to.have.property('io.modelcontextprotocol/clientCapabilities');
  });

  it('should send params untouched when the hook returns undefined', () => {
    const d = drive({ requestMeta: () => undefined });
    d.peer.request('ping').subscribe();
    d.peer.request('tools/call', { name: 'x' }).subscribe();
    expect(d.out).to.deep.equal([req(0, 'ping'), req(1, 'tools/call', { name: 'x' })]);
  });

  it('should put the target, the spoken version and a valid trace context on request-received, and nothing for garbage', () => {
    const d = drive({ handlers: { 'tools/call': () => NEVER } });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    d.incoming.next(req(1, 'tools/call', { name: 'echo', _meta: { traceparent, tracestate: 'a=1', 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } }));
    d.incoming.next(req(2, 'tools/call', { name: 'echo', _meta: { traceparent: traceparent.toUpperCase() } }));
    const [first, second] = ofType(d.events, 'request-received');
    expect(first).to.deep.include({ target: { kind: 'tool', name: 'echo' }, trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, traceState: 'a=1' } });
    // a version this library does not speak is not one to record
    expect(first).to.not.have.property('protocolVersion');
    expect(second).to.not.have.property('trace');
  });

  it('should put the error object on response-received for an error response, and the negotiated version for an initialize', () => {
    const d = drive();
    d.peer.request('x').subscribe({ error: () => undefined });
    d.peer.request('initialize', { protocolVersion: '2025-06-18' }).subscribe();
    d.incoming.next({ jsonrpc: '2.0', id: 0, error: { code: -32601, message: 'Method not found: x' } });
    d.incoming.next({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-03-26', capabilities: {} } });
    const [failed, init] = ofType(d.events, 'response-received');
    expect(failed).to.deep.include({ ok: false, error: { code: -32601, message: 'Method not found: x' } });
    expect(init).to.deep.include({ ok: true, protocolVersion: '2025-03-26' });
    expect(ofType(d.events, 'request-sent')[1]).to.deep.include({ protocolVersion: '2025-06-18' });
  });
});
