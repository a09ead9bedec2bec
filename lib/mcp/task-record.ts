import * as t from 'io-ts';
import { WireInputRequest } from './client-shapes.js';
import { META_TASK_PROGRESS, TaskError, TaskProgress, TaskStatus, type Task } from './task-wire.js';

// The stored record of a task, and the task as the wire shows it: what every store keeps, and
// what `tasks/get` and `notifications/tasks` show of it.

/**
 * The stored record of one task: what `tasks/get` shows, plus who owns it, when it expires, the
 * answers `tasks/update` brought that its run has not taken yet, whether a `tasks/cancel` was
 * received, and a version that every change increments. Plain JSON: a store may keep it as text,
 * and decodes it with this codec when it reads it back.
 *
 * @example
 * TaskRecord.is({ taskId: 't', owner: 'o', status: 'working', createdAt: 'x', lastUpdatedAt: 'x', ttlMs: 1, pollIntervalMs: 1, expiresAt: 1, version: 0 }); // true
 */
export const TaskRecord = t.intersection(
  [
    t.type({
      taskId: t.string,
      owner: t.string,
      status: TaskStatus,
      createdAt: t.string,
      lastUpdatedAt: t.string,
      ttlMs: t.number,
      pollIntervalMs: t.number,
      /** Epoch ms past which the task is gone (createdAt + ttlMs). */
      expiresAt: t.number,
      version: t.number,
    }),
    t.partial({
      statusMessage: t.string,
      inputRequests: t.record(t.string, WireInputRequest),
      answers: t.UnknownRecord,
      result: t.UnknownRecord,
      error: TaskError,
      cancelRequested: t.boolean,
      progress: TaskProgress,
    }),
  ],
  'TaskRecord',
);
export type TaskRecord = t.TypeOf<typeof TaskRecord>;

/**
 * The task as the wire shows it (`tasks/get`, `notifications/tasks`): EXT `DetailedTask`, with
 * `inputRequests` only while `input_required`, `result` only once `completed`, `error` only once
 * `failed`, the run's last progress in `_meta` under {@link META_TASK_PROGRESS}, and nothing of the
 * store's own (owner, answers, version).
 *
 * @example
 * const wire = detailedTask(record); // { taskId, status, createdAt, lastUpdatedAt, ttlMs, pollIntervalMs, ... }
 */
export const detailedTask = (r: TaskRecord): Task => ({
  taskId: r.taskId,
  status: r.status,
  ...(r.statusMessage === undefined ? {} : { statusMessage: r.statusMessage }),
  createdAt: r.createdAt,
  lastUpdatedAt: r.lastUpdatedAt,
  ttlMs: r.ttlMs,
  pollIntervalMs: r.pollIntervalMs,
  ...(r.status === 'input_required' && r.inputRequests !== undefined ? { inputRequests: r.inputRequests } : {}),
  ...(r.status === 'completed' && r.result !== undefined ? { result: r.result } : {}),
  ...(r.status === 'failed' && r.error !== undefined ? { error: r.error } : {}),
  // the numbers behind statusMessage, for a client that reads them (ours does: onProgress)
  ...(r.progress === undefined ? {} : { _meta: { [META_TASK_PROGRESS]: r.progress } }),
});
