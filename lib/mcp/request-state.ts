import { createHmac, timingSafeEqual } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { asyncScheduler, type SchedulerLike } from 'rxjs';

/**
 * What a handler keeps between the rounds of a 2026-07-28 request that needed input (MCP
 * `requestState`): a text, or a JSON object. The server seals it before it goes to the client and
 * gives it back to the handler only once it is verified.
 *
 * @example
 * // kept by the client between the rounds, sealed; back in `ctx.requestState` once verified
 * const state: RequestState = { step: 'confirm', name: 'Ada' };
 * inputRequired({ inputRequests: { confirm: askConfirm('Ada') }, requestState: state });
 */
export type RequestState = string | { readonly [key: string]: unknown };

/**
 * What a sealed state is bound to: the request it was issued for (method, and the tool's, prompt's or resource's name).
 *
 * @example
 * const binding: StateBinding = { method: 'resources/read', name: 'file:///report.pdf' };
 * const sealed = codec.seal({ page: 3 }, binding);
 * codec.open(sealed, { method: 'resources/read', name: 'file:///other.pdf' }); // Left('foreign')
 */
export interface StateBinding {
  readonly method: string;
  /** `params.name` of `tools/call` and `prompts/get`, `params.uri` of `resources/read`. */
  readonly name: string;
}

/**
 * Why an echoed `requestState` was refused: every reason is the same -32602 on the wire.
 *
 * @example
 * const opened = codec.open(echoed, binding);
 * if (E.isLeft(opened)) {
 *   const why: StateRefusal = opened.left;
 *   audit.warn(`requestState refused: ${why}`);
 * }
 */
export type StateRefusal = 'malformed' | 'forged' | 'expired' | 'foreign';

/**
 * Options of {@link requestStateCodec}.
 *
 * @example
 * // every instance behind one endpoint shares the secret
 * const requestState: RequestStateOptions = { secret: readFileSync('/run/secrets/mcp-state'), ttlMs: 5 * 60_000 };
 * mcpServer({ info, tools, requestState });
 */
