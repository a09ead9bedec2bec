import { expect } from 'chai';
import { of } from 'rxjs';
import { Method, RequestId, type JsonRpcMessage } from '../../lib/codecs.js';
import { drive } from '../helpers.js';

const errorOf = (m: JsonRpcMessage | undefined): { code: number; message: string; data?: unknown } | undefined =>
  m !== undefined && 'error' in m ? m.error : undefined;

describe('messages', () => {
  it('should refuse non-integer ids: -32600 with id null (MCP ids are strings or integers)', () => {
    const { incoming, out } = drive({ handlers: { 'tools/call': () => of({}) } });
    for (const id of [1.5, 2 ** 53, 1e300, -0.1]) incoming.next({ jsonrpc: '2.0', id, method: 'tools/call' });
    incoming.next({ jsonrpc: '2.0', id: 'i'.repeat(1_025), method: 'tools/call' });
    expect(out.map((m) => ['id' in m ? m.id : undefined, errorOf(m)?.code])).to.deep.equal(Array(5).fill([null, -32600]));
  });
});

describe('Method and RequestId', () => {
  it('should refuse an empty method and take any other string', () => {
    expect(Method.is('')).to.equal(false);
    expect(Method.is('x')).to.equal(true);
  });

  it('should take strings up to 1,024 characters and safe integers as ids', () => {
    expect([RequestId.is(''), RequestId.is('i'.repeat(1_024)), RequestId.is(0), RequestId.is(-7)]).to.deep.equal([true, true, true, true]);
    expect([RequestId.is('i'.repeat(1_025)), RequestId.is(1.5), RequestId.is(null)]).to.deep.equal([false, false, false]);
  });
});
