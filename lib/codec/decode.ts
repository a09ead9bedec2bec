import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { ErrorCodes } from './error-codes.js';
import { previewValue } from './preview.js';
import { report } from './report.js';
import {
  JsonRpcErrorResponse,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
  Method,
  RequestId,
} from './messages.js';
import { isUnknownRecord } from './unknown-record.js';

/**
 * The shape a value seemed to have, judged by which members it carries.
 *
 * @example
 * // a request, or a value of no usable shape, gets an error response; a bad notification or response only an event
 * const answered = (shape: MessageShape): boolean => shape === 'request' || shape === 'unknown';
 */
export type MessageShape = 'request' | 'notification' | 'response' | 'unknown';

/**
 * Why a value is not a valid message. A value, never a throw: the caller decides whether it
 * earns an error response (request-shaped, or no usable shape) or only an event (notification-
 * and response-shaped: no reply to those, docs/protocol.md J2 and C6).
 *
 * @example
 * const codeOf = (e: DecodeError): number => (e.invalidParams && e.method !== undefined && e.method in handlers ? ErrorCodes.InvalidParams : e.code);
 * const r = decodeMessage(JSON.parse(line));
 * if (E.isLeft(r) && (r.left.shape === 'request' || r.left.shape === 'unknown')) reply(r.left.id, codeOf(r.left), r.left.errors.join('; '));
 */
export interface DecodeError {
  readonly shape: MessageShape;
  /**
   * The value's own id, when it is usable (a string or an integer), else null. A request (or a
   * shapeless object) is answered with it, or with null when it is unreadable (J5); a response's
   * names the pending request it claims to answer, which then errors at once rather than waiting
   * for its timeout.
   */
  readonly id: RequestId | null;
  /** The method, when the value had a string one: lets the server answer -32602 for a known method. */
  readonly method?: string;
  /** True when only `params` is wrong: -32602 for a known method, -32600 otherwise. */
  readonly invalidParams: boolean;
  readonly code: typeof ErrorCodes.InvalidRequest;
  /** One line per failed path, bounded: a preview of the bad value, never the value (see `report`). */
  readonly errors: ReadonlyArray<string>;
}

/**
 * A decoded message tagged with its kind, so routing is one `switch`.
 *
 * @example
 * const route = (d: Decoded): void => {
 *   if (d.kind === 'request') serveRequest(d.message);
 *   else if (d.kind === 'notification') onNotification(d.message);
 *   else settle(d.message); // a response or an error response
 * };
 * pipe(classifyMessage(JSON.parse(line)), E.map(route));
 */
export type Decoded =
  | { readonly kind: 'request'; readonly message: JsonRpcRequest }
  | { readonly kind: 'notification'; readonly message: JsonRpcNotification }
  | { readonly kind: 'response'; readonly message: JsonRpcResponse }
  | { readonly kind: 'error-response'; readonly message: JsonRpcErrorResponse };

type Rec = Record<string, unknown>;

// "only `undefined` means absent" (docs/protocol.md C2): `{ id: undefined }` is no id at all, which is
// also how the SDK's in-memory transport hands over `params: undefined`.
const present = (o: Rec, k: string): boolean => o[k] !== undefined;

const usableId = (id: unknown): RequestId | null => (RequestId.is(id) ? id : null);

const shapeOf = (o: Rec): MessageShape =>
  present(o, 'method')
    ? present(o, 'id')
      ? 'request'
      : 'notification'
    : present(o, 'result') || present(o, 'error')
      ? 'response'
      : 'unknown';

const invalid = (
  o: Rec | undefined,
  shape: MessageShape,
  errors: ReadonlyArray<string>,
  invalidParams = false,
): E.Either<DecodeError, never> =>
  E.left({
    shape,
    // requests and shapeless objects are answered with it; a response's names its request
    id: o !== undefined && shape !== 'notification' ? usableId(o['id']) : null,
    ...(o !== undefined && typeof o['method'] === 'string' ? { method: o['method'] } : {}),
    invalidParams,
    code: ErrorCodes.InvalidRequest,
    errors,
  });

// The well-formed messages of every round trip, checked by hand: io-ts's `is` walks an
// intersection with `every` and a closure per member, per message. Each guard says yes only
// where its codec's `is` says yes (a spec checks it on arbitrary values); a no is no verdict,
// and the codec decides.
const isMethod = (u: unknown): boolean => typeof u === 'string' && u.length > 0;
const optionalParams = (u: unknown): boolean => u === undefined || isUnknownRecord(u);

