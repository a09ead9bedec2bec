import * as E from 'fp-ts/lib/Either.js';
import { classifyMessage } from '../../codec/decode.js';
import { requestVersion } from '../../codec/era.js';
import { ErrorCodes } from '../../codec/error-codes.js';
import { RequestId } from '../../codec/messages.js';
import { PREVIEW_MAX, preview } from '../../codec/preview.js';
import type { MirroredHeader } from '../../codec/mirrored-header.js';
import { namedMember } from '../../codec/target.js';
import { compareHeaderValue } from '../header-value.js';
import type { HttpExchange } from './exchange.js';

/** Why an HTTP request is refused: its status, and the JSON-RPC error its body carries (if any). */
export interface Refusal {
  readonly status: number;
  readonly code?: number;
  readonly message: string;
  readonly id?: RequestId | null;
  readonly data?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

const LOCAL_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The `Origin` check against DNS rebinding (MCP basic/transports, "Security"): a request with an
 * `Origin` must come from an allowed one: `allowed` when given, else a page on this machine.
 */
export const originRefusal = (ex: HttpExchange, allowed: readonly string[] | undefined): Refusal | undefined => {
  const origin = ex.header('origin');
  if (origin === undefined) return undefined;
  if (allowed !== undefined) return allowed.includes(origin) ? undefined : { status: 403, message: `Forbidden: origin ${preview(origin, PREVIEW_MAX)} is not allowed` };
  try {
    const u = new URL(origin);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && LOCAL_HOSTS.has(u.hostname)) return undefined;
  } catch {
    // not a URL: refused below
  }
  return { status: 403, message: `Forbidden: origin ${preview(origin, PREVIEW_MAX)} is not allowed` };
};

