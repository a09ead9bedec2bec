import { PREVIEW_MAX, preview } from './preview.js';

/** The methods whose `params.name` names what they act on: a tool, a prompt. */
const NAMED: Readonly<Record<string, 'tool' | 'prompt'>> = { 'tools/call': 'tool', 'prompts/get': 'prompt' };

/**
 * What a request acts on, when its method names one: the tool of a `tools/call`, the prompt of a
 * `prompts/get`, its name at most 256 characters (and an ellipsis).
 *
 * @example
 * const target: RequestTarget = { kind: 'tool', name: 'get-weather' };
 */
export interface RequestTarget {
  readonly kind: 'tool' | 'prompt';
  readonly name: string;
}

/**
 * What a request acts on, when its method names one: the tool of a `tools/call`, the prompt of a
 * `prompts/get` (their `params.name`). It is the peer's input, so it is cut to 256 characters
 * (marked with an ellipsis); anything but a non-empty string names nothing. Reads only.
 *
 * @example
 * requestTarget('tools/call', { name: 'get-weather' }); // { kind: 'tool', name: 'get-weather' }
 * requestTarget('tools/list', {}); // undefined
 */
export const requestTarget = (method: string, params: unknown): RequestTarget | undefined => {
  const kind = NAMED[method];
  if (kind === undefined || typeof params !== 'object' || params === null) return undefined;
  const name: unknown = (params as Record<string, unknown>)['name'];
  return typeof name === 'string' && name.length > 0 ? { kind, name: preview(name, PREVIEW_MAX) } : undefined;
};

/**
 * Whether a `tools/call` result reports a tool error (`isError: true`, MCP `CallToolResult`): the
 * call succeeded on the wire, and the tool failed. Reads one member.
 *
 * @example
 * isToolError('tools/call', { content: [], isError: true }); // true
 */
export const isToolError = (method: string, result: unknown): boolean =>
  method === 'tools/call' && typeof result === 'object' && result !== null && (result as Record<string, unknown>)['isError'] === true;
