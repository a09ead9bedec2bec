import { randomBytes } from 'node:crypto';
import { Observable, defer } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { JsonRpcError, messageOf } from '../errors.js';
import type { RequestContext } from '../handler/context.js';
import type { Handler } from '../handler/run-request.js';
import { CancellationManager } from '../manager/cancellation-manager.js';
import type { CancelReason } from '../manager/request-key.js';
import { McpRequestContext, type McpContext, type Round } from './context.js';
import { memoryTaskStore } from './memory-task-store.js';
import { taskHandlers } from './task-handlers.js';
import { SERVER_CLOSED } from './task-key.js';
import { DEFAULT_MAX_RUNNING_TASKS, DEFAULT_MAX_TASKS_PER_OWNER, DEFAULT_POLL_INTERVAL_MS, DEFAULT_TASK_TTL_MS, MAX_TASK_TTL_MS, countOf, type TasksOptions } from './task-options.js';
import { taskOwner } from './task-owner.js';
import { detailedTask, type TaskRecord } from './task-record.js';
import { taskRuns } from './task-runs.js';
import type { TaskStore } from './task-store.js';

// The server side of the tasks extension (MCP 2026-07-28, `io.modelcontextprotocol/tasks`): a
// tool call that becomes a task, and the methods that read, answer and cancel it. A running task
// is one more request in the CancellationManager, under a key of its own owner's task scope:
// `tasks/cancel`, its TTL and the server's close all end it through `manager.cancel`, and its
// end (the one outcome runRequest gives) writes its terminal state once.
// Its parts: the options (task-options), the owner (task-owner), the key (task-key), the runs
// here (task-runs), the tasks/* methods (task-handlers) and the states a listen reports (task-changes).

type Rec = Record<string, unknown>;

/**
 * The task side of an MCP server: what `mcpServer` wires into `tools/call` and the `tasks/*` methods.
 *
 * @example
 * const runtime: TaskRuntime | undefined = server.tasks;
 * runtime?.running(); // tasks running on this instance
 */
export interface TaskRuntime {
  readonly store: TaskStore;
  readonly manager: CancellationManager;
  /** The owner of a request (checked, bounded). */
  ownerOf(params: unknown, ctx: RequestContext): string;
  /**
   * Run a tool call as a task: the `CreateTaskResult` once the task is durably created; the work
   * goes on after the call's stream closes. `first` is the round the call brought (answers of
   * input rounds played before the task was created).
   */
  create(params: unknown, ctx: RequestContext, work: (mctx: McpContext) => Observable<unknown>, first: Round): Observable<Record<string, unknown>>;
  /**
   * @internal Start the work of a task already in the store (what `create` does once it stored
   * it): synchronous, so a test can drive it in virtual time.
   */
  start(record: TaskRecord, params: unknown, work: (mctx: McpContext) => Observable<unknown>, first: Round): void;
  readonly handlers: Readonly<Record<'tasks/get' | 'tasks/update' | 'tasks/cancel', Handler>>;
  /** How many tasks run on this instance now. */
  running(): number;
  /** Stop every task running here (`source: 'close'`: each settles `cancelled`) and its store writes. */
  close(): void;
}

/**
 * The tasks of one server, over a store and a registry. Exposed for servers of your own; an
 * `mcpServer({ tasks })` makes one.
 *
 * @example
 * const runtime = taskRuntime({ store: redisTaskStore({ client, subscriber }), manager });
 */
export const taskRuntime = (options: TasksOptions = {}): TaskRuntime => {
  const store = options.store ?? memoryTaskStore();
  const manager = options.manager ?? new CancellationManager();
  const ttlMs = countOf('ttlMs', options.ttlMs, DEFAULT_TASK_TTL_MS, MAX_TASK_TTL_MS);
  const pollIntervalMs = countOf('pollIntervalMs', options.pollIntervalMs, DEFAULT_POLL_INTERVAL_MS);
  const maxPerOwner = countOf('maxPerOwner', options.maxPerOwner, DEFAULT_MAX_TASKS_PER_OWNER);
  const maxRunning = countOf('maxRunning', options.maxRunning, DEFAULT_MAX_RUNNING_TASKS);
  const emit = options.events ?? (() => undefined);
  let closed = false;

  const ownerOf = taskOwner(options);
  const failed = (taskId: string, what: string, e: unknown): void => emit({ type: 'task-store-failed', taskId, what, why: preview(messageOf(e), PREVIEW_MAX) });
  const { running, begin } = taskRuns({ store, manager, emit, failed });

  const create = (params: unknown, ctx: RequestContext, work: (mctx: McpContext) => Observable<unknown>, firstRound: Round): Observable<Rec> =>
    defer(async () => {
      const owner = ownerOf(params, ctx);
      if (closed) throw new JsonRpcError(ErrorCodes.InternalError, 'Internal error: the server is closing');
      if (running.size >= maxRunning) throw new JsonRpcError(ErrorCodes.InternalError, `Too many tasks running on this server (maxRunning ${maxRunning})`, { maxRunning });
      const declared = new McpRequestContext(ctx, params, undefined).clientCapabilities;
      const now = Date.now();
      const at = new Date(now).toISOString();
      const record: TaskRecord = {
        // EXT L902: 128 random bits, never guessed or enumerated
        taskId: randomBytes(16).toString('hex'),
        owner,
        status: 'working',
        createdAt: at,
        lastUpdatedAt: at,
        ttlMs,
        pollIntervalMs,
        expiresAt: now + ttlMs,
        version: 0,
      };
      // EXT L300: the CreateTaskResult only once a tasks/get anywhere would find the task
      if (!(await store.create(record, maxPerOwner)))
        throw new JsonRpcError(ErrorCodes.InternalError, `Too many tasks held for this client (maxPerOwner ${maxPerOwner}): wait for some to expire`, { maxPerOwner });
      if (ctx.signal.aborted) {
        // the call was cancelled while the store wrote (its stream closed): nobody will ever know
        // this task's id, so its work never starts and it ends at once (a case the spec leaves open)
        await store.update(record.taskId, { kind: 'settle', status: 'cancelled', statusMessage: 'the call that created it was cancelled before its CreateTaskResult' }).catch((e: unknown) => failed(record.taskId, 'settle', e));
        emit({ type: 'task-settled', taskId: record.taskId, owner, status: 'cancelled', reason: ctx.signal.reason as CancelReason });
        return { resultType: 'task', ...detailedTask(record) } as Rec;
      }
      // from here the task outlives the call: a stream closed after its CreateTaskResult ends only the call (K7)
      begin(record, params, work, firstRound, declared);
      return { resultType: 'task', ...detailedTask(record) } as Rec;
    });


  const handlers = taskHandlers({ store, manager, ownerOf, failed });

  // a store that lost its data in an outage: the tasks running here are written again
  const restoring = store.reconnected$?.subscribe(() => {
    for (const r of running.values()) store.restore(r.last).catch((e: unknown) => failed(r.taskId, 'restore', e));
  });

  return {
    store,
    manager,
    ownerOf,
    create,
    start: (record, params, work, firstRound) => begin(record, params, work, firstRound, new McpRequestContext({ era: '2026-07-28' } as RequestContext, params, undefined).clientCapabilities),
    handlers,
    running: () => running.size,
    close: () => {
      closed = true;
      restoring?.unsubscribe();
      for (const r of [...running.values()]) manager.cancel(r.key, SERVER_CLOSED, { forward: false });
    },
  };
};
