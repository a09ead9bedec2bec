import * as t from 'io-ts';
import { META_CLIENT_CAPABILITIES } from '../codec/era.js';
import { WireInputRequest } from './client-shapes.js';

// The tasks extension of MCP 2026-07-28 (`io.modelcontextprotocol/tasks`, ext-tasks
// specification/draft/tasks.md, "EXT" below) on the wire: what a task looks like, what its
// methods take, and the bounds every value from a peer is decoded within.

/**
 * The extension's identifier: declared per request in `_meta` client capabilities, and by the server in `server/discover` (EXT L19-57).
 *
 * @example
 * const capabilities = { extensions: { [TASKS_EXTENSION]: {} } };
 */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/**
 * The longest task id read from a peer: ours are 32 characters; a longer one names no task and is never looked up.
 *
 * @example
 * TaskId.is('x'.repeat(MAX_TASK_ID_LENGTH + 1)); // false
 */
export const MAX_TASK_ID_LENGTH = 128;
/**
 * Most task ids one `subscriptions/listen` may name; past it the request is -32602.
 *
 * @example
 * SubscriptionFilter.is({ taskIds: Array.from({ length: MAX_LISTEN_TASK_IDS + 1 }, () => 'x') }); // false
 */
export const MAX_LISTEN_TASK_IDS = 100;
/**
 * Most `inputResponses` one `tasks/update` may carry; past it the request is -32602.
 *
 * @example
 * const fits = Object.keys(inputResponses).length <= MAX_INPUT_RESPONSES;
 */
export const MAX_INPUT_RESPONSES = 64;

/**
 * A task id as a peer sends it: a non-empty string of at most {@link MAX_TASK_ID_LENGTH} characters.
 *
 * @example
 * const id: t.Branded<string, TaskIdBrand> = decodedTaskId;
 */
export interface TaskIdBrand {
  readonly TaskId: unique symbol;
}
/**
 * A task id read from a peer, bounded.
 *
 * @example
 * TaskId.is('7d1c9f...'); // true; TaskId.is('') // false
 */
export const TaskId = t.brand(t.string, (s): s is t.Branded<string, TaskIdBrand> => s.length > 0 && s.length <= MAX_TASK_ID_LENGTH, 'TaskId');
export type TaskId = t.TypeOf<typeof TaskId>;

/**
 * A task's status (EXT "Task Status"): `completed`, `failed` and `cancelled` are terminal.
 *
 * @example
 * TaskStatus.is('input_required'); // true
 */
export const TaskStatus = t.keyof({ working: null, input_required: null, completed: null, failed: null, cancelled: null }, 'TaskStatus');
export type TaskStatus = t.TypeOf<typeof TaskStatus>;

/**
 * Whether a status is terminal: the task will change no more.
 *
 * @example
 * isTerminal('cancelled'); // true
 */
export const isTerminal = (s: TaskStatus): boolean => s === 'completed' || s === 'failed' || s === 'cancelled';

/**
 * The JSON-RPC error of a `failed` task (EXT "Task Execution Errors").
 *
 * @example
 * TaskError.is({ code: -32603, message: 'boom' }); // true
 */
export const TaskError = t.intersection([t.type({ code: t.number, message: t.string }), t.partial({ data: t.unknown })], 'TaskError');
export type TaskError = t.TypeOf<typeof TaskError>;

/**
 * Where a task carries the numbers of its run's progress (`ctx.progress`), in its `_meta`: the
 * tasks extension sends no `notifications/progress` for a task (EXT L507), and `statusMessage`
 * is text. Our client reads it into `onProgress`; any other ignores it.
 *
 * @example
 * const p = task._meta?.[META_TASK_PROGRESS]; // { progress, total?, message? } from our servers
 */
export const META_TASK_PROGRESS = 'dev.mcp-rx-cancel/progress';

/**
 * The progress of a task's run, as {@link META_TASK_PROGRESS} carries it.
 *
 * @example
 * TaskProgress.is({ progress: 3, total: 10, message: 'step 3/10' }); // true
 */
export const TaskProgress = t.intersection([t.type({ progress: t.number }), t.partial({ total: t.number, message: t.string })], 'TaskProgress');
export type TaskProgress = t.TypeOf<typeof TaskProgress>;

/**
 * A task as `tasks/get`, `notifications/tasks` and `CreateTaskResult` carry it (EXT `DetailedTask`):
 * its metadata, and by status the `inputRequests` (`input_required`), `result` (`completed`) or
 * `error` (`failed`). Read by the client; the server builds it from its record.
 *
 * @example
 * Task.is({ taskId: 't', status: 'working', createdAt: '2026-01-01T00:00:00Z', lastUpdatedAt: '2026-01-01T00:00:00Z', ttlMs: 60000 }); // true
 */
