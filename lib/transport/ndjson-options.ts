// The options of `ndjson` and their defaults.

/**
 * The default longest line `ndjson` reads: 4 MiB. Longer lines are discarded, never buffered.
 *
 * @example
 * ndjson(input, output, { maxLineBytes: DEFAULT_MAX_LINE_BYTES / 4 });
 */
export const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;
/**
 * The default cap on bytes waiting for `'drain'`: 16 MiB.
 *
 * @example
 * ndjson(input, output, { maxQueuedBytes: 2 * DEFAULT_MAX_QUEUED_BYTES });
 */
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/**
 * The default cap on new work (requests, notifications) read and held while the output is
 * backed up, before reading stops: 1 MiB.
 *
 * @example
 * ndjson(input, output, { maxHeldBytes: 4 * DEFAULT_MAX_HELD_BYTES });
 */
export const DEFAULT_MAX_HELD_BYTES = 1024 * 1024;

/**
 * Options of {@link ndjson}.
 *
 * @example
 * // stdout belongs to the process: leave it open when the connection closes
 * ndjson(process.stdin, process.stdout, { endOnClose: false, maxLineBytes: 1024 * 1024 });
 */
export interface NdjsonOptions {
  /** The longest line read, in bytes (without its newline). Over it: -32700 and a `message-rejected` event; the rest of the line is skipped. */
  readonly maxLineBytes?: number;
  /**
   * Bytes of messages held while the writable asks us to wait (`write()` returned false),
   * progress included. Progress is shed first (only the latest of each token waits); a message
   * that must be delivered and does not fit closes the connection (its `send` rejects): never
   * unbounded memory, never a silent loss. Default 16 MiB.
   */
  readonly maxQueuedBytes?: number;
  /**
   * Bytes of new work (requests, notifications other than progress and cancels) read while the
   * output is backed up, held until it catches up. Over it the readable is paused (and resumed
   * once the output caught up), so a peer that does not read cannot push more work. Responses,
   * progress, and cancels of requests not held are never held. Default 1 MiB.
   */
  readonly maxHeldBytes?: number;
  /** End the writable on `close()`, so the other side sees end of input. Default true. */
  readonly endOnClose?: boolean;
}

