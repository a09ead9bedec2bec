import { WireFault } from './wire-fault.js';

/**
 * The default for `maxBatchSize`: 64 messages. MCP removed batches in 2025-06-18; a bound keeps
 * one input line from buying unbounded work (a 4 MiB line can hold two million elements).
 *
 * @example
 * DEFAULT_MAX_BATCH_SIZE; // 64
 * createPeer(incoming$, { handlers, maxBatchSize: DEFAULT_MAX_BATCH_SIZE / 4 });
 */
export const DEFAULT_MAX_BATCH_SIZE = 64;

/**
 * JSON-RPC batches (JSON-RPC 2.0 §6): a non-empty array is taken apart and each element handled
 * as if it had come alone, so every rule (no reply to a notification, one reply per request, the
 * cancellation rules) holds inside a batch too; an element that is itself an array is invalid
 * (-32600, id null). `[]` is handled as one invalid value: a single -32600 with id null. A batch
 * of notifications alone therefore gets nothing, never `[]`. A batch of more than `maxBatchSize`
 * elements is handed on as one `batch-too-large` fault (one -32600 with id null), at O(1) cost.
 *
 * The replies go out one message each, not as one array: `outgoing$` carries single messages,
 * MCP removed batching in 2025-06-18, and a cancelled element would otherwise hold the whole
 * batch's answer back forever.
 *
 * @example
 * incoming$.subscribe((u) => eachMessage(u, route, 16));
 */
export const eachMessage = (u: unknown, handle: (m: unknown) => void, maxBatchSize: number = DEFAULT_MAX_BATCH_SIZE): void => {
  if (!Array.isArray(u) || u.length === 0) return handle(u);
  if (u.length > maxBatchSize) {
    return handle(WireFault.of('batch-too-large', `Batch of ${u.length} messages over maxBatchSize ${maxBatchSize}`, { size: u.length, maxBatchSize }));
  }
  for (const m of u) handle(m);
};
