// Which front principal got which upstream task: many front clients share one upstream client,
// so the upstream sees one owner for all their tasks, and the gateway must keep each task to the
// front that got it (EXT "Security": authorization is checked on every task request).

/**
 * The default bound of upstream tasks the gateway remembers for one front principal.
 *
 * @example
 * mcpGateway({ upstream, maxTasksPerSender: DEFAULT_GATEWAY_MAX_TASKS_PER_SENDER / 10 });
 */
export const DEFAULT_GATEWAY_MAX_TASKS_PER_SENDER = 1_000;
/**
 * How long a task is remembered when the upstream gives it no `ttlMs` (`null`: unlimited), in ms.
 *
 * @example
 * new TaskOwners(100, DEFAULT_GATEWAY_TASK_TTL_MS);
 */
export const DEFAULT_GATEWAY_TASK_TTL_MS = 60 * 60_000;
// entries the sweep looks at per remember(): each is looked at again after all the others, so
// an expired one goes after at most (size / SWEEP) tasks created, at O(1) per message
const SWEEP = 2;

interface Owned {
  readonly sender: string;
  readonly expiresAt: number;
}

/**
 * The upstream task ids the gateway handed to each front principal: `remember` when a front got
 * a `CreateTaskResult`, `owns` before a `tasks/get`, `tasks/update` or `tasks/cancel` of it is
 * forwarded. Bounded two ways: at most `maxPerSender` live tasks per principal (`remember` says
 * no past it: the gateway then follows that task itself), and each entry only until the task's
 * TTL (`ttlMs` from its creation, the upstream's own; `defaultTtlMs` when it gives none). Expired
 * entries are dropped when looked up and by a sweep of two entries per `remember`, which walks the
 * whole map over and over: every step is O(1).
 *
 * @example
 * const owners = new TaskOwners(100, 3_600_000);
 * owners.remember('alice', created.taskId, created.ttlMs, Date.now()); // true
 * owners.owns('mallory', created.taskId, Date.now()); // false: answered -32602, not forwarded
 */
export class TaskOwners {
  private readonly tasks = new Map<string, Owned>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly maxPerSender: number = DEFAULT_GATEWAY_MAX_TASKS_PER_SENDER,
    private readonly defaultTtlMs: number = DEFAULT_GATEWAY_TASK_TTL_MS,
  ) {}

  /** Tasks remembered now, expired ones not yet swept included. */
  get size(): number {
    return this.tasks.size;
  }

  /** `sender` got task `taskId`: remember it, or say no (`false`) when `sender` holds `maxPerSender` already. */
  remember(sender: string, taskId: string, ttlMs: number | null | undefined, now: number): boolean {
    this.sweep(now);
    const known = this.tasks.get(taskId);
    if (known !== undefined) this.forget(taskId, known);
    const n = this.counts.get(sender) ?? 0;
    if (n >= this.maxPerSender) return false;
    const ttl = typeof ttlMs === 'number' && Number.isFinite(ttlMs) && ttlMs >= 0 ? ttlMs : this.defaultTtlMs;
    this.tasks.set(taskId, { sender, expiresAt: now + ttl });
    this.counts.set(sender, n + 1);
    return true;
  }

  /** Whether `sender` got `taskId` and it has not expired: another principal's task is as unknown as no task. */
  owns(sender: string, taskId: string, now: number): boolean {
    const o = this.tasks.get(taskId);
    if (o === undefined) return false;
    if (o.expiresAt <= now) {
      this.forget(taskId, o);
      return false;
    }
    return o.sender === sender;
  }

  private forget(taskId: string, o: Owned): void {
    this.tasks.delete(taskId);
    const n = this.counts.get(o.sender) ?? 0;
    if (n <= 1) this.counts.delete(o.sender);
    else this.counts.set(o.sender, n - 1);
  }

  // the oldest entries first; one still live goes to the back (a Map keeps insertion order)
  private sweep(now: number): void {
    for (let i = 0; i < SWEEP && i < this.tasks.size; i++) {
      const first = this.tasks.entries().next();
      if (first.done === true) return;
      const [taskId, o] = first.value;
      this.tasks.delete(taskId);
      if (o.expiresAt <= now) this.forget(taskId, o);
      else this.tasks.set(taskId, o);
    }
  }
}
