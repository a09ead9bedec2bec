import fc from 'fast-check';

/** Ids of every JSON type, drawn from a small pool so that duplicates and hits on live ids happen. */
export const arbAnyId: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -2, max: 12 }) },
  { weight: 3, arbitrary: fc.constantFrom('0', '1', '', 'a', 'x'.repeat(300)) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 1.5, -0, 2 ** 53, NaN, Infinity, 1e300, 0.1, 'i'.repeat(1025), [], [1], {}, { id: 1 }) },
);

const arbMethod: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('tools/call', 'slow', 'throws', 'initialize', 'nope', 'constructor', '__proto__', 'toString') },
  { weight: 2, arbitrary: fc.constantFrom('notifications/cancelled', 'notifications/progress', 'notifications/x') },
  { weight: 1, arbitrary: fc.constantFrom('', 5, null, [], {}) },
);

const arbParams: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.constantFrom('a', 'name', 'requestId', 'reason', '_meta', 'progressToken'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) },
  { weight: 2, arbitrary: fc.record({ requestId: arbAnyId, reason: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('r'.repeat(3000)), fc.integer(), fc.constant(null)) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.record({ _meta: fc.record({ progressToken: arbAnyId }) }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 5 }), fc.array(fc.integer(), { maxLength: 3 })) },
);

/** Near-valid messages: the shape of a real one with any member wrong, missing or extra. */
const arbNearValid: fc.Arbitrary<unknown> = fc.record(
  {
    jsonrpc: fc.oneof({ weight: 9, arbitrary: fc.constant('2.0') }, { weight: 1, arbitrary: fc.constantFrom('1.0', 2, null, undefined) }),
    id: arbAnyId,
    method: arbMethod,
    params: arbParams,
    result: fc.oneof(fc.constant({}), fc.jsonValue({ maxDepth: 1 })),
    error: fc.oneof(fc.record({ code: fc.oneof(fc.integer(), fc.constant(1.5), fc.constant('x')), message: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()) }), fc.jsonValue({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);

/** A cancellation aimed at ids of every kind, with reasons of every kind. */
const arbCancel: fc.Arbitrary<unknown> = fc.record({
  jsonrpc: fc.constant('2.0'),
  method: fc.constant('notifications/cancelled'),
  params: fc.oneof(
    fc.record({ requestId: arbAnyId, reason: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('w'.repeat(3000)), fc.integer(), fc.constant(undefined)) }, { requiredKeys: ['requestId'] }),
    fc.jsonValue({ maxDepth: 1 }),
  ),
});

const arbRequest: fc.Arbitrary<unknown> = fc.record({
  jsonrpc: fc.constant('2.0'),
  id: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom('0', 'a')),
  method: fc.constantFrom('tools/call', 'slow', 'throws', 'initialize', 'nope'),
  params: fc.oneof(fc.constant(undefined), fc.constant({ a: 1 }), fc.record({ _meta: fc.record({ progressToken: fc.integer({ max: 5 }) }) })),
});

const nest = (depth: number, inner: unknown): unknown => {
  let v = inner;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** Deeply nested values (to 20,000 levels: rendering one must not overflow the stack) and big strings. */
const arbMonster: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 10, max: 300 }).map((depth) => {
    let v: unknown = { jsonrpc: '2.0', id: 1, method: 'tools/call' };
    for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { params: v };
    return v;
  }),
  // a request, a cancel and a response whose members are deep: each is rendered into an error
  fc.tuple(fc.integer({ min: 5_000, max: 20_000 }), fc.constantFrom('params', 'id', 'method', 'cancel', 'result', 'error')).map(([depth, where]) => {
    const deep = nest(depth, 0);
    switch (where) {
      case 'params': return { jsonrpc: '2.0', id: 1, method: 'tools/call', params: deep };
      case 'id': return { jsonrpc: '2.0', id: deep, method: 'tools/call' };
      case 'method': return { jsonrpc: '2.0', id: 1, method: deep };
      case 'cancel': return { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: deep, reason: deep } };
      case 'result': return { jsonrpc: '2.0', id: 1, result: deep };
      default: return { jsonrpc: '2.0', id: 1, error: { code: deep, message: deep } };
    }
  }),
  // big invalid values: a reply or an event must carry a preview of them, never them
  fc.tuple(fc.integer({ min: 10_000, max: 200_000 }), fc.constantFrom('params', 'method', 'jsonrpc', 'reason')).map(([n, where]) => {
    const big = 'v'.repeat(n);
    switch (where) {
      case 'params': return { jsonrpc: '2.0', id: 2, method: 'tools/call', params: [big, big] };
      case 'method': return { jsonrpc: '2.0', id: 2, method: { big } };
      case 'jsonrpc': return { jsonrpc: big, id: 2, method: 'tools/call' };
      default: return { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: [big], reason: big } };
    }
  }),
  // JSON-RPC 2.0 §5: exactly one of result and error
  fc.constantFrom({ jsonrpc: '2.0', id: 0, result: {}, error: { code: 1, message: 'x' } }, { jsonrpc: '2.0', id: 'probe', result: {}, error: { code: 1, message: 'x' } }),
  fc.integer({ min: 1, max: 20_000 }).map((n) => ({ jsonrpc: '2.0', id: 's'.repeat(n), method: 'tools/call', params: { big: 'b'.repeat(n) } })),
  fc.integer({ min: 1, max: 20_000 }).map((n) => 'x'.repeat(n)),
);

/** One hostile input: valid, near-valid, a cancel, a batch, random JSON or a monster. */
export const arbHostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: arbRequest },
  { weight: 6, arbitrary: arbNearValid },
  { weight: 4, arbitrary: arbCancel },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(arbRequest, arbCancel, arbNearValid), { maxLength: 4 }) },
  { weight: 1, arbitrary: arbMonster },
);
