import type { CancellationManager } from '../manager/cancellation-manager.js';
import type { CancelReason } from '../manager/request-key.js';
import type { McpContext } from './context.js';
import type { ANONYMOUS_OWNER } from './task-owner.js';
import type { TaskStore } from './task-store.js';

// The options of a server's tasks (`mcpServer({ tasks })`), their defaults and bounds, and the
// events a task reports.

/**
 * The default time a task lives from its creation: 1 hour (then it is gone, and its work stopped).
 *
 * @example
 * mcpServer({ info, tools, tasks: { ttlMs: DEFAULT_TASK_TTL_MS / 4 } }); // 15 minutes
 */
export const DEFAULT_TASK_TTL_MS = 60 * 60_000;
/**
 * The longest `ttlMs` a server may give its tasks: 24 hours (every task expires: the store never grows without bound).
 *
 * @example
 * mcpServer({ info, tools, tasks: { ttlMs: MAX_TASK_TTL_MS } }); // the longest a task may live
 */
export const MAX_TASK_TTL_MS = 24 * 60 * 60_000;
/**
 * The default `pollIntervalMs` suggested to clients: 1 s.
 *
 * @example
 * mcpServer({ info, tools, tasks: { pollIntervalMs: 5 * DEFAULT_POLL_INTERVAL_MS } });
 */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;
/**
 * The default bound of live tasks one owner holds in the store: past it a new task is refused (-32603).
 *
 * @example
 * mcpServer({ info, tools, tasks: { maxPerOwner: DEFAULT_MAX_TASKS_PER_OWNER / 10 } });
 */
export const DEFAULT_MAX_TASKS_PER_OWNER = 1_000;
/**
 * The default bound of tasks running on one instance.
 *
 * @example
 * mcpServer({ info, tools, tasks: { maxRunning: DEFAULT_MAX_RUNNING_TASKS / 10 } });
 */
export const DEFAULT_MAX_RUNNING_TASKS = 10_000;

/**
 * What a task does, as the server reports it: created, settled (with its status), or a store write that failed.
 *
 * @example
 * mcpServer({ info, tools, tasks: { events: (e: TaskEvent) => log(e.type, e.taskId) } });
 */
export type TaskEvent =
  | { readonly type: 'task-created'; readonly taskId: string; readonly owner: string }
  | { readonly type: 'task-settled'; readonly taskId: string; readonly owner: string; readonly status: 'completed' | 'failed' | 'cancelled'; readonly reason?: CancelReason }
  | { readonly type: 'task-store-failed'; readonly taskId: string; readonly what: string; readonly why: string };

/**
 * Options of the tasks of an `mcpServer` (its `tasks` option).
 *
 * @example
 * const tasks: TasksOptions = { store: redisTaskStore({ client, subscriber }), manager, ttlMs: 15 * 60_000, owner: (ctx) => principalOf(ctx) };
 */
export interface TasksOptions {
  /** Where tasks live; share one (`redisTaskStore`) across instances. Default: in memory. */
  readonly store?: TaskStore;
  /**
   * The registry the tasks run in: give the transport's (`streamableHttp({ manager })`), with its
   * bus, and a `tasks/cancel` received by any instance stops the task where it runs. Default: a
   * registry of its own (this process only).
   */
  readonly manager?: CancellationManager;
  /** How long a task lives from its creation (ms); its work is stopped then. Default 1 hour, at most 24 hours. */
  readonly ttlMs?: number;
  /** The `pollIntervalMs` suggested to clients. Default 1 s. */
  readonly pollIntervalMs?: number;
  /**
   * Who a request acts for: a task is visible and cancellable only by the owner that created it
   * (EXT L903). There are no sessions in 2026-07-28; return the authenticated principal of the
   * request. Default: one owner for all ({@link ANONYMOUS_OWNER}): the task id, 128 random bits,
   * is then the capability, as EXT L902 allows.
   */
  readonly owner?: (ctx: McpContext) => string;
  /** Live tasks one owner may hold in the store. Default 1,000. */
  readonly maxPerOwner?: number;
  /** Tasks running on this instance at once. Default 10,000. */
  readonly maxRunning?: number;
  /** Each task's lifecycle events (created, settled, store failures). */
  readonly events?: (e: TaskEvent) => void;
}

/** A count among the options, checked: an integer from 1 to `max` (a TypeError that names it otherwise). */
export const countOf = (name: string, v: number | undefined, d: number, max = Number.MAX_SAFE_INTEGER): number => {
  const n = v ?? d;
  if (!(Number.isInteger(n) && n > 0 && n <= max)) throw new TypeError(`tasks.${name} must be an integer from 1 to ${max}, got ${String(v)}`);
  return n;
};
