import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { defer } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { report } from '../codec/report.js';
import { JsonRpcError } from '../errors.js';
import type { RequestContext } from '../handler/context.js';
import type { Handler } from '../handler/run-request.js';
import type { CancellationManager } from '../manager/cancellation-manager.js';
import { TASK_CANCELLED, taskKey } from './task-key.js';
import { detailedTask, type TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';
import { TASKS_REQUIRED, TaskParams, UpdateTaskParams, declaresTasks, isTerminal } from './task-wire.js';

// The methods that read, answer and cancel a task: `tasks/get`, `tasks/update`, `tasks/cancel`.
// Each sees only its owner's tasks, and a `tasks/cancel` ends the task wherever it runs, through
// the manager (over the bus when it runs elsewhere).

type Rec = Record<string, unknown>;

/** Decode a `tasks/*` request's params, or the -32602 that says what was wrong (bounded). */
const decoded = <A>(codec: t.Decoder<unknown, A>, u: unknown, method: string): A => {
  const d = codec.decode(u);
  if (E.isRight(d)) return d.right;
  throw new JsonRpcError(ErrorCodes.InvalidParams, preview(`Invalid params for ${method}: ${report(d.left).join('; ')}`, PREVIEW_MAX * 4));
};

/** The -32602 of a task not found (EXT "Error Handling": one answer for unknown, expired and another owner's task: a probe learns nothing). */
const unknownTask = (): JsonRpcError => new JsonRpcError(ErrorCodes.InvalidParams, 'Failed to retrieve task: Task not found or expired');

/**
 * The -32021 a request gets when it did not declare the tasks extension (EXT L797-799).
 *
 * @example
 * if (!declaresTasks(params)) throw tasksRequired();
 */
export const tasksRequired = (): JsonRpcError =>
  new JsonRpcError(ErrorCodes.MissingRequiredClientCapability, 'Missing required client capability: io.modelcontextprotocol/tasks', TASKS_REQUIRED);

/** What the `tasks/*` handlers need of their runtime. */
export interface TaskHandlersInit {
  readonly store: TaskStore;
  readonly manager: CancellationManager;
  /** The owner of a request (checked, bounded). */
  readonly ownerOf: (params: unknown, ctx: RequestContext) => string;
  /** Report a store write that failed. */
  readonly failed: (taskId: string, what: string, e: unknown) => void;
}

/** The handlers of `tasks/get`, `tasks/update` and `tasks/cancel` over one store and registry. */
export const taskHandlers = ({ store, manager, ownerOf, failed }: TaskHandlersInit): Readonly<Record<'tasks/get' | 'tasks/update' | 'tasks/cancel', Handler>> => {
  const requireExtension = (params: unknown): void => {
    if (!declaresTasks(params)) throw tasksRequired();
  };

  /** The record of `taskId` if this request's owner may see it, else -32602 (the same for unknown, expired and foreign). */
  const visible = async (taskId: string, params: unknown, ctx: RequestContext): Promise<TaskRecord> => {
    const r = await store.get(taskId);
    if (r === undefined || r.owner !== ownerOf(params, ctx)) throw unknownTask();
    return r;
  };

  return {
    'tasks/get': (params, ctx) =>
      defer(async () => {
        requireExtension(params);
        const { taskId } = decoded(TaskParams, params, 'tasks/get');
        return detailedTask(await visible(taskId, params, ctx)) as Rec;
      }),
    'tasks/update': (params, ctx) =>
      defer(async () => {
        requireExtension(params);
        const { taskId, inputResponses } = decoded(UpdateTaskParams, params, 'tasks/update');
        await visible(taskId, params, ctx);
        // EXT L377-379: an empty ack; answers to keys not outstanding are ignored
        await store.update(taskId, { kind: 'answer', inputResponses });
        return {};
      }),
    'tasks/cancel': (params, ctx) =>
      defer(async () => {
        requireExtension(params);
        const { taskId } = decoded(TaskParams, params, 'tasks/cancel');
        const owner = ownerOf(params, ctx);
        const key = taskKey(owner, taskId);
        let r: TaskRecord | undefined;
        try {
          r = await store.get(taskId);
        } catch (e) {
          // the store is unreachable: the bus keeps the cancel (recorded, retried after the
          // outage) and the owner is in the key, so it can stop only this owner's task
          failed(taskId, 'cancel', e);
          manager.cancel(key, TASK_CANCELLED, { forward: true });
          return {};
        }
        if (r === undefined || r.owner !== owner) throw unknownTask();
        // EXT L404: cancelling a terminal task is the same empty ack
        if (isTerminal(r.status)) return {};
        // the intent, durably: whichever instance reads the task sees a cancel was asked for
        await store.update(taskId, { kind: 'cancel-requested' }).catch((e: unknown) => failed(taskId, 'cancel-requested', e));
        // wherever it runs: here at once, elsewhere over the bus
        manager.cancel(key, TASK_CANCELLED, { forward: true });
        return {};
      }),
  };
};
