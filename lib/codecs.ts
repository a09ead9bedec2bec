/**
 * The wire, decoded: io-ts codecs of JSON-RPC 2.0 and of the MCP messages the library acts on
 * (cancel, progress, trace context, protocol era), and the decoders that never throw. For a
 * transport or a gateway of your own; a peer decodes what it receives by itself.
 *
 * @example
 * ```ts
 * import { decodeMessage, JsonRpcRequest } from 'mcp-rx-cancel/codecs';
 *
 * decodeMessage({ jsonrpc: '2.0', id: 1, method: 'ping' })._tag; // 'Right'
 * JsonRpcRequest.is({ jsonrpc: '2.0', id: 1.5, method: 'ping' }); // false
 * ```
 *
 * @module mcp-rx-cancel/codecs
 */

// JSON-RPC 2.0
export {
  MAX_ID_LENGTH,
  RequestId,
  Method,
  JsonRpcRequest,
  JsonRpcNotification,
  JsonRpcResponse,
  JsonRpcErrorResponse,
  JsonRpcErrorObject,
  JsonRpcMessage,
} from './codec/messages.js';
export { decodeMessage, classifyMessage, type DecodeError, type Decoded, type MessageShape } from './codec/decode.js';

// the MCP messages a peer acts on
export { CANCELLED, CancelledParams, CancelledNotification, cancelledRequestId } from './codec/cancelled.js';
export { PROGRESS, ProgressToken, ProgressParams, ProgressNotification } from './codec/progress.js';
export { relatedRequestId } from './handler/related.js';
export { requestTarget, isToolError, type RequestTarget } from './codec/target.js';

// protocol eras
export {
  ERA_VERSIONS,
  META_PROTOCOL_VERSION,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_SERVER_INFO,
  requestVersion,
  eraOfVersion,
  spokenVersion,
  type ProtocolEra,
} from './codec/era.js';

// trace context in _meta
export {
  TraceParent,
  traceContextOf,
  META_TRACEPARENT,
  META_TRACESTATE,
  MAX_TRACEPARENT_LENGTH,
  MAX_TRACESTATE_LENGTH,
  type TraceContext,
  type TraceParentFields,
} from './codec/trace-context.js';
