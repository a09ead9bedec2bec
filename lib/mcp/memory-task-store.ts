import { Observable, type Subscriber } from 'rxjs';
import { applyTaskChange } from './task-change.js';
import type { TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';

// The in-memory task store: the tasks of one process, for a single instance.

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
