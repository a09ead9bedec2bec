import * as E from 'fp-ts/lib/Either.js';
import {
  EMPTY,
  Observable,
  catchError,
  concat,
  defer,
  filter,
  map,
  mergeMap,
  of,
  take,
  takeWhile,
  tap,
  timer,
} from 'rxjs';
import { JsonRpcError, RequestCancelledError, RequestTimeoutError } from '../errors.js';
import type { RequestOptions } from '../peer/request-options.js';
import { decodeAs } from './client-decode.js';
import { McpClientError } from './client-errors.js';
import type { ListenNotification } from './client-listen.js';
import { pollDelay } from './client-poll.js';
import type { InputResponseMap, WireInputRequest } from './client-shapes.js';
import { META_TASK_PROGRESS, Task, TaskProgress, isTerminal } from './task-wire.js';

// The client side of tasks and listen (MCP 2026-07-28, the tasks extension): a task followed to
// its result (by listening, or polling `tasks/get` with backoff where a listen is not possible),
// its input answered with `tasks/update`, and one `tasks/cancel` when its follower leaves first.
// Its listen is in client-listen, its poll delays in client-poll.

/**
 * Options of a followed task: those of the call, and who hears its states.
 *
 * @example
 * client.callTool('build', {}, { timeoutMs: 600_000, onTask: (t) => show(t.status) } satisfies FollowOptions);
 */
export interface FollowOptions extends RequestOptions {
  /** Each state of the task as the client learns it (status, `statusMessage`: its progress), terminal included. */
  readonly onTask?: (task: Task) => void;
}

/**
 * What following a task needs of the client.
 *
 * @example
 * const init: FollowInit = { send, listen: undefined, fulfil: (r) => answerAll(r), timeoutMs: 60_000 };
 * followTask(init, taskId).subscribe(use);
 */
export interface FollowInit {
  /** Send one request of the era, stamped with its `_meta`. */
  readonly send: (method: string, params: Record<string, unknown>, o?: RequestOptions) => Observable<unknown>;
  /** Open a listen for these task ids; `undefined` where the client cannot listen (a Peer it did not build). */
  readonly listen: ((taskIds: readonly string[]) => Observable<ListenNotification>) | undefined;
  /** Answer input requests with the client's handlers. */
  readonly fulfil: (requests: Readonly<Record<string, WireInputRequest>>) => Observable<InputResponseMap>;
  /** The client's default request timeout. */
  readonly timeoutMs: number;
}

/** A task of a `tasks/get` result or a `notifications/tasks`, decoded (its decode error thrown). */
const taskOf = (u: unknown): Task => {
  const d = decodeAs(Task, 'tasks/get', u);
  if (E.isLeft(d)) throw d.left;
  return d.right;
};

/**
 * Follow task `taskId` to its end: its result (`completed`), its error (`failed`: the
 * `JsonRpcError` it holds), or `TASK_CANCELLED` (`cancelled`: an {@link McpClientError}). States
 * come from a listen when the client can open one, else from `tasks/get` polls that back off
 * ({@link pollDelay}); the listen falling away (refused, ended by the server) falls back to polls.
 * Input requests are answered once each, with `tasks/update`. The caller's timeouts apply to the
 * whole task: `timeoutMs` as a deadline from `startedAt` (idle between states with
 * `resetTimeoutOnProgress`, capped by `maxTotalTimeoutMs`); `signal` aborts it. Leaving before
 * the end (unsubscribe, timeout, abort) sends one `tasks/cancel`; none once the task is terminal.
 *
 * @example
 * followTask(init, 'a1b2', { onTask: (t) => show(t.statusMessage) }).subscribe((result) => use(result));
 */
