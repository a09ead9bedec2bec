import { Subject } from 'rxjs';
import { cancelledRequestId } from '../codec/cancelled.js';
import { requestVersion } from '../codec/era.js';
import { isRequestMessage, type JsonRpcMessage, type JsonRpcRequest, type RequestId } from '../codec/messages.js';
import { preview, PREVIEW_MAX } from '../codec/preview.js';
import { namedMember } from '../codec/target.js';
import { messageOf } from '../errors.js';
import { WireFault } from '../peer/wire-fault.js';
import { encodeHeaderValue } from './header-value.js';
import { ignorable, notSent } from './send-result.js';
import { sseEvents } from './sse-reader.js';
import type { WireTransport } from './wire.js';
import { extend } from '../codec/extend.js';

/**
 * The default bound of one message read from a server (a JSON body or one SSE event): 4 MiB of text.
 *
 * @example
 * DEFAULT_MAX_MESSAGE_CHARS === 4 * 1024 * 1024; // true
 * streamableHttpClient({ url, maxMessageChars: DEFAULT_MAX_MESSAGE_CHARS * 4 }); // a server that sends large results
 */
export const DEFAULT_MAX_MESSAGE_CHARS = 4 * 1024 * 1024;

/**
 * Options of {@link streamableHttpClient}.
 *
 * @example
 * const options: StreamableHttpClientOptions = { url: 'https://mcp.example.com/mcp', headers: { Authorization: `Bearer ${token}` } };
 * const { peer } = connect(streamableHttpClient(options), { era: '2026-07-28' });
 */
export interface StreamableHttpClientOptions {
  /** The server's MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`. */
  readonly url: string | URL;
  /** Sent with every POST (an `Authorization` header, say). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `fetch` to use; default the global one. */
  readonly fetch?: (url: URL, init: RequestInit) => Promise<Response>;
  /** The longest message read from the server; a longer one is skipped with a `transport-error` event. Default 4 MiB. */
  readonly maxMessageChars?: number;
}

const isResponseTo = (u: unknown, id: RequestId): boolean =>
  typeof u === 'object' && u !== null && !('method' in u) && (u as { id?: unknown }).id === id;

/**
 * A client transport for MCP 2026-07-28 over Streamable HTTP, on `fetch`: each request is one
 * POST, answered with JSON or an SSE stream that carries its progress and then its response.
 * Once its response is in, the stream is released (read no further, closed), even when the
 * server would leave it open: a request has no more to say after its response, and an answered
 * request must not hold a socket. That close comes after the response, so it cancels nothing.
 * Cancelling a request closes its stream, which *is* the cancel in this era (MCP 2026-07-28,
 * basic/patterns/cancellation, "Transport-Specific Cancellation"): the peer's
 * `notifications/cancelled` for it is never sent, it aborts that POST instead. So with
 * `connect`, unsubscribing a `peer.request(...)`, its timeout or its signal all end in the
 * server seeing the stream close.
 *
 * Every POST carries the headers the era requires: `MCP-Protocol-Version` (the request's
 * `_meta` version), `Mcp-Method`, and `Mcp-Name` for `tools/call`, `prompts/get`, the tasks methods and
 * `resources/read` (Base64-encoded when it is not plain ASCII). A POST that fails, or a stream
 * that ends without the response, errors that request at once (RequestSendError); what the
 * server sends that is not JSON or too long is a `transport-error` event, never a throw. After
 * `close()`, `send` posts nothing and rejects with `ConnectionClosedError`; like every Promise it
 * returns, that one is already handled, so ignoring it raises no `unhandledRejection`.
 *
 * For a 2025-11-25 server (sessions, `initialize`), use the official SDK's client transport
 * through `connect` instead.
 *
 * @example
 * const { peer } = connect(streamableHttpClient({ url: 'http://127.0.0.1:3000/mcp' }), { era: '2026-07-28' });
 * const call = peer.request('tools/call', { name: 'slow_count', arguments: { steps: 10 } }).subscribe(show);
 * call.unsubscribe(); // the POST is aborted: the server cancels the call
 */
