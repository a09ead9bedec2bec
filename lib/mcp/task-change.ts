import type { WireInputRequest } from './client-shapes.js';
import type { TaskRecord } from './task-record.js';
import { isTerminal, type TaskError, type TaskProgress } from './task-wire.js';

// One change to a task, as data, and the one pure function every store applies it with: the
// rules of a task's states (a terminal task never changes, an answer counts only for an
// outstanding key) are written here once.

/**
 * One change to a task, as data: every store applies it with {@link applyTaskChange}, so the
 * rules (a terminal task never changes, an answer counts only for an outstanding key) are written
 * once.
 * - `ask`: the run needs input: the requests join the outstanding ones, status `input_required`;
 * - `answer`: a `tasks/update`: answers to outstanding keys are kept for the run, other keys
 *   ignored (EXT L379); once none is outstanding the status is `working` again;
 * - `take`: the run took the answers of `keys`;
 * - `progress`: the run's progress, and the `statusMessage` that says it;
 * - `cancel-requested`: a `tasks/cancel` was received (the run may still end otherwise);
 * - `settle`: the terminal state, written once.
 *
 * @example
 * await store.update(taskId, { kind: 'cancel-requested' } satisfies TaskChange);
 */
export type TaskChange =
  | { readonly kind: 'ask'; readonly inputRequests: Readonly<Record<string, WireInputRequest>> }
  | { readonly kind: 'answer'; readonly inputResponses: Readonly<Record<string, unknown>> }
  | { readonly kind: 'take'; readonly keys: readonly string[] }
  | { readonly kind: 'progress'; readonly progress: TaskProgress; readonly statusMessage: string }
  | { readonly kind: 'cancel-requested' }
  | {
      readonly kind: 'settle';
      readonly status: 'completed' | 'failed' | 'cancelled';
      readonly result?: Readonly<Record<string, unknown>>;
      readonly error?: TaskError;
      readonly statusMessage?: string;
    };

/** A copy of `r` without `keys`, or `undefined` once nothing is left. */
const without = <V>(r: Readonly<Record<string, V>> | undefined, keys: Iterable<string>): Record<string, V> | undefined => {
  if (r === undefined) return undefined;
  const out: Record<string, V> = { ...r };
  for (const k of keys) delete out[k];
  return Object.keys(out).length === 0 ? undefined : out;
};

/** Whether `r` has `k` as an own member. */
const has = (r: object | undefined, k: string): boolean => r !== undefined && Object.prototype.hasOwnProperty.call(r, k);

/** The record with `patch` applied and the optional members set to `undefined` left out. */
const next = (r: TaskRecord, patch: Partial<TaskRecord>, at: string): TaskRecord => {
  const out: Record<string, unknown> = { ...r, ...patch, lastUpdatedAt: at, version: r.version + 1 };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as TaskRecord;
};

/**
 * Apply one change to a record: the new record, or `undefined` when the change changes nothing
 * (the task is terminal already, an answer names no outstanding key). Pure: `at` is the time of
 * the change (ISO 8601).
 *
 * @example
 * applyTaskChange(record, { kind: 'settle', status: 'cancelled' }, new Date().toISOString()); // undefined once terminal
 */
export const applyTaskChange = (r: TaskRecord, change: TaskChange, at: string): TaskRecord | undefined => {
  // a terminal task changes no more: the race between its end and anything else is decided here
  if (isTerminal(r.status)) return undefined;
  switch (change.kind) {
    case 'ask':
      // nothing asked is nothing outstanding: input_required only while a request waits
      return Object.keys(change.inputRequests).length === 0 ? undefined : next(r, { status: 'input_required', inputRequests: { ...r.inputRequests, ...change.inputRequests } }, at);
    case 'answer': {
      const keys = Object.keys(change.inputResponses).filter((k) => has(r.inputRequests, k));
      if (keys.length === 0) return undefined;
      const outstanding = without(r.inputRequests, keys);
      const answers = { ...r.answers, ...Object.fromEntries(keys.map((k) => [k, change.inputResponses[k]])) };
      return next(r, { status: outstanding === undefined ? 'working' : 'input_required', inputRequests: outstanding, answers }, at);
    }
    case 'take':
      return change.keys.some((k) => has(r.answers, k)) ? next(r, { answers: without(r.answers, change.keys) }, at) : undefined;
    case 'progress':
      return r.progress?.progress === change.progress.progress && r.statusMessage === change.statusMessage
        ? undefined
        : next(r, { progress: { ...change.progress }, statusMessage: change.statusMessage }, at);
    case 'cancel-requested':
      return r.cancelRequested === true ? undefined : next(r, { cancelRequested: true }, at);
    case 'settle':
      return next(
        r,
        {
          status: change.status,
          result: change.result === undefined ? undefined : { ...change.result },
          error: change.error,
          statusMessage: change.statusMessage ?? r.statusMessage,
          inputRequests: undefined,
          answers: undefined,
        },
        at,
      );
  }
};
