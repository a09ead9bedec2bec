import * as E from 'fp-ts/lib/Either.js';
import { Observable, catchError, identity, throwError, type OperatorFunction, type Subscription } from 'rxjs';
import { META_CLIENT_CAPABILITIES } from '../codec/era.js';
import { ErrorCodes } from '../codec/error-codes.js';
import { JsonRpcError } from '../errors.js';
import type { RequestContext } from '../handler/context.js';
import type { Handler } from '../handler/run-request.js';
import type { McpClient } from '../mcp/client.js';
import { decodeAs, resultTypeOf } from '../mcp/client-decode.js';
import type { FollowOptions } from '../mcp/client-tasks.js';
import { TASKS_EXTENSION, Task, TaskId } from '../mcp/task-wire.js';
import type { TaskOwners } from './task-owners.js';
import { isUnknownRecord } from '../codec/unknown-record.js';

// Upstream tasks (MCP 2026-07-28, the tasks extension) through a gateway: a front that declared
// the extension gets the task and follows it through the gateway, kept to its own principal; any
// other front gets the result, the gateway following the task for it with the upstream client's
// own follower, so the front request's end is the task's one tasks/cancel.

/**
 * The task methods a gateway forwards, to a 2026-07-28 front only, and only for a task that front got.
 *
 * @example
 * TASK_METHODS.includes('tasks/cancel'); // true
 */
export const TASK_METHODS: readonly string[] = ['tasks/get', 'tasks/update', 'tasks/cancel'];

/**
 * The params of a `tools/call` with the tasks extension declared, whatever the front declared.
 *
 * @example
 * declaringTasks({ name: 'build', _meta: {} }); // _meta clientCapabilities.extensions has 'io.modelcontextprotocol/tasks'
 */
export const declaringTasks = (p: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const meta = isUnknownRecord(p['_meta']) ? p['_meta'] : {};
  const caps = isUnknownRecord(meta[META_CLIENT_CAPABILITIES]) ? meta[META_CLIENT_CAPABILITIES] : {};
  const extensions = isUnknownRecord(caps['extensions']) ? caps['extensions'] : {};
  return { ...p, _meta: { ...meta, [META_CLIENT_CAPABILITIES]: { ...caps, extensions: { ...extensions, [TASKS_EXTENSION]: {} } } } };
};

// the upstream's -32021 that names the tasks extension among what it requires (EXT L797-799)
const needsTasks = (e: unknown): boolean => {
  if (!(e instanceof JsonRpcError) || e.code !== ErrorCodes.MissingRequiredClientCapability || !isUnknownRecord(e.data)) return false;
  const required = e.data['requiredCapabilities'];
  return isUnknownRecord(required) && isUnknownRecord(required['extensions']) && required['extensions'][TASKS_EXTENSION] !== undefined;
};

/**
 * A `tools/call` to a 2026-07-28 upstream, sent with `send`, for a front that did not declare the
 * tasks extension: first as the front asked (a tool that may run either way runs as a plain
 * call, cancelled by its stream closing), then, when the upstream answers that the tool requires
 * the extension (-32021), once more declaring it, for the gateway can follow the task for that
 * front ({@link upstreamTask}). So a tool with `task: 'required'` serves every front.
 *
 * @example
 * withTasksWhenRequired((q) => client.request('tools/call', q, options), params).pipe(upstreamTask(init));
 */
export const withTasksWhenRequired = (send: (params: Record<string, unknown>) => Observable<unknown>, params: Record<string, unknown>): Observable<unknown> =>
  send(params).pipe(catchError((e: unknown) => (needsTasks(e) ? send(declaringTasks(params)) : throwError(() => e))));

/**
 * What one forwarded `tools/call` needs to deal with an upstream task.
 *
 * @example
 * const f: UpstreamTaskInit = { client, owners, owner: 'alice', frontTakesTasks: declaresTasks(params), options: { timeoutMs: 60_000 } };
 */