/** @internal Says yes only where `JsonRpcRequest.is` does. */
export const looksLikeRequest = (o: Rec): boolean =>
  o['jsonrpc'] === '2.0' && RequestId.is(o['id']) && isMethod(o['method']) && optionalParams(o['params']);

/** @internal Says yes only where `JsonRpcNotification.is` does. */
export const looksLikeNotification = (o: Rec): boolean => o['jsonrpc'] === '2.0' && isMethod(o['method']) && optionalParams(o['params']);

/** @internal Says yes only where `JsonRpcResponse.is` does. */
export const looksLikeResponse = (o: Rec): boolean => o['jsonrpc'] === '2.0' && RequestId.is(o['id']) && isUnknownRecord(o['result']);

// `is` is the fast path: io-ts guards allocate nothing on a well-formed message. Only a value
// that fails it pays for `decode`, which collects the paths the error reports.
const check = <A>(codec: t.Type<A, unknown, unknown>, o: Rec, shape: MessageShape): E.Either<DecodeError, A> => {
  if (codec.is(o)) return E.right(o);
  const v = codec.decode(o);
  if (E.isRight(v)) return v;
  // params is the only bad member when the same value with valid params would pass: checked
  // member by member, not by copying the value (a hostile message may have 100,000 keys)
  const onlyParams = shape === 'request' && present(o, 'params') && o['jsonrpc'] === '2.0' && RequestId.is(o['id']) && Method.is(o['method']);
  return invalid(o, shape, report(v.left), onlyParams);
};

/**
 * Decode an unknown value (one parsed JSON message) into a tagged message.
 *
 * @example
 * pipe(classifyMessage(u), E.match((e) => reject(e), (d) => route(d)));
 */
export const classifyMessage = (u: unknown): E.Either<DecodeError, Decoded> => {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) {
    return invalid(undefined, 'unknown', [
      Array.isArray(u)
        ? u.length === 0
          ? 'Invalid value [] (an empty batch)'
          : 'Invalid value [...] (a batch inside a batch, or an array where a message was expected)'
        : `Invalid value ${previewValue(u, 64)} (expected a JSON-RPC message: an object)`,
    ]);
  }
  const o = u as Rec;
  const shape = shapeOf(o);
  // tagged by hand rather than with E.map: no closure per message on the hot path
  switch (shape) {
    case 'request': {
      if (looksLikeRequest(o)) return E.right({ kind: 'request', message: o as JsonRpcRequest });
      const r = check(JsonRpcRequest, o, shape);
      return E.isLeft(r) ? r : E.right({ kind: 'request', message: r.right });
    }
    case 'notification': {
      if (looksLikeNotification(o)) return E.right({ kind: 'notification', message: o as JsonRpcNotification });
      const r = check(JsonRpcNotification, o, shape);
      return E.isLeft(r) ? r : E.right({ kind: 'notification', message: r.right });
    }
    case 'response': {
      if (present(o, 'result') && present(o, 'error')) {
        // JSON-RPC 2.0 §5: exactly one of the two; taking either would guess what the peer meant
        return invalid(o, shape, ['Invalid response: it has both result and error (JSON-RPC 2.0 §5: exactly one)']);
      }
      if (present(o, 'error')) {
        const r = check(JsonRpcErrorResponse, o, shape);
        return E.isLeft(r) ? r : E.right({ kind: 'error-response', message: r.right });
      }
      if (looksLikeResponse(o)) return E.right({ kind: 'response', message: o as JsonRpcResponse });
      const r = check(JsonRpcResponse, o, shape);
      return E.isLeft(r) ? r : E.right({ kind: 'response', message: r.right });
    }
    case 'unknown':
      return invalid(o, shape, [
        'Invalid message (expected a method, a result or an error)',
      ]);
  }
};

/**
 * Decode an unknown value into a JSON-RPC message, with readable paths on failure.
 *
 * @example
 * const r = decodeMessage(JSON.parse(line));
 * if (E.isLeft(r)) console.log(r.left.errors.join('\n'));
 */
export const decodeMessage = (u: unknown): E.Either<DecodeError, JsonRpcMessage> =>
  E.map((d: Decoded): JsonRpcMessage => d.message)(classifyMessage(u));
