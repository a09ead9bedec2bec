/**
 * MCP over stdio, or any pair of Node streams: newline-delimited JSON framing with bounded lines
 * and queues, and `connect`, which wires a peer to it.
 *
 * @example
 * ```ts
 * import { connect, ndjson } from 'mcp-rx-cancel/stdio';
 *
 * const { peer, subscription } = connect(ndjson(process.stdin, process.stdout), { handlers });
 * peer.events$.subscribe(log);
 * // unsubscribing closes the connection: every request in flight is cancelled, once
 * process.on('SIGTERM', () => subscription.unsubscribe());
 * ```
 *
 * @module mcp-rx-cancel/stdio
 */

export { ndjson, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_HELD_BYTES, type NdjsonOptions } from './transport/ndjson.js';
export { connect } from './transport/connect.js';
