import { ErrorCodes } from '../codec/error-codes.js';
import { JsonRpcError } from '../errors.js';
import type { RequestContext } from '../handler/context.js';
import { McpRequestContext, type McpContext } from './context.js';

// Who a task belongs to: the owner of the request that created it (EXT L902-903). A task is
// visible and cancellable only by its owner.

/**
 * The owner of every task when no `owner` is given: one scope, where the unguessable task id is the capability (EXT L902).
 *
 * @example
 * mcpServer({ info, tools, tasks: { owner: (ctx) => principalOf(ctx) ?? ANONYMOUS_OWNER } });
 */
export const ANONYMOUS_OWNER = 'anonymous';
/**
 * The longest owner an `owner` function may return.
 *
 * @example
 * const owner = (ctx: McpContext): string => subjectOf(ctx).slice(0, MAX_OWNER_LENGTH);
 */
export const MAX_OWNER_LENGTH = 256;

/** The owner of each request, from the `owner` option (checked, bounded); {@link ANONYMOUS_OWNER} without one. */
export const taskOwner =
  (options: { readonly owner?: (ctx: McpContext) => string }) =>
  (params: unknown, ctx: RequestContext): string => {
    if (options.owner === undefined) return ANONYMOUS_OWNER;
    const o = options.owner(new McpRequestContext(ctx, params, undefined));
    if (typeof o !== 'string' || o.length === 0 || o.length > MAX_OWNER_LENGTH) throw new JsonRpcError(ErrorCodes.InternalError, 'Internal error: the task owner of this request is not a string of 1 to 256 characters');
    return o;
  };