/** A POST must say its body is JSON (415), and accept both kinds of answer (406). */
export const postRefusal = (ex: HttpExchange): Refusal | undefined => {
  const type = (ex.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/json')) return { status: 415, message: 'Unsupported Media Type: the body must be application/json' };
  // MCP basic/transports: the client MUST list both (a wildcard accepts both)
  const accept = (ex.header('accept') ?? '*/*').toLowerCase();
  if (!accept.includes('*/*') && !(accept.includes('application/json') && accept.includes('text/event-stream')))
    return { status: 406, message: 'Not Acceptable: the client must accept both application/json and text/event-stream' };
  return undefined;
};

/** Whether the client accepts an SSE answer (else every answer is one JSON body). */
export const acceptsSse = (ex: HttpExchange): boolean => {
  const accept = (ex.header('accept') ?? '*/*').toLowerCase();
  return accept.includes('text/event-stream') || accept.includes('*/*');
};

const mismatch = (id: RequestId | null, message: string): Refusal => ({ status: 400, code: ErrorCodes.HeaderMismatch, message: `Header mismatch: ${message}`, id });

/**
 * What a 2026-07-28 request's body must be mirrored by in its headers beyond the standard ones (`McpServer.mirroredHeaders`).
 *
 * @example
 * // a tools/call must mirror its `region` argument in Mcp-Param-Region (mcpServer derives this from x-mcp-header)
 * const mirroredHeaders: MirroredHeaders = (m) =>
 *   m.method === 'tools/call' ? [{ header: 'Mcp-Param-Region', value: (m.params as { arguments?: { region?: unknown } } | undefined)?.arguments?.region }] : [];
 * streamableHttp({ handlers, mirroredHeaders });
 */
export type MirroredHeaders = (message: { readonly method: string; readonly params?: unknown }) => readonly MirroredHeader[];

// the one wording of a header that is no valid value, for Mcp-Name and every Mcp-Param-*
const malformed = (id: RequestId | null, header: string): Refusal =>
  mismatch(id, `the ${header} header is not a valid value: characters outside visible ASCII, or not valid Base64 UTF-8 in =?base64?…?=`);

const isMirrorable = (u: unknown): u is string | number | boolean => typeof u === 'string' || typeof u === 'number' || typeof u === 'boolean';

/**
 * One mirrored header against its body value (docs/protocol.md M7; MCP 2026-07-28, "Server
 * Behavior for Custom Headers"): a value present needs its header, equal once decoded; a value null or absent
 * expects none, and a header sent for it is refused too: it claims a value the body does not
 * have, and a proxy may have routed on it.
 */
const mirrorRefusal = (ex: HttpExchange, m: MirroredHeader, id: RequestId | null, q: (s: string) => string): Refusal | undefined => {
  // header names are case-insensitive (RFC 9110); the exchange looks them up in lower case
  const raw = ex.header(m.header.toLowerCase());
  const absent = m.value === undefined || m.value === null;
  if (raw === undefined) return absent ? undefined : mismatch(id, `the ${m.header} header is required: the body has a value for it`);
  if (absent) return mismatch(id, `${m.header} header value ${q(raw)} has no value in the body`);
  if (!isMirrorable(m.value)) return mismatch(id, `the body value of ${m.header} is not a string, integer or boolean`);
  const c = compareHeaderValue(raw, m.value);
  if (c === 'malformed') return malformed(id, m.header);
  if (c === 'mismatch') return mismatch(id, `${m.header} header value ${q(raw)} does not match body value ${q(String(m.value))}`);
  return undefined;
};

/**
 * The 2026-07-28 headers of a POST against its body (MCP 2026-07-28, "Server Validation"):
 * `MCP-Protocol-Version` equals the body's `_meta` version, `Mcp-Method` its method, `Mcp-Name`
 * (decoded from Base64 when sent so) its `name` or `uri`, and each header `mirrored` lists (the
 * `Mcp-Param-*` of a tool's `x-mcp-header` arguments) its value. A mismatch, a missing or a
 * malformed header is 400 with -32020; values are quoted bounded, and a header longer than any
 * encoding of its body value is refused without being decoded.
 */
export const headerRefusal = (
  ex: HttpExchange,
  body: { readonly method: string; readonly id?: unknown; readonly params?: unknown },
  mirrored?: MirroredHeaders,
): Refusal | undefined => {
  const id = RequestId.is(body.id) ? body.id : null;
  // header values are short by nature: quoted at most 64 characters, so the reply stays small
  const q = (s: string): string => `'${preview(s, 64)}'`;
  const version = ex.header('mcp-protocol-version');
  const named = requestVersion(body.params);
  if (version === undefined) return mismatch(id, 'the MCP-Protocol-Version header is required');
  if (named !== undefined && named !== version) return mismatch(id, `MCP-Protocol-Version header value ${q(version)} does not match body value ${q(named)}`);
  const method = ex.header('mcp-method');
  if (method === undefined) return mismatch(id, 'the Mcp-Method header is required');
  if (method !== body.method) return mismatch(id, `Mcp-Method header value ${q(method)} does not match body value ${q(body.method)}`);
  if (!('id' in body)) return undefined;
  const member = namedMember(body.method);
  if (member !== undefined) {
    const raw = ex.header('mcp-name');
    if (raw === undefined) return mismatch(id, `the Mcp-Name header is required for ${body.method}`);
    const value = typeof body.params === 'object' && body.params !== null ? (body.params as Record<string, unknown>)[member] : undefined;
    if (typeof value !== 'string') return mismatch(id, `Mcp-Name header value ${q(raw)} does not match body value (no params.${member})`);
    const c = compareHeaderValue(raw, value);
    if (c === 'malformed') return malformed(id, 'Mcp-Name');
    if (c === 'mismatch') return mismatch(id, `Mcp-Name header value ${q(raw)} does not match body value ${q(value)}`);
  }
  for (const m of mirrored?.(body) ?? []) {
    const r = mirrorRefusal(ex, m, id, q);
    if (r !== undefined) return r;
  }
  return undefined;
};

/**
 * The HTTP status of an answer that is one JSON-RPC error (MCP 2026-07-28: protocol errors are
 * 400, an unknown method 404); any other answer is 200.
 */
export const statusOfError = (code: number): number =>
  code === ErrorCodes.MethodNotFound ? 404
    : code === ErrorCodes.ParseError || code === ErrorCodes.InvalidRequest || code === ErrorCodes.InvalidParams || (code <= -32020 && code >= -32022) ? 400
    : 200;

/**
 * The ids a POST's answer waits for: each element the peer will answer (a request, or an invalid
 * request-shaped value with a usable id, which gets its -32600 with that id). A value it would
 * answer with `id: null` has no place on any stream, so the POST is refused instead (400), and
 * so is an empty batch or one over `maxBatch`.
 */
export const answeredIds = (body: unknown, maxBatch: number): RequestId[] | Refusal => {
  const items = Array.isArray(body) ? (body as unknown[]) : [body];
  if (Array.isArray(body) && (items.length === 0 || items.length > maxBatch))
    return { status: 400, code: ErrorCodes.InvalidRequest, message: `Invalid request: a batch must hold 1 to ${maxBatch} messages`, id: null };
  const ids: RequestId[] = [];
  for (const item of items) {
    const d = classifyMessage(item);
    if (E.isRight(d)) {
      if (d.right.kind === 'request') ids.push(d.right.message.id);
      continue;
    }
    const e = d.left;
    if (e.shape === 'notification' || e.shape === 'response') continue;
    if (e.id === null) return { status: 400, code: ErrorCodes.InvalidRequest, message: `Invalid request: ${e.errors.join('; ')}`, id: null };
    ids.push(e.id);
  }
  return ids;
};
