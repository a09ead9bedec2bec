/**
 * What went wrong on the client side of MCP, above the wire: a result that is not the shape its
 * method promises, a server that kept asking for input, a method the connection's era does not
 * have, a handshake that found no common protocol, an input request with no handler, a task that
 * ended cancelled, a listen on a Peer the client did not build (its notifications cannot be routed).
 *
 * @example
 * const code: McpClientErrorCode = 'INPUT_ROUNDS_EXCEEDED';
 */
export type McpClientErrorCode =
  | 'INVALID_RESULT'
  | 'INPUT_ROUNDS_EXCEEDED'
  | 'NOT_IN_ERA'
  | 'ERA_NEGOTIATION_FAILED'
  | 'NO_HANDLER'
  | 'CURSOR_REPEATED'
  | 'TASK_CANCELLED'
  | 'NO_LISTEN';

/**
 * The typed error of {@link mcpClient}'s Observables for failures that are not the server's error
 * response (those stay a `JsonRpcError`) nor the peer's own (`RequestTimeoutError`,
 * `ConnectionClosedError`, ...). `details` carries what a caller may need to go on: the decode
 * errors of an invalid result, the last `input_required` payload of a run that hit its bound.
 *
 * @example
 * client.callTool('deploy').subscribe({
 *   error: (e) => {
 *     if (e instanceof McpClientError && e.code === 'INPUT_ROUNDS_EXCEEDED') askTheUserAgain(e.details);
 *   },
 * });
 */
export class McpClientError extends Error {
  override readonly name = 'McpClientError';
  constructor(
    readonly code: McpClientErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
