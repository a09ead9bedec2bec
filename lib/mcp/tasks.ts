import { randomBytes } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { Observable, defer, first, from, map, of, switchMap, type Subscription } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { report } from '../codec/report.js';
import { JsonRpcError, messageOf } from '../errors.js';
import type { RequestContext } from '../handler/context.js';
import type { RequestOutcome } from '../handler/outcome.js';
import { runRequest, type Handler } from '../handler/run-request.js';
import { CancellationManager } from '../manager/cancellation-manager.js';
import { CancelReason, type RequestKey } from '../manager/request-key.js';
import type { WireInputRequest } from './client-shapes.js';
import { McpRequestContext, type McpContext, type Round } from './context.js';
import { missingCapabilities, type InputRequest } from './input-required.js';
import { playRounds, type AskInput } from './local-rounds.js';
import { memoryTaskStore } from './memory-task-store.js';
import type { TaskChange } from './task-change.js';
import { detailedTask, type TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';
import { TASKS_REQUIRED, TaskParams, UpdateTaskParams, declaresTasks, isTerminal } from './task-wire.js';

// The server side of the tasks extension (MCP 2026-07-28, `io.modelcontextprotocol/tasks`): a
// tool call that becomes a task, and the methods that read, answer and cancel it. A running task
// is one more request in the CancellationManager, under a key of its own owner's task scope:
// `tasks/cancel`, its TTL and the server's close all end it through `manager.cancel`, and its
// end (the one outcome runRequest gives) writes its terminal state once.

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
 * The owner of every task when no `owner` is given: one scope, where the unguessable task id is the capability (EXT L902).
 *
 * @example
 * mcpServer({ info, tools, tasks: { owner: (ctx) => principalOf(ctx) ?? ANONYMOUS_OWNER } });
 */
export const ANONYMOUS_OWNER = 'anonymous';
/**
 * The longest owner an `owner` function may return.
 *
 * @example
 * const owner = (ctx: McpContext): string => subjectOf(ctx).slice(0, MAX_OWNER_LENGTH);
 */
export const MAX_OWNER_LENGTH = 256;

/**
 * The scope prefix of task keys in the CancellationManager. A running task's key is
 * `{ sessionId: 'task:' + owner, requestId: taskId }`: no request key has it (2025 sessions are
 * UUIDs, a connection's own scope `peer-…` or `serve-…`), and a cancel from one owner can only
 * ever name its own tasks, even one that travels over the bus while the store is unreachable.
 *
 * @example
 * taskKey('alice', id).sessionId === `${TASK_SCOPE_PREFIX}alice`; // true
 */
export const TASK_SCOPE_PREFIX = 'task:';

/**
 * The key of a running task in the CancellationManager.
 *
 * @example
 * manager.cancel(taskKey('anonymous', taskId), TASK_CANCELLED, { forward: true });
 */
export const taskKey = (owner: string, taskId: string): RequestKey => ({ sessionId: `${TASK_SCOPE_PREFIX}${owner}`, requestId: taskId });

/**
 * The reason a `tasks/cancel` gives: `ctx.signal.reason` of the task's handler, and
 * `ctx.cancelled$`'s value.
 *
 * @example
 * ctx.signal.addEventListener('abort', () => (ctx.signal.reason as CancelReason).method === 'tasks/cancel');
 */
export const TASK_CANCELLED: CancelReason = Object.freeze({ source: 'peer', reason: 'tasks/cancel', method: 'tasks/cancel' });
const TASK_EXPIRED: CancelReason = Object.freeze({ source: 'timeout', reason: 'the task outlived its ttlMs' });
const SERVER_CLOSED: CancelReason = CancelReason.of('close', 'the server closed');

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

type Rec = Record<string, unknown>;

const decoded = <A>(codec: t.Decoder<unknown, A>, u: unknown, method: string): A => {
  const d = codec.decode(u);
  if (E.isRight(d)) return d.right;
  throw new JsonRpcError(ErrorCodes.InvalidParams, preview(`Invalid params for ${method}: ${report(d.left).join('; ')}`, PREVIEW_MAX * 4));
};

// EXT "Error Handling": one answer for unknown, expired and another owner's task: a probe learns nothing
const unknownTask = (): JsonRpcError => new JsonRpcError(ErrorCodes.InvalidParams, 'Failed to retrieve task: Task not found or expired');

/**
 * The -32021 a request gets when it did not declare the tasks extension (EXT L797-799).
 *
 * @example
 * if (!declaresTasks(params)) throw tasksRequired();
 */
export const tasksRequired = (): JsonRpcError =>
  new JsonRpcError(ErrorCodes.MissingRequiredClientCapability, 'Missing required client capability: io.modelcontextprotocol/tasks', TASKS_REQUIRED);

const countOf = (name: string, v: number | undefined, d: number, max = Number.MAX_SAFE_INTEGER): number => {
  const n = v ?? d;
  if (!(Number.isInteger(n) && n > 0 && n <= max)) throw new TypeError(`tasks.${name} must be an integer from 1 to ${max}, got ${String(v)}`);
  return n;
};

/** One task running on this instance. */
interface Running {
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
  const running = new Map<string, Running>();
  let closed = false;

  const ownerOf = (params: unknown, ctx: RequestContext): string => {
    if (options.owner === undefined) return ANONYMOUS_OWNER;
    const o = options.owner(new McpRequestContext(ctx, params, undefined));
    if (typeof o !== 'string' || o.length === 0 || o.length > MAX_OWNER_LENGTH) throw new JsonRpcError(ErrorCodes.InternalError, 'Internal error: the task owner of this request is not a string of 1 to 256 characters');
    return o;
  };
  const requireExtension = (params: unknown): void => {
    if (!declaresTasks(params)) throw tasksRequired();
  };
  const failed = (taskId: string, what: string, e: unknown): void => emit({ type: 'task-store-failed', taskId, what, why: preview(messageOf(e), PREVIEW_MAX) });

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

  /** The record of `taskId` if this request's owner may see it, else -32602 (the same for unknown, expired and foreign). */
  const visible = async (taskId: string, params: unknown, ctx: RequestContext): Promise<TaskRecord> => {
    const r = await store.get(taskId);
    if (r === undefined || r.owner !== ownerOf(params, ctx)) throw unknownTask();
    return r;
  };

  const handlers: TaskRuntime['handlers'] = {
    'tasks/get': (params, ctx) =>
      defer(async () => {
        requireExtension(params);
        const { taskId } = decoded(TaskParams, params, 'tasks/get');
        return detailedTask(await visible(taskId, params, ctx)) as Rec;
      }),
    'tasks/update': (params, ctx) =>
      defer(async () => {
        requireExtension(params);
        const { taskId, inputResponses } = decoded(UpdateTaskParams, params, 'tasks/update');
        await visible(taskId, params, ctx);
        // EXT L377-379: an empty ack; answers to keys not outstanding are ignored
        await store.update(taskId, { kind: 'answer', inputResponses });
        return {};
      }),
    'tasks/cancel': (params, ctx) =>
      defer(async () => {
        requireExtension(params);
        const { taskId } = decoded(TaskParams, params, 'tasks/cancel');
        const owner = ownerOf(params, ctx);
        const key = taskKey(owner, taskId);
        let r: TaskRecord | undefined;
        try {
          r = await store.get(taskId);
        } catch (e) {
          // the store is unreachable: the bus keeps the cancel (recorded, retried after the
          // outage) and the owner is in the key, so it can stop only this owner's task
          failed(taskId, 'cancel', e);
          manager.cancel(key, TASK_CANCELLED, { forward: true });
          return {};
        }
        if (r === undefined || r.owner !== owner) throw unknownTask();
        // EXT L404: cancelling a terminal task is the same empty ack
        if (isTerminal(r.status)) return {};
        // the intent, durably: whichever instance reads the task sees a cancel was asked for
        await store.update(taskId, { kind: 'cancel-requested' }).catch((e: unknown) => failed(taskId, 'cancel-requested', e));
        // wherever it runs: here at once, elsewhere over the bus
        manager.cancel(key, TASK_CANCELLED, { forward: true });
        return {};
      }),
  };

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
