import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { of } from 'rxjs';
import { CancelledParams, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, ProgressParams, RequestId, classifyMessage, decodeMessage, type JsonRpcMessage } from '../../lib/codecs.js';
import { looksLikeNotification, looksLikeRequest, looksLikeResponse } from '../../lib/codec/decode.js';
import { drive, ofType } from '../helpers.js';

const left = (u: unknown) => {
  const r = decodeMessage(u);
  if (E.isRight(r)) throw new Error(`expected a decode error for ${JSON.stringify(u)}`);
  return r.left;
};

export const arbId = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constantFrom(0, '', -1, 2 ** 53 - 1));
const arbParams = fc.dictionary(fc.string({ maxLength: 6 }).filter((s) => s !== '__proto__'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
const arbMethod = fc.string({ minLength: 1, maxLength: 20 });
export const arbMessage = fc.oneof(
  fc.record({ jsonrpc: fc.constant('2.0' as const), id: arbId, method: arbMethod, params: arbParams }, { requiredKeys: ['jsonrpc', 'id', 'method'] }),
  fc.record({ jsonrpc: fc.constant('2.0' as const), method: arbMethod, params: arbParams }, { requiredKeys: ['jsonrpc', 'method'] }),
  fc.record({ jsonrpc: fc.constant('2.0' as const), id: arbId, result: arbParams }),
  fc.record({
    jsonrpc: fc.constant('2.0' as const),
    id: fc.oneof(arbId, fc.constant(null)),
    error: fc.record({ code: fc.integer(), message: fc.string(), data: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: ['code', 'message'] }),
  }),
);

describe('classifyMessage fast guards', () => {
  // classifyMessage takes what a hand-written guard accepts without asking io-ts: each guard must
  // never accept what its codec refuses, or an invalid message would be served
  const member = fc.oneof(
    fc.constantFrom(undefined, null, '2.0', '1.0', '', 0, -0, 1.5, NaN, Infinity, 2 ** 53, 'x'.repeat(1025), [], [1], {}, { a: 1 }, true),
    arbId,
    arbMethod,
    arbParams,
    fc.jsonValue({ maxDepth: 2 }),
  );
  const arbShape = fc.record(
    { jsonrpc: member, id: member, method: member, params: member, result: member, error: member },
    { requiredKeys: [] },
  );
  const pairs = [
    ['request', looksLikeRequest, JsonRpcRequest],
    ['notification', looksLikeNotification, JsonRpcNotification],
    ['response', looksLikeResponse, JsonRpcResponse],
  ] as const;
  for (const [name, guard, codec] of pairs) {
    it(`should accept a ${name} only where its codec does`, () => {
      fc.assert(fc.property(fc.oneof(arbShape, arbMessage), (o) => !guard(o as Record<string, unknown>) || codec.is(o)), { numRuns: 5000 });
    });
  }
  it('should accept the well-formed messages of a round trip', () => {
    expect(looksLikeRequest({ jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: 'echo' } })).to.equal(true);
    expect(looksLikeNotification({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 0 } })).to.equal(true);
    expect(looksLikeResponse({ jsonrpc: '2.0', id: 'a', result: {} })).to.equal(true);
  });
});

