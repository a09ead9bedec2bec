import * as t from 'io-ts';
import { Observable, type Subscriber } from 'rxjs';
import { WireInputRequest } from './client-shapes.js';
import { META_TASK_PROGRESS, TaskError, TaskProgress, TaskStatus, isTerminal, type Task } from './task-wire.js';

// Where tasks live: the record of each task, the one change function every store applies, and
// the in-memory store. A store is shared by every instance that serves the same tasks
// (`redisTaskStore`); the instance running a task is the only one that settles it.

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

const without = <V>(r: Readonly<Record<string, V>> | undefined, keys: Iterable<string>): Record<string, V> | undefined => {
  if (r === undefined) return undefined;
  const out: Record<string, V> = { ...r };
  for (const k of keys) delete out[k];
  return Object.keys(out).length === 0 ? undefined : out;
};

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

/**
 * What {@link TaskStore.update} did: the record after the change, and whether it changed.
 *
 * @example
 * const u: TaskUpdate | undefined = await store.update(taskId, { kind: 'settle', status: 'cancelled' });
 * if (u?.changed === false) say('it had ended already');
 */
export interface TaskUpdate {
  readonly record: TaskRecord;
  readonly changed: boolean;
}

/**
 * Where tasks live, shared by every instance that serves them. Every write is atomic per task
 * (a change applied with {@link applyTaskChange} to the latest record), so two instances never
 * write over each other, and a terminal state is written once.
 *
 * @example
 * const store: TaskStore = memoryTaskStore(); // or redisTaskStore({ client, subscriber })
 */
export interface TaskStore {
  /**
   * Store a new task, durably: resolves once a `get` anywhere would find it (EXT L300).
   * Resolves `false`, storing nothing, when its owner holds `maxPerOwner` live tasks already.
   */
  create(record: TaskRecord, maxPerOwner: number): Promise<boolean>;
  /** The task, or `undefined` when there is none (never created, or expired). */
  get(taskId: string): Promise<TaskRecord | undefined>;
  /** Apply a change atomically; `undefined` when there is no such task. */
  update(taskId: string, change: TaskChange): Promise<TaskUpdate | undefined>;
  /** Store the record again if the store lost it (data lost in an outage); a record present is left as it is. */
  restore(record: TaskRecord): Promise<void>;
  /**
   * The task now, then after every change, from any instance; `undefined` (then complete) once it
   * is gone. Cold: each subscription watches until it unsubscribes.
   */
  watch(taskId: string): Observable<TaskRecord | undefined>;
  /**
   * Each time a shared store's connection comes back after an outage (its data may be gone: a
   * Redis restarted without persistence): the instances running tasks then write them again.
   */
  readonly reconnected$?: Observable<void>;
}

/**
 * Options of {@link memoryTaskStore}.
 *
 * @example
 * const store = memoryTaskStore({ now: () => clock.now() } satisfies MemoryTaskStoreOptions);
 */
export interface MemoryTaskStoreOptions {
  /** Epoch ms now (tests). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The tasks of one process, in memory: for a single instance (tasks outlive connections, not
 * the process). Expired tasks go when read and, oldest first, as new ones come: nothing grows
 * with traffic beyond the live tasks, each owner holding at most `maxPerOwner` of them.
 *
 * @example
 * const server = mcpServer({ info, tools, tasks: { store: memoryTaskStore() } });
 */
export const memoryTaskStore = (options: MemoryTaskStoreOptions = {}): TaskStore => {
  const now = options.now ?? Date.now;
  // insertion order is creation order: the oldest expire first, so a sweep stops at the first live one
  const tasks = new Map<string, TaskRecord>();
  const byOwner = new Map<string, Set<string>>();
  const watchers = new Map<string, Set<Subscriber<TaskRecord | undefined>>>();

  const drop = (id: string): void => {
    const r = tasks.get(id);
    if (r === undefined) return;
    tasks.delete(id);
    const mine = byOwner.get(r.owner);
    if (mine?.delete(id) === true && mine.size === 0) byOwner.delete(r.owner);
    for (const w of [...(watchers.get(id) ?? [])]) {
      w.next(undefined);
      w.complete();
    }
  };
  const live = (id: string): TaskRecord | undefined => {
    const r = tasks.get(id);
    if (r !== undefined && r.expiresAt <= now()) {
      drop(id);
      return undefined;
    }
    return r;
  };
  const sweep = (): void => {
    const t0 = now();
    for (const [id, r] of tasks) {
      if (r.expiresAt > t0) break;
      drop(id);
    }
  };
  const tell = (r: TaskRecord): void => {
    for (const w of [...(watchers.get(r.taskId) ?? [])]) w.next(r);
  };
  const put = (r: TaskRecord): void => {
    tasks.set(r.taskId, r);
    let mine = byOwner.get(r.owner);
    if (mine === undefined) byOwner.set(r.owner, (mine = new Set()));
    mine.add(r.taskId);
  };

  return {
    create: (record, maxPerOwner) => {
      sweep();
      const mine = byOwner.get(record.owner);
      if (mine !== undefined && mine.size >= maxPerOwner) {
        // only at the bound: the owner's own expired tasks go, and are no longer counted
        for (const id of [...mine]) live(id);
        if ((byOwner.get(record.owner)?.size ?? 0) >= maxPerOwner) return Promise.resolve(false);
      }
      put(record);
      tell(record);
      return Promise.resolve(true);
    },
    get: (taskId) => Promise.resolve(live(taskId)),
    update: (taskId, change) => {
      const r = live(taskId);
      if (r === undefined) return Promise.resolve(undefined);
      const changed = applyTaskChange(r, change, new Date(now()).toISOString());
      if (changed === undefined) return Promise.resolve({ record: r, changed: false });
      tasks.set(taskId, changed);
      tell(changed);
      return Promise.resolve({ record: changed, changed: true });
    },
    restore: (record) => {
      if (!tasks.has(record.taskId) && record.expiresAt > now()) put(record);
      return Promise.resolve();
    },
    watch: (taskId) =>
      new Observable<TaskRecord | undefined>((subscriber) => {
        const r = live(taskId);
        subscriber.next(r);
        if (r === undefined) return subscriber.complete();
        let set = watchers.get(taskId);
        if (set === undefined) watchers.set(taskId, (set = new Set()));
        set.add(subscriber);
        // expiry is found when read; a watcher is told at the expiry itself
        const timer = setTimeout(() => live(taskId), Math.max(0, r.expiresAt - now()));
        return () => {
          clearTimeout(timer);
          const s = watchers.get(taskId);
          if (s?.delete(subscriber) === true && s.size === 0) watchers.delete(taskId);
        };
      }),
  };
};
