/**
 * JSON-RPC 2.0 and MCP error codes, as literal values (vscode-jsonrpc `ErrorCodes` style).
 *
 * `RequestTimeout` (-32001), `ConnectionClosed` (-32000), `RequestCancelled` (-32800),
 * `InvalidResponse` (-32801), `RequestSendFailed` (-32802) and `TiedRequestRefused` (-32803) are
 * local codes carried by errors raised on the sending side: they never travel on the wire
 * (docs/protocol.md J7).
 *
 * @example
 * if (err.code === ErrorCodes.MethodNotFound) retryElsewhere();
 */
export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP 2026-07-28: the HTTP headers and the body disagree, or a required header is missing. */
  HeaderMismatch: -32020,
  /** MCP 2026-07-28: the request's `_meta` protocol version is not one this peer speaks. */
  UnsupportedProtocolVersion: -32022,
  /** MCP 2026-07-28: the request needs a client capability its `_meta` does not declare. */
  MissingRequiredClientCapability: -32021,
  /** MCP: `resources/read` (or `resources/subscribe`) of a resource the server does not have. */
  ResourceNotFound: -32002,
  ConnectionClosed: -32000,
  RequestTimeout: -32001,
  RequestCancelled: -32800,
  InvalidResponse: -32801,
  RequestSendFailed: -32802,
  TiedRequestRefused: -32803,
} as const;
/**
 * One of the codes of {@link ErrorCodes}.
 *
 * @example
 * const retryable = (code: ErrorCode): boolean => code === ErrorCodes.RequestTimeout || code === ErrorCodes.ConnectionClosed;
 */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const LOCAL: ReadonlySet<number> = new Set([
  ErrorCodes.ConnectionClosed,
  ErrorCodes.RequestTimeout,
  ErrorCodes.RequestCancelled,
  ErrorCodes.InvalidResponse,
  ErrorCodes.RequestSendFailed,
  ErrorCodes.TiedRequestRefused,
]);

/**
 * Whether `code` belongs to an error raised here, on the sending side (a timeout, a closed
 * connection, a caller's abort): such a code describes this process's request, and is never
 * sent to a peer as the answer to one of its own.
 *
 * @example
 * isLocalCode(ErrorCodes.RequestTimeout); // true
 * isLocalCode(ErrorCodes.InvalidParams); // false
 */
export const isLocalCode = (code: number): boolean => LOCAL.has(code);
