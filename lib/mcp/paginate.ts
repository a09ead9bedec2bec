import { ErrorCodes } from '../codec/error-codes.js';
import { JsonRpcError } from '../errors.js';

/**
 * The default number of items in one page of a list (`tools/list`, `prompts/list`, ...).
 *
 * @example
 * DEFAULT_PAGE_SIZE; // 100
 * mcpServer({ info, tools, pageSize: DEFAULT_PAGE_SIZE * 5 });
 */
export const DEFAULT_PAGE_SIZE = 100;

// A cursor is opaque to the client (MCP basic/utilities/pagination); ours is the offset of the
// page, in base 36 after a tag, so a made-up or foreign cursor is told apart and refused
const TAG = 'o';
const MAX_CURSOR = 16;

/**
 * One page of `items`, from the offset the cursor names: the page, and the cursor of the next one
 * when there is more. A cursor that is not one of ours, or names a place past the end, is -32602
 * (MCP: "Invalid cursors SHOULD result in an error with code -32602").
 *
 * @example
 * const { page, nextCursor } = pageOf(tools, undefined, 100); // the first 100, and a cursor if there are more
 */
export const pageOf = <T>(items: readonly T[], cursor: string | undefined, size: number): { readonly page: readonly T[]; readonly nextCursor?: string } => {
  let start = 0;
  if (cursor !== undefined) {
    const offset = cursor.length <= MAX_CURSOR && cursor.startsWith(TAG) && /^[0-9a-z]+$/.test(cursor.slice(1)) ? parseInt(cursor.slice(1), 36) : Number.NaN;
    if (!(Number.isSafeInteger(offset) && offset > 0 && offset <= items.length)) throw new JsonRpcError(ErrorCodes.InvalidParams, 'Invalid params: invalid cursor');
    start = offset;
  }
  const end = Math.min(items.length, start + size);
  const page = items.slice(start, end);
  return end < items.length ? { page, nextCursor: `${TAG}${end.toString(36)}` } : { page };
};