export const Task = t.intersection(
  [
    t.type({ taskId: t.string, status: TaskStatus, createdAt: t.string, lastUpdatedAt: t.string, ttlMs: t.union([t.number, t.null]) }),
    t.partial({
      statusMessage: t.string,
      pollIntervalMs: t.number,
      inputRequests: t.record(t.string, WireInputRequest),
      result: t.UnknownRecord,
      error: TaskError,
      _meta: t.UnknownRecord,
    }),
  ],
  'Task',
);
export type Task = t.TypeOf<typeof Task>;

/**
 * The params of `tasks/get` and `tasks/cancel` (EXT "Task Polling", "Task Cancellation").
 *
 * @example
 * TaskParams.is({ taskId: 'abc' }); // true
 */
export const TaskParams = t.type({ taskId: TaskId }, 'TaskParams');
export type TaskParams = t.TypeOf<typeof TaskParams>;

const BoundedResponses = t.refinement(t.UnknownRecord, (r) => Object.keys(r).length <= MAX_INPUT_RESPONSES, 'InputResponses');

/**
 * The params of `tasks/update`: the task, and answers to its outstanding `inputRequests` by key
 * (at most {@link MAX_INPUT_RESPONSES}).
 *
 * @example
 * UpdateTaskParams.is({ taskId: 'abc', inputResponses: { confirm: { action: 'accept', content: {} } } }); // true
 */
export const UpdateTaskParams = t.type({ taskId: TaskId, inputResponses: BoundedResponses }, 'UpdateTaskParams');
export type UpdateTaskParams = t.TypeOf<typeof UpdateTaskParams>;

const BoundedTaskIds = t.refinement(t.array(TaskId), (ids) => ids.length <= MAX_LISTEN_TASK_IDS, 'TaskIds');
const BoundedUris = t.refinement(t.array(t.string), (uris) => uris.length <= MAX_LISTEN_TASK_IDS && uris.every((u) => u.length <= 2048), 'ResourceUris');

/**
 * What a `subscriptions/listen` asks to hear (MCP 2026-07-28 `SubscriptionFilter`, and the tasks
 * extension's `taskIds`): every member optional, lists bounded.
 *
 * @example
 * SubscriptionFilter.is({ taskIds: ['abc'], toolsListChanged: true }); // true
 */
export const SubscriptionFilter = t.partial(
  {
    taskIds: BoundedTaskIds,
    toolsListChanged: t.boolean,
    promptsListChanged: t.boolean,
    resourcesListChanged: t.boolean,
    resourceSubscriptions: BoundedUris,
  },
  'SubscriptionFilter',
);
export type SubscriptionFilter = t.TypeOf<typeof SubscriptionFilter>;

/**
 * The params of `subscriptions/listen`.
 *
 * @example
 * ListenParams.is({ notifications: { taskIds: ['abc'] } }); // true
 */
export const ListenParams = t.type({ notifications: SubscriptionFilter }, 'ListenParams');
export type ListenParams = t.TypeOf<typeof ListenParams>;

/**
 * The `_meta` key every message of a listen stream carries: the JSON-RPC id of the `subscriptions/listen` that opened it.
 *
 * @example
 * const id = notification.params._meta[META_SUBSCRIPTION_ID]; // the listen's request id
 */
export const META_SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

const RequestExtensions = t.type({ _meta: t.type({ [META_CLIENT_CAPABILITIES]: t.type({ extensions: t.UnknownRecord }) }) });

/**
 * Whether a 2026-07-28 request declares the tasks extension in its own `_meta` client
 * capabilities (EXT L59-61: only this request's declaration counts, never an earlier one's).
 *
 * @example
 * declaresTasks({ _meta: { 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } } }); // true
 */
export const declaresTasks = (params: unknown): boolean => {
  if (!RequestExtensions.is(params)) return false;
  const ext = params._meta[META_CLIENT_CAPABILITIES].extensions[TASKS_EXTENSION];
  return typeof ext === 'object' && ext !== null;
};

/**
 * The `data` of the -32021 that tells a client it must declare the tasks extension.
 *
 * @example
 * throw new JsonRpcError(-32021, 'Missing required client capability', TASKS_REQUIRED);
 */
export const TASKS_REQUIRED = { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } } as const;
