// How often a client polls `tasks/get` for a task it follows where it cannot listen: from the
// task's suggestion, backing off while nothing changes.

/**
 * The first poll delay, and the longest: polls back off from the task's `pollIntervalMs` (at least the first) to the longest.
 *
 * @example
 * pollDelay(10, 0) === POLL_MIN_MS; // true: never faster
 */
export const POLL_MIN_MS = 250;
/**
 * The longest delay between two `tasks/get` polls.
 *
 * @example
 * pollDelay(1_000, 100) === POLL_MAX_MS; // true: never slower
 */
export const POLL_MAX_MS = 30_000;

/**
 * The delay before poll `n` (0-based) of a task that suggests `pollIntervalMs`: the suggestion
 * (at least {@link POLL_MIN_MS}), growing by half each poll without change, at most
 * {@link POLL_MAX_MS}. Pure.
 *
 * @example
 * pollDelay(1000, 0); // 1000
 * pollDelay(1000, 2); // 2250
 */
export const pollDelay = (pollIntervalMs: number | undefined, n: number): number =>
  Math.min(POLL_MAX_MS, Math.round(Math.max(POLL_MIN_MS, pollIntervalMs ?? 1_000) * 1.5 ** n));