export interface UpstreamTaskInit {
  readonly client: McpClient;
  readonly owners: TaskOwners;
  /** The front principal the task would be kept to. */
  readonly owner: string;
  /** Whether the front (2026-07-28) declared the extension on this very request (EXT L59-61). */
  readonly frontTakesTasks: boolean;
  /** How the gateway follows it: the forwarded request's timeout and progress. */
  readonly options: FollowOptions;
}

/**
 * An upstream `tools/call` answer as the front may have it. A complete result passes. A task
 * (`resultType: "task"`) passes to a front that declared the extension on that request, and is
 * remembered as that front principal's ({@link TaskOwners}); to any other front (any 2025-11-25
 * one, a 2026 one without the extension, one at its `maxTasksPerSender`) the gateway follows it
 * to its result with the upstream client's `followTask`: the task's progress goes to the front as
 * progress (when the front asked for it), and the front request's end (its cancel, its stream
 * closed, its connection gone, the timeout) unsubscribes the follower, which sends the one
 * upstream `tasks/cancel` (none once the task is terminal). `shape` (default: as it is) makes
 * each answer the front's, in the same layer.
 *
 * @example
 * client.request('tools/call', declaringTasks(p), options).pipe(upstreamTask(init, shapeForFront));
 */
export const upstreamTask =
  (f: UpstreamTaskInit, shape: (r: unknown) => unknown = identity): OperatorFunction<unknown, unknown> =>
  (source) =>
    new Observable<unknown>((subscriber) => {
      // mergeMap of one answer written out: most answers are no task, and pass on shaped with no
      // inner Observable; a task's is followed, and the source's end waits for it
      let following: Subscription | undefined;
      let sourceDone = false;
      const shaped = (r: unknown): void => {
        let v: unknown;
        try {
          v = shape(r);
        } catch (e) {
          return subscriber.error(e);
        }
        subscriber.next(v);
      };
      const own = source.subscribe({
        next: (r) => {
          if (resultTypeOf(r) !== 'task') return shaped(r);
          const task = decodeAs(Task, 'tools/call', r);
          if (E.isLeft(task)) return subscriber.error(task.left);
          const { taskId, ttlMs } = task.right;
          // remembered, or the gateway follows it: a task no front can reach must not be left running
          if (f.frontTakesTasks && f.owners.remember(f.owner, taskId, ttlMs, Date.now())) return shaped(r);
          following = f.client.followTask(taskId, f.options).subscribe({
            next: shaped,
            error: (e: unknown) => subscriber.error(e),
            complete: () => {
              following = undefined;
              if (sourceDone) subscriber.complete();
            },
          });
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          if (following === undefined) subscriber.complete();
        },
      });
      return () => {
        own.unsubscribe();
        following?.unsubscribe();
      };
    });

// EXT "Error Handling": another principal's task is answered as no task at all, as mcpServer does
const unknownTask = (): JsonRpcError => new JsonRpcError(ErrorCodes.InvalidParams, 'Failed to retrieve task: Task not found or expired');

/**
 * The front handler of a task method: `forward` (the forwarder of `method`), run only for a
 * 2026-07-28 front (a 2025 one gets -32601, as from a server without tasks) and only for a task
 * that `ownerOf(ctx)` got through this gateway; for any other id, another front's included,
 * -32602 as for an unknown task, and nothing goes upstream.
 *
 * @example
 * handlers['tasks/get'] = taskHandler(owners, ownerOf, 'tasks/get', forwarder(init, 'tasks/get'));
 */
export const taskHandler =
  (owners: TaskOwners, ownerOf: (ctx: RequestContext) => string, method: string, forward: Handler): Handler =>
  (params, ctx) => {
    if (ctx.era !== '2026-07-28') throw new JsonRpcError(ErrorCodes.MethodNotFound, `Method not found: ${method}`);
    const taskId = isUnknownRecord(params) ? params['taskId'] : undefined;
    if (!TaskId.is(taskId)) throw new JsonRpcError(ErrorCodes.InvalidParams, `Invalid params for ${method}: a taskId is expected`);
    if (!owners.owns(ownerOf(ctx), taskId, Date.now())) throw unknownTask();
    return forward(params, ctx);
  };
