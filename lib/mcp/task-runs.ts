import { defer, first, from, map, of, switchMap, type Observable, type Subscription } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { JsonRpcError } from '../errors.js';
import type { RequestOutcome } from '../handler/outcome.js';
import { runRequest, type Handler } from '../handler/run-request.js';
import type { CancellationManager } from '../manager/cancellation-manager.js';
import type { RequestKey } from '../manager/request-key.js';
import type { WireInputRequest } from './client-shapes.js';
import { McpRequestContext, type McpContext, type Round } from './context.js';
import { missingCapabilities, type InputRequest } from './input-required.js';
import { playRounds, type AskInput } from './local-rounds.js';
import type { TaskChange } from './task-change.js';
import { TASK_EXPIRED, taskKey } from './task-key.js';
import type { TaskEvent } from './task-options.js';
import type { TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';

// The life of a task on the instance that runs it: registered in the manager under its task key,
// run by runRequest (its TTL, a tasks/cancel and the server's close all end it through
// `manager.cancel`), its progress and input rounds written to the store, and its one outcome
// written once as its terminal state.

/** One task running on this instance. */
export interface Running {
  readonly taskId: string;
  readonly owner: string;
  readonly key: RequestKey;
  /** The latest record this instance knows: restored if the store loses it. */
  last: TaskRecord;
  timer: ReturnType<typeof setTimeout> | undefined;
  subscription: Subscription | undefined;
  /** The progress waiting to be written (one write at a time, the latest wins). */
  pendingProgress: Extract<TaskChange, { kind: 'progress' }> | undefined;
  writingMessage: boolean;
}

/** What the tasks running on one instance share: the store, the registry, where their events go. */
export interface TaskRunsInit {
  readonly store: TaskStore;
  readonly manager: CancellationManager;
  readonly emit: (e: TaskEvent) => void;
  /** Report a store write that failed. */
  readonly failed: (taskId: string, what: string, e: unknown) => void;
}

/** The tasks running on one instance, by id, and how one begins (its record already stored). */
export interface TaskRuns {
  readonly running: ReadonlyMap<string, Running>;
  begin(record: TaskRecord, params: unknown, work: (mctx: McpContext) => Observable<unknown>, firstRound: Round, declared: Readonly<Record<string, unknown>>): void;
}

/** The runs of one task runtime: each task's start, writes and one end on this instance. */
export const taskRuns = ({ store, manager, emit, failed }: TaskRunsInit): TaskRuns => {
  const running = new Map<string, Running>();

  /** Write a change; `undefined` when the store lost the task (it is restored first if it should live). */
  const write = async (r: Running, change: TaskChange): Promise<TaskRecord | undefined> => {
    let u = await store.update(r.taskId, change);
    if (u === undefined && r.last.expiresAt > Date.now()) {
      // the store lost it (an outage that lost its data): the instance running it writes it again
      await store.restore(r.last);
      u = await store.update(r.taskId, change);
    }
    if (u !== undefined) r.last = u.record;
    return u?.record;
  };

  /** The terminal state, written until it lands (an outage delays it, never loses it) or the task expires. */
  const settle = (r: Running, change: Extract<TaskChange, { kind: 'settle' }>, attempt = 0): void => {
    write(r, change).then(
      () => undefined,
      (e: unknown) => {
        failed(r.taskId, 'settle', e);
        if (Date.now() >= r.last.expiresAt) return;
        setTimeout(() => settle(r, change, attempt + 1), Math.min(5_000, 100 * 2 ** Math.min(attempt, 6))).unref?.();
      },
    );
  };

  const settleOf = (o: RequestOutcome): Extract<TaskChange, { kind: 'settle' }> => {
    switch (o.type) {
      case 'result':
        return { kind: 'settle', status: 'completed', result: o.result };
      case 'error':
        return { kind: 'settle', status: 'failed', error: o.error, statusMessage: preview(o.error.message, PREVIEW_MAX) };
      case 'cancelled':
        // EXT L340: past its TTL a task MAY be marked failed (with a JSON-RPC error, as failed requires)
        return o.reason.source === 'timeout'
          ? { kind: 'settle', status: 'failed', error: { code: ErrorCodes.InternalError, message: 'Task expired: its ttlMs passed before it finished' }, statusMessage: 'expired' }
          : { kind: 'settle', status: 'cancelled', statusMessage: o.reason.method === 'tasks/cancel' ? 'cancelled by tasks/cancel' : `cancelled (${o.reason.reason ?? o.reason.source})` };
    }
  };

  /** The one end of a task here: its outcome decided by runRequest, its terminal state written once. */
  const end = (r: Running, o: RequestOutcome): void => {
    if (running.get(r.taskId) !== r) return;
    running.delete(r.taskId);
    if (r.timer !== undefined) clearTimeout(r.timer);
    const change = settleOf(o);
    emit({ type: 'task-settled', taskId: r.taskId, owner: r.owner, status: change.status, ...(o.type === 'cancelled' ? { reason: o.reason } : {}) });
    settle(r, change);
  };

  /** The run's progress becomes the task's `statusMessage` (EXT L507: no progress notification for tasks), its numbers in `_meta`. */
  const progressed = (r: Running, m: JsonRpcMessage): void => {
    if (!('method' in m) || m.method !== 'notifications/progress' || !('params' in m) || m.params === undefined) return;
    const p = m.params as { progress: number; total?: number; message?: string };
    const progress = { progress: p.progress, ...(p.total === undefined ? {} : { total: p.total }), ...(p.message === undefined ? {} : { message: preview(p.message, PREVIEW_MAX) }) };
    const statusMessage = progress.message ?? (p.total === undefined ? `${p.progress}` : `${p.progress}/${p.total}`);
    r.pendingProgress = { kind: 'progress', progress, statusMessage };
    const flush = (): void => {
      const change = r.pendingProgress;
      if (r.writingMessage || change === undefined || !running.has(r.taskId)) return;
      r.pendingProgress = undefined;
      r.writingMessage = true;
      write(r, change)
        .catch((e: unknown) => failed(r.taskId, 'progress', e))
        .finally(() => {
          r.writingMessage = false;
          flush();
        });
    };
    flush();
  };

  /** The task's way to ask for input: post it on the task (`input_required`), wait for `tasks/update` to answer every key. */
  const askThroughTask = (r: Running, declared: Readonly<Record<string, unknown>>): AskInput => {
    let round = 0;
    return (requests) =>
      defer(() => {
        const missing = missingCapabilities(requests, declared);
        if (missing !== undefined)
          throw new JsonRpcError(ErrorCodes.MissingRequiredClientCapability, `The task needs client capabilities its request did not declare: ${Object.keys(missing).join(', ')}`, { requiredCapabilities: missing });
        // EXT L350: a key is never reused over a task's lifetime: each round's keys are its own
        round++;
        const wire = (k: string): string => `${round}:${k}`;
        const keys = Object.keys(requests);
        // a round that asks nothing (a state alone) runs again at once
        if (keys.length === 0) return of<Record<string, unknown>>({});
        const asked: Record<string, WireInputRequest> = Object.fromEntries(Object.entries(requests).map(([k, q]: [string, InputRequest]) => [wire(k), q as WireInputRequest]));
        return from(write(r, { kind: 'ask', inputRequests: asked })).pipe(
          switchMap(() => store.watch(r.taskId)),
          first((rec) => rec === undefined || keys.every((k) => rec.answers !== undefined && Object.prototype.hasOwnProperty.call(rec.answers, wire(k)))),
          switchMap((rec) => {
            if (rec === undefined) throw new JsonRpcError(ErrorCodes.InternalError, 'The task is gone (expired) while it waited for input');
            r.last = rec;
            const answers = Object.fromEntries(keys.map((k) => [k, rec.answers?.[wire(k)]]));
            return from(write(r, { kind: 'take', keys: keys.map(wire) })).pipe(map(() => answers));
          }),
        );
      });
  };

  const begin = (record: TaskRecord, params: unknown, work: (mctx: McpContext) => Observable<unknown>, firstRound: Round, declared: Readonly<Record<string, unknown>>): void => {
    const r: Running = { taskId: record.taskId, owner: record.owner, key: taskKey(record.owner, record.taskId), last: record, timer: undefined, subscription: undefined, pendingProgress: undefined, writingMessage: false };
    // register before subscribe: a synchronous tool may finish inside subscribe()
    manager.register(r.key);
    running.set(r.taskId, r);
    emit({ type: 'task-created', taskId: r.taskId, owner: r.owner });
    // the TTL ends the work too, through the same manager (this instance only: the task runs here)
    r.timer = setTimeout(() => manager.cancel(r.key, TASK_EXPIRED, { forward: false }), Math.max(0, record.expiresAt - Date.now()));
    r.timer.unref?.();
    const handler: Handler = (_p, ctx) => playRounds((round) => work(new McpRequestContext(ctx, params, undefined, round)), askThroughTask(r, declared), undefined, firstRound);
    const subscription = runRequest({
      key: r.key,
      method: 'tools/call',
      params,
      handler,
      manager,
      // the run's progress is asked for under the task's id, and written as its statusMessage
      progressToken: r.taskId,
      send: (m) => progressed(r, m),
      cleanupFailed: (e) => failed(r.taskId, 'cleanup', e),
      era: '2026-07-28',
    }).subscribe((o) => end(r, o));
    // a synchronous tool has ended already: keep no subscription of a finished task
    if (running.get(r.taskId) === r) r.subscription = subscription;
  };

  return { running, begin };
};