export const streamableHttpClient = (options: StreamableHttpClientOptions): WireTransport => {
  const url = new URL(options.url);
  const fetchFn = options.fetch ?? ((u: URL, init: RequestInit) => fetch(u, init));
  const max = options.maxMessageChars ?? DEFAULT_MAX_MESSAGE_CHARS;
  const incoming = new Subject<unknown>();
  // the POST of each request still open, by id: what a cancel aborts and close() ends
  const posts = new Map<RequestId, AbortController>();
  let closed = false;

  const fault = (message: string, details?: unknown): void => {
    if (!closed) incoming.next(WireFault.of('transport-error', message, details));
  };
  // what a request's stream carries: its own response, and notifications; a response naming another
  // request is not this stream's to deliver (each request has its own stream in this era)
  const deliver = (text: string, own: RequestId): unknown => {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null && !('method' in value) && (value as { id?: unknown }).id !== own) {
        fault(`a response on the stream of request ${JSON.stringify(own)} names another request; dropped`, { id: preview(JSON.stringify((value as { id?: unknown }).id) ?? 'undefined', PREVIEW_MAX) });
        return undefined;
      }
      if (!closed) incoming.next(value);
      return value;
    } catch (e) {
      fault(`a message from the server is not JSON: ${messageOf(e)}`, { text: preview(text, PREVIEW_MAX) });
      return undefined;
    }
  };

  const headersOf = (m: JsonRpcMessage): Record<string, string> => {
    const h: Record<string, string> = extend(options.headers ?? {}, { 'content-type': 'application/json', accept: 'application/json, text/event-stream' });
    if (!('method' in m)) return h;
    h['mcp-protocol-version'] = requestVersion(m.params) ?? '2026-07-28';
    h['mcp-method'] = m.method;
    const member = namedMember(m.method);
    const name = member === undefined ? undefined : m.params?.[member];
    if (typeof name === 'string') h['mcp-name'] = encodeHeaderValue(name);
    return h;
  };

  const readAll = async (response: Response): Promise<string> => {
    const body = response.body;
    if (body === null) return '';
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += value;
      if (text.length > max) {
        await reader.cancel();
        throw new Error(`the server's answer is over ${max} characters`);
      }
    }
  };

  const post = async (m: JsonRpcRequest): Promise<void> => {
    const ac = new AbortController();
    posts.set(m.id, ac);
    try {
      const response = await fetchFn(url, { method: 'POST', headers: headersOf(m), body: JSON.stringify(m), signal: ac.signal });
      const type = response.headers.get('content-type') ?? '';
      let answered = false;
      if (type.startsWith('text/event-stream') && response.body !== null) {
        for await (const item of sseEvents(response.body, max)) {
          if (item.kind === 'too-large') fault(`an event from the server is over ${max} characters; skipped`);
          else if (isResponseTo(deliver(item.data, m.id), m.id)) {
            answered = true;
            // MCP 2026-07-28: a stream carries its own request only, so nothing after the response
            // is for us; a server that leaves the stream open would otherwise hold a socket per
            // call. Leaving the loop cancels the body (sseEvents). It is no cancel: the request is
            // answered already, and the POST is not aborted (its signal stays clear).
            break;
          }
        }
      } else if (type.startsWith('application/json')) {
        // an error status with a JSON-RPC error body (-32020, -32022, -32601) is an answer too
        answered = isResponseTo(deliver(await readAll(response), m.id), m.id);
      }
      if (!answered && !ac.signal.aborted && !closed)
        throw new Error(response.ok ? `the server ended the answer to request ${JSON.stringify(m.id)} without its response` : `HTTP ${response.status} ${response.statusText}`);
    } catch (e) {
      // aborted by its cancel or by close(): the request is over already, nothing failed
      if (ac.signal.aborted || closed) return;
      throw e;
    } finally {
      if (posts.get(m.id) === ac) posts.delete(m.id);
    }
  };

  const notify = async (m: JsonRpcMessage): Promise<void> => {
    const response = await fetchFn(url, { method: 'POST', headers: headersOf(m), body: JSON.stringify(m) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText} for a notification`);
  };

  return {
    incoming$: incoming.asObservable(),
    send: (m: JsonRpcMessage): Promise<void> | void => {
      if (closed) return notSent('streamableHttpClient', 'the transport is closed');
      const cancelled = cancelledRequestId(m);
      if (cancelled !== undefined) {
        // closing the stream is the cancel: abort the POST, send nothing
        posts.get(cancelled)?.abort(new Error('cancelled'));
        posts.delete(cancelled);
        return undefined;
      }
      // every Promise handled already: a caller of the transport itself may ignore it (connect does not)
      if (isRequestMessage(m)) return ignorable(post(m));
      // MCP 2026-07-28: a client sends no responses over Streamable HTTP (the server sends no requests)
      if (!('method' in m)) return ignorable(Promise.reject(new Error('a 2026-07-28 client sends no responses over Streamable HTTP')));
      return ignorable(notify(m));
    },
    close: () => {
      if (closed) return;
      closed = true;
      for (const ac of posts.values()) ac.abort(new Error('closed'));
      posts.clear();
      incoming.complete();
    },
  };
};
