import { PREVIEW_MAX, preview } from './preview.js';

// The methods whose params name what they act on, and by which member: the one MCP 2026-07-28
// mirrors in the `Mcp-Name` header ("Standard Request Headers"). A Map, not an object literal:
// the method is the peer's input, and `constructor` or `__proto__` must name nothing. The tasks
// extension (io.modelcontextprotocol/tasks, "Streamable HTTP: Routing Headers") names its task.
const NAMED_BY: ReadonlyMap<string, 'name' | 'uri' | 'taskId'> = new Map([
  ['tools/call', 'name'],
  ['prompts/get', 'name'],
  ['resources/read', 'uri'],
  ['tasks/get', 'taskId'],
  ['tasks/update', 'taskId'],
  ['tasks/cancel', 'taskId'],
]);
const KIND: ReadonlyMap<string, RequestTarget['kind']> = new Map([['tools/call', 'tool'], ['prompts/get', 'prompt']]);

/**
 * The member of params that names what `method` acts on (`name` of a tool or prompt, `uri` of a
 * resource, `taskId` of a task), which 2026-07-28 mirrors in the `Mcp-Name` header; `undefined`
 * for any other method.
 *
 * @example
 * namedMember('resources/read'); // 'uri'
 * namedMember('tasks/cancel'); // 'taskId'
 */
export const namedMember = (method: string): 'name' | 'uri' | 'taskId' | undefined => NAMED_BY.get(method);

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
  const kind = KIND.get(method);
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
