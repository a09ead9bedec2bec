import { CancelReason, type RequestKey } from '../manager/request-key.js';

// How a running task is named in the CancellationManager, and the reasons that end it there: a
// task is one more request in the registry, under a key of its own owner's task scope.

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
/** The reason of a task's TTL: its work is stopped, and it settles `failed` (expired). */
export const TASK_EXPIRED: CancelReason = Object.freeze({ source: 'timeout', reason: 'the task outlived its ttlMs' });
/** The reason of the server's close: every task running here settles `cancelled`. */
export const SERVER_CLOSED: CancelReason = CancelReason.of('close', 'the server closed');
