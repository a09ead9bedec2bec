import type { Observable } from 'rxjs';
import type { applyTaskChange, TaskChange } from './task-change.js';
import type { TaskRecord } from './task-record.js';

// Where tasks live: the interface every store implements (`memoryTaskStore`, `redisTaskStore`).
// A store is shared by every instance that serves the same tasks; the instance running a task is
// the only one that settles it.

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
