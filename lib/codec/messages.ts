import * as t from 'io-ts';

/**
 * The longest string id accepted: 1,024 characters. An id is echoed in its response, so an
 * unbounded one would let a peer make every reply (and every event about it) as large as it
 * likes; a longer id is not a usable id (the request gets -32600 with `id: null`).
 *
 * @example
 * RequestId.is('x'.repeat(MAX_ID_LENGTH)); // true
 * RequestId.is('x'.repeat(MAX_ID_LENGTH + 1)); // false
 */
export const MAX_ID_LENGTH = 1024;

const isId = (u: unknown): u is string | number =>
  typeof u === 'string' ? u.length <= MAX_ID_LENGTH : Number.isSafeInteger(u);

/**
 * A JSON-RPC id as MCP allows it: a string or an integer, never null, never a fraction
 * (MCP `basic/index`: "MUST be a string or integer"). `0` and `''` are valid ids, and `1` and
 * `'1'` are different ids. Integers are the safe ones (|n| ≤ 2^53 − 1): a larger one does not
 * survive `JSON.parse` exactly, so two different ids on the wire could meet as one here.
 * Strings are at most {@link MAX_ID_LENGTH} characters.
 *
 * @example
 * RequestId.is(0); // true
 * RequestId.is(1.5); // false
 */
export const RequestId = new t.Type<string | number, string | number, unknown>(
  'RequestId',
  isId,
  (u, c) => (isId(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);
export type RequestId = t.TypeOf<typeof RequestId>;

interface MethodBrand {
  readonly Method: unique symbol;
}
/**
 * A non-empty method name.
 *
 * @example
 * Method.is('tools/call'); // true
 * Method.is(''); // false
 */
export const Method = t.brand(t.string, (s): s is t.Branded<string, MethodBrand> => s.length > 0, 'Method');
export type Method = t.TypeOf<typeof Method>;

// Message types are the codecs' wire form (`t.OutputOf`): brands such as `Method` and `t.Int`
// are checked when decoding, and a decoded (branded) value is assignable to them, so building a
// message by hand needs no casts.

/** The `jsonrpc` member: always the string "2.0". */
export const JsonRpcVersion = t.literal('2.0');

/** MCP params are always an object (`{ [key: string]: unknown }`). */
export const Params = t.UnknownRecord;
export type Params = t.TypeOf<typeof Params>;

/**
 * A request: it has an id and expects exactly one response.
 *
 * @example
 * JsonRpcRequest.is({ jsonrpc: '2.0', id: 1, method: 'tools/list' }); // true
 */
export const JsonRpcRequest = t.intersection(
  [t.type({ jsonrpc: JsonRpcVersion, id: RequestId, method: Method }), t.partial({ params: Params })],
  'JsonRpcRequest',
);
export type JsonRpcRequest = t.OutputOf<typeof JsonRpcRequest>;

/**
 * A notification: no id, and never a reply (J2).
 *
 * @example
 * JsonRpcNotification.is({ jsonrpc: '2.0', method: 'notifications/initialized' }); // true
 */
export const JsonRpcNotification = t.intersection(
  [t.type({ jsonrpc: JsonRpcVersion, method: Method }), t.partial({ params: Params })],
  'JsonRpcNotification',
);
export type JsonRpcNotification = t.OutputOf<typeof JsonRpcNotification>;

/**
 * A successful response. MCP results are objects.
 *
 * @example
 * JsonRpcResponse.is({ jsonrpc: '2.0', id: 1, result: { tools: [] } }); // true
 * JsonRpcResponse.is({ jsonrpc: '2.0', id: 1, result: 42 }); // false: not an object
 */
export const JsonRpcResponse = t.type(
  { jsonrpc: JsonRpcVersion, id: RequestId, result: t.UnknownRecord },
  'JsonRpcResponse',
);
export type JsonRpcResponse = t.OutputOf<typeof JsonRpcResponse>;

/**
 * The `error` member of an error response (J3).
 *
 * @example
 * JsonRpcErrorObject.is({ code: -32601, message: 'Method not found' }); // true
 * JsonRpcErrorObject.is({ code: 1.5, message: 'x' }); // false: the code is an integer
 */
export const JsonRpcErrorObject = t.intersection(
  [t.type({ code: t.Int, message: t.string }), t.partial({ data: t.unknown })],
  'JsonRpcErrorObject',
);
export type JsonRpcErrorObject = t.OutputOf<typeof JsonRpcErrorObject>;

/**
 * An error response. Its id is null when the request's id could not be read (J5); MCP
 * 2025-11-25 lets it be absent, so both are accepted.
 *
 * @example
 * JsonRpcErrorResponse.is({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }); // true
 */
export const JsonRpcErrorResponse = t.intersection(
  [
    t.type({ jsonrpc: JsonRpcVersion, error: JsonRpcErrorObject }),
    t.partial({ id: t.union([RequestId, t.null]) }),
  ],
  'JsonRpcErrorResponse',
);
export type JsonRpcErrorResponse = t.OutputOf<typeof JsonRpcErrorResponse>;

/**
 * Any single JSON-RPC message MCP sends. Decode with {@link decodeMessage}, which also tells why
 * a value is none.
 *
 * @example
 * JsonRpcMessage.is({ jsonrpc: '2.0', method: 'notifications/initialized' }); // true
 * JsonRpcMessage.is({ jsonrpc: '1.0', id: 1, method: 'ping' }); // false
 */
export const JsonRpcMessage = t.union(
  [JsonRpcRequest, JsonRpcNotification, JsonRpcResponse, JsonRpcErrorResponse],
  'JsonRpcMessage',
);
export type JsonRpcMessage = t.OutputOf<typeof JsonRpcMessage>;

/**
 * Whether a message (one already valid: ours, or decoded) is a request: it has a method and an id.
 *
 * @example
 * if (isRequestMessage(m)) pendingWrites.set(m.id, m);
 */
export const isRequestMessage = (m: JsonRpcMessage): m is JsonRpcRequest => 'method' in m && 'id' in m;
