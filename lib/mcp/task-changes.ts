import { Observable } from 'rxjs';
import type { TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';
import { isTerminal } from './task-wire.js';

// The states of one task as a listen stream reports them.

/**
 * The states a listen stream reports for one task: each version once, until it is terminal (that
 * state included) or gone.
 *
 * @example
 * taskChanges(store, taskId).subscribe((r) => ctx.notify('notifications/tasks', detailedTask(r)));
 */
export const taskChanges = (store: TaskStore, taskId: string): Observable<TaskRecord> =>
  new Observable<TaskRecord>((subscriber) => {
    let version = -1;
    return store.watch(taskId).subscribe({
      next: (r) => {
        if (r === undefined) return subscriber.complete();
        if (r.version <= version) return;
        version = r.version;
        subscriber.next(r);
        if (isTerminal(r.status)) subscriber.complete();
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
  });