export interface RequestStateOptions {
  /** The HMAC-SHA256 key: at least 32 bytes (a string counts its UTF-8 bytes). Keep it secret; share it between the instances that serve one endpoint. */
  readonly secret: string | Uint8Array;
  /** How long a sealed state stays good, in ms: time for a user to answer. Default 600,000 (10 minutes). */
  readonly ttlMs?: number;
  /** Where the time comes from (tests: a TestScheduler). Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Seals a handler's state into the opaque text a client echoes, and opens what it echoes.
 *
 * @example
 * const codec: RequestStateCodec = requestStateCodec({ secret });
 * const sealed = codec.seal({ step: 2 }, { method: 'tools/call', name: 'book' });
 * codec.open(sealed, { method: 'tools/call', name: 'book' }); // Right({ step: 2 })
 * mcpServer({ info, tools, requestState: codec });
 */
export interface RequestStateCodec {
  /** The opaque text of `state`, bound to `binding`, good for the codec's TTL. */
  seal(state: RequestState, binding: StateBinding): string;
  /** The state sealed in `sealed`, if it is intact, current and bound to `binding`; else why not. */
  open(sealed: string, binding: StateBinding): E.Either<StateRefusal, RequestState>;
}

/**
 * The longest `requestState` text opened: past it, a text is refused before any work.
 *
 * @example
 * MAX_REQUEST_STATE_LENGTH === 64 * 1024; // true
 * codec.open('v1.'.padEnd(MAX_REQUEST_STATE_LENGTH + 1, 'A'), binding); // Left('malformed'), before any HMAC
 */
export const MAX_REQUEST_STATE_LENGTH = 64 * 1024;

/**
 * The default life of a sealed state: 10 minutes.
 *
 * @example
 * DEFAULT_STATE_TTL_MS === 10 * 60 * 1000; // true
 * requestStateCodec({ secret, ttlMs: DEFAULT_STATE_TTL_MS * 3 }); // half an hour for the user to answer
 */
export const DEFAULT_STATE_TTL_MS = 600_000;

const VERSION = 'v1';
const MIN_SECRET_BYTES = 32;

// what the MAC covers: the state, when it expires, and the request it was issued for
const Sealed = t.type({ s: t.union([t.string, t.UnknownRecord]), e: t.number, m: t.string, n: t.string });

const b64url = (b: Buffer): string => b.toString('base64url');
// strict: Buffer.from(x, 'base64url') skips characters it does not know, so a tampered text could decode
const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * A codec for the `requestState` of 2026-07-28 multi-round requests (SEP-2322): the state a
 * handler returns is sealed with HMAC-SHA256 over the state, an expiry and the request it belongs
 * to (method, and the tool, prompt or resource name), as the spec asks of state a client could
 * alter. The client can read it (it is base64url JSON, not encrypted: keep secrets out of it) but
 * not change it, replay it after its TTL, or replay it on another tool.
 *
 * @example
 * const codec = requestStateCodec({ secret: randomBytes(32), ttlMs: 300_000 }); // one instance; several must share one secret
 * const sealed = codec.seal({ round: 1 }, { method: 'tools/call', name: 'book' });
 * codec.open(sealed, { method: 'tools/call', name: 'book' }); // Right({ round: 1 })
 * codec.open(sealed + 'x', { method: 'tools/call', name: 'book' }); // Left('forged')
 */
export const requestStateCodec = (options: RequestStateOptions): RequestStateCodec => {
  const { secret } = options;
  const size = typeof secret === 'string' ? Buffer.byteLength(secret, 'utf8') : secret instanceof Uint8Array ? secret.byteLength : -1;
  if (size < MIN_SECRET_BYTES) throw new TypeError(`requestStateCodec: secret must be a string or Uint8Array of at least ${MIN_SECRET_BYTES} bytes (HMAC-SHA256 key)`);
  const ttlMs = options.ttlMs ?? DEFAULT_STATE_TTL_MS;
  if (!(Number.isInteger(ttlMs) && ttlMs > 0)) throw new TypeError(`requestStateCodec: ttlMs must be a positive integer, got ${String(ttlMs)}`);
  const scheduler = options.scheduler ?? asyncScheduler;
  // copied: a caller who reuses its buffer cannot change the key under us
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  const mac = (payload: string): Buffer => createHmac('sha256', key).update(`${VERSION}.${payload}`).digest();

  return {
    seal: (state, binding) => {
      const payload = b64url(Buffer.from(JSON.stringify({ s: state, e: scheduler.now() + ttlMs, m: binding.method, n: binding.name }), 'utf8'));
      return `${VERSION}.${payload}.${b64url(mac(payload))}`;
    },
    open: (sealed, binding) => {
      if (sealed.length > MAX_REQUEST_STATE_LENGTH) return E.left('malformed');
      const parts = sealed.split('.');
      if (parts.length !== 3 || parts[0] !== VERSION) return E.left('malformed');
      const [, payload = '', tag = ''] = parts;
      if (!B64URL.test(payload) || !B64URL.test(tag)) return E.left('malformed');
      // the MAC first, in constant time: nothing of an unverified text is parsed. Its text, not
      // its bytes: the last base64url character has bits decoding ignores, so two texts share bytes
      const given = Buffer.from(tag, 'utf8');
      const expected = Buffer.from(b64url(mac(payload)), 'utf8');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return E.left('forged');
      const decoded = E.flatMap((u: unknown) => Sealed.decode(u))(E.tryCatch(() => JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown, E.toError));
      if (E.isLeft(decoded)) return E.left('malformed');
      const { s, e, m, n } = decoded.right;
      if (scheduler.now() >= e) return E.left('expired');
      if (m !== binding.method || n !== binding.name) return E.left('foreign');
      return E.right(s);
    },
  };
};
