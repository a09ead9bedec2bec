/**
 * Streamable HTTP, both protocol eras on one endpoint: the server transport (a Node
 * `(req, res)` handler and a web-standard `fetch` face, 2025 sessions behind a store), the
 * client transport, and the header codecs they share.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { streamableHttp } from 'mcp-rx-cancel/http';
 *
 * const http = streamableHttp({ handlers });
 * createServer((req, res) => void http.handle(req, res)).listen(3000);
 * ```
 *
 * @module mcp-rx-cancel/http
 */

// the server transport
export { streamableHttp, type StreamableHttp } from './transport/http/streamable-http.js';
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_SESSION_IDLE_MS, type StreamableHttpOptions } from './transport/http/http-options.js';
export type { HttpEvent } from './transport/http/events.js';
export type { AnswerMode } from './transport/http/answer.js';
export type { MirroredHeaders } from './transport/http/validate.js';

// 2025 sessions, and their store
export { memorySessions, DEFAULT_MAX_SESSIONS, type SessionStore, type SessionRecord } from './transport/http/sessions.js';
export { DEFAULT_SESSION_CHECK_MS } from './transport/http/session-check.js';

// streams: keep-alive, buffering, replay on reconnect
export { DEFAULT_KEEP_ALIVE_MS, DEFAULT_MAX_BUFFERED_BYTES } from './transport/http/exchange.js';
export { DEFAULT_MAX_REPLAY_BYTES, DEFAULT_MAX_REPLAY_EVENTS } from './transport/http/replay-log.js';
export { DEFAULT_RETRY_MS } from './transport/http/resumable-stream.js';

// the client transport, and the header codecs both sides use
export { streamableHttpClient, DEFAULT_MAX_MESSAGE_CHARS, type StreamableHttpClientOptions } from './transport/http-client.js';
export { encodeHeaderValue, decodeHeaderValue } from './transport/header-value.js';
export { PARAM_HEADER_PREFIX, type MirroredHeader } from './codec/mirrored-header.js';