export const followTask = (init: FollowInit, taskId: string, o: FollowOptions = {}, startedAt: number = Date.now(), first?: Task): Observable<Record<string, unknown>> =>
  new Observable<Record<string, unknown>>((subscriber) => {
    let ended = false;
    let terminalSeen = false;
    let lastProgress: number | undefined;
    let lastChange = Date.now();
    const answered = new Set<string>();
    const get = (): Observable<Task> => init.send('tasks/get', { taskId }, o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }).pipe(map(taskOf));
    const polls = (): Observable<Task> =>
      defer(() => {
        let n = 0;
        let version = '';
        const step = (delay: number): Observable<Task> =>
          timer(delay).pipe(
            mergeMap(get),
            mergeMap((t) => {
              const seen = `${t.status}|${t.lastUpdatedAt}|${t.statusMessage ?? ''}`;
              n = seen === version ? n + 1 : 0;
              version = seen;
              return isTerminal(t.status) ? of(t) : concat(of(t), defer(() => step(pollDelay(t.pollIntervalMs, n))));
            }),
          );
        return step(0);
      });
    const listened = (): Observable<Task> =>
      init.listen === undefined
        ? EMPTY
        : init.listen([taskId]).pipe(
            filter((m) => m.method === 'notifications/tasks'),
            map((m) => taskOf(m.params)),
            filter((t) => t.taskId === taskId),
            takeWhile((t) => !isTerminal(t.status), true),
            // refused (no listen there, no extension): polls do the work
            catchError(() => EMPTY),
          );
    // each state once: a listen's first notification, or a poll, may repeat the one known
    let told = '';
    const fresh = (t: Task): boolean => {
      const seen = `${t.status}|${t.lastUpdatedAt}|${t.statusMessage ?? ''}`;
      if (seen === told) return false;
      told = seen;
      return true;
    };
    const states$ = concat(first === undefined ? EMPTY : of(first), listened(), defer(() => (ended ? EMPTY : polls()))).pipe(filter(fresh));
    const answer = (t: Task): Observable<never> => {
      const fresh = Object.entries(t.inputRequests ?? {}).filter(([k]) => !answered.has(k));
      if (t.status !== 'input_required' || fresh.length === 0) return EMPTY;
      for (const [k] of fresh) answered.add(k);
      return init.fulfil(Object.fromEntries(fresh)).pipe(
        mergeMap((inputResponses) => init.send('tasks/update', { taskId, inputResponses })),
        mergeMap(() => EMPTY),
      );
    };
    const deadline = (): number | undefined => {
      const total = o.maxTotalTimeoutMs === undefined || o.maxTotalTimeoutMs === Infinity ? undefined : startedAt + o.maxTotalTimeoutMs;
      const idle = o.timeoutMs ?? init.timeoutMs;
      const byIdle = idle === Infinity ? undefined : (o.resetTimeoutOnProgress === true ? lastChange : startedAt) + idle;
      return total === undefined ? byIdle : byIdle === undefined ? total : Math.min(total, byIdle);
    };
    const fail = (e: unknown): void => {
      if (ended) return;
      ended = true;
      subscriber.error(e);
    };
    let clock: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      if (clock !== undefined) clearTimeout(clock);
      const at = deadline();
      if (at !== undefined) clock = setTimeout(() => fail(new RequestTimeoutError(taskId, at - startedAt, `Task ${taskId} timed out after ${at - startedAt} ms`)), Math.max(0, at - Date.now()));
    };
    const onAbort = (): void => fail(new RequestCancelledError(taskId, o.signal?.reason));
    if (o.signal?.aborted === true) onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    arm();
    const work = states$
      .pipe(
        tap((t) => {
          lastChange = Date.now();
          if (o.resetTimeoutOnProgress === true) arm();
          o.onTask?.(t);
          // the numbers of the run's progress, when the server gives them (ours does)
          const p = t._meta?.[META_TASK_PROGRESS];
          if (o.onProgress !== undefined && TaskProgress.is(p) && p.progress !== lastProgress) {
            lastProgress = p.progress;
            o.onProgress(p);
          }
        }),
        mergeMap((t) => concat(answer(t), isTerminal(t.status) ? of(t) : EMPTY)),
        take(1),
      )
      .subscribe({
        next: (t) => {
          ended = true;
          terminalSeen = true;
          if (t.status === 'completed') {
            subscriber.next(t.result ?? {});
            return subscriber.complete();
          }
          if (t.status === 'failed') return subscriber.error(t.error === undefined ? new JsonRpcError(-32603, 'The task failed') : new JsonRpcError(t.error.code, t.error.message, t.error.data));
          subscriber.error(new McpClientError('TASK_CANCELLED', `Task ${taskId} was cancelled${t.statusMessage === undefined ? '' : `: ${t.statusMessage}`}`, { task: t }));
        },
        error: fail,
        complete: () => fail(new McpClientError('INVALID_RESULT', `Task ${taskId} ended with no terminal state`)),
      });
    return () => {
      work.unsubscribe();
      if (clock !== undefined) clearTimeout(clock);
      o.signal?.removeEventListener('abort', onAbort);
      // left before its end (unsubscribed, timed out, aborted): one tasks/cancel (this teardown
      // runs once), and none once a terminal state was seen
      if (!terminalSeen) init.send('tasks/cancel', { taskId }).subscribe({ error: () => undefined });
    };
  });