describe('codecs', () => {
  it('should decode each kind of message and tag it', () => {
    const kinds = [
      { jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: 'x' } },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 0 } },
      { jsonrpc: '2.0', id: '', result: {} },
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } },
      { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' } },
    ].map((u) => E.map((d: { kind: string }) => d.kind)(classifyMessage(u)));
    expect(kinds).to.deep.equal([E.right('request'), E.right('notification'), E.right('response'), E.right('error-response'), E.right('error-response')]);
  });

  it('should accept ids 0 and "" and refuse null as a request id (J1)', () => {
    expect(RequestId.is(0) && RequestId.is('')).to.equal(true);
    expect(left({ jsonrpc: '2.0', id: null, method: 'x' })).to.include({ shape: 'request', id: null });
  });

  it('should report a readable path for each failure', () => {
    const e = left({ jsonrpc: '2.0', id: 3, method: 'x', params: 5 });
    expect(e).to.include({ shape: 'request', id: 3, method: 'x', invalidParams: true });
    expect(e.errors.join('\n')).to.contain('params');
  });

  it('should refuse an empty method (the Method brand)', () => {
    expect(left({ jsonrpc: '2.0', id: 1, method: '' }).errors.join()).to.contain('Method');
  });

  it('should refuse a non-integer error code and a non-string reason', () => {
    expect(E.isLeft(decodeMessage({ jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'x' } }))).to.equal(true);
    expect(CancelledParams.is({ requestId: 1, reason: 5 })).to.equal(false);
    expect(ProgressParams.is({ progressToken: 't', progress: '1' })).to.equal(false);
  });

  it('should give arrays and primitives the unknown shape and id null', () => {
    for (const u of [[], [1], 'x', 1, null, true]) expect(left(u)).to.include({ shape: 'unknown', id: null });
  });

  describe('properties', () => {
    it('should decode every generated message back to itself', () => {
      fc.assert(fc.property(arbMessage, (msg) => {
        const r = decodeMessage(msg);
        return E.isRight(r) && r.right === msg;
      }), { numRuns: 2000 });
    });

    it('should never throw on any JSON value, and answer with a usable id or null', () => {
      fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (u) => {
        const r = decodeMessage(u);
        if (E.isRight(r)) return true;
        const id = r.left.id;
        return id === null || typeof id === 'string' || typeof id === 'number';
      }), { numRuns: 3000 });
    });

    it('should agree with the io-ts guard of JsonRpcMessage', async () => {
      const { JsonRpcMessage } = await import('../../lib/codecs.js');
      fc.assert(fc.property(fc.oneof(arbMessage, fc.jsonValue({ maxDepth: 3 })), (u) => E.isRight(decodeMessage(u)) === JsonRpcMessage.is(u)), { numRuns: 2000 });
    });
  });
});

const nested = (depth: number): unknown => {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

const errorOf = (m: JsonRpcMessage | undefined): { code: number; message: string; data?: unknown } | undefined =>
  m !== undefined && 'error' in m ? m.error : undefined;

describe('classifyMessage under attack', () => {
  it('should answer a request with 5,000 levels of nesting with -32600 and its id, never overflowing the stack', () => {
    const { incoming, out, events } = drive({ handlers: { 'tools/call': () => of({}) } });
    for (const depth of [5_000, 20_000]) {
      incoming.next({ jsonrpc: '2.0', id: depth, method: 'tools/call', params: nested(depth) });
      incoming.next({ jsonrpc: '2.0', id: `m${depth}`, method: nested(depth) });
      incoming.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: nested(depth) } });
    }
    const replies = out.filter((m) => 'id' in m);
    expect(replies.map((m) => ('id' in m ? m.id : undefined))).to.deep.equal([5_000, 'm5000', 20_000, 'm20000']);
    expect(replies.map((m) => errorOf(m)?.code)).to.deep.equal([-32602, -32600, -32602, -32600]);
    expect(ofType(events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['invalid', 'invalid']);
  });
});

describe('classifyMessage (shapes)', () => {
  it('should refuse a response with both result and error, naming its id', () => {
    const r = classifyMessage({ jsonrpc: '2.0', id: 4, result: {}, error: { code: 1, message: 'x' } });
    expect(E.isLeft(r) && [r.left.shape, r.left.id, r.left.errors[0]]).to.deep.equal(['response', 4, 'Invalid response: it has both result and error (JSON-RPC 2.0 §5: exactly one)']);
  });

  it('should take a key present as undefined for an absent one: id undefined is a notification', () => {
    const r = classifyMessage({ jsonrpc: '2.0', method: 'notifications/x', id: undefined });
    expect(E.isRight(r) && r.right.kind).to.equal('notification');
  });

  it('should answer a bad request with its own id and tell bad params from a bad request', () => {
    const bad = classifyMessage({ jsonrpc: '2.0', id: 5, method: 'x', params: 'nope' });
    expect(E.isLeft(bad) && [bad.left.id, bad.left.invalidParams]).to.deep.equal([5, true]);
    const worse = classifyMessage({ jsonrpc: '1.0', id: 6, method: 'x', params: 'nope' });
    expect(E.isLeft(worse) && [worse.left.id, worse.left.invalidParams]).to.deep.equal([6, false]);
  });
});
