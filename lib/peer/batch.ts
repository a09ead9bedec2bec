/**
 * JSON-RPC batches (SPEC-NOTES J6): a non-empty array is taken apart and each element handled as
 * if it had come alone, so every rule (no reply to a notification, one reply per request, the
 * cancellation rules) holds inside a batch too; an element that is itself an array is invalid
 * (-32600, id null). `[]` is handled as one invalid value: a single -32600 with id null. A batch
 * of notifications alone therefore gets nothing, never `[]`.
 *
 * The replies go out one message each, not as one array: `outgoing$` carries single messages
 * (DESIGN), MCP removed batching in 2025-06-18, and a cancelled element would otherwise hold
 * the whole batch's answer back forever.
 *
 * @example
 * incoming$.subscribe((u) => eachMessage(u, route));
 */
export const eachMessage = (u: unknown, handle: (m: unknown) => void): void => {
  if (!Array.isArray(u) || u.length === 0) return handle(u);
  for (const m of u) handle(m);
};
