import { ErrorCodes } from '../codec/error-codes.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import { messageOf } from '../errors.js';

/** The last resort of a response: -32603 with only our own strings, which JSON always carries. */
const internalError = (id: unknown, why: string): string => {
  const error = { code: ErrorCodes.InternalError, message: `Internal error: ${why}` };
  // an id JSON cannot carry (it never is, once decoded) still gets an answer: `null`, as J5 allows
  return JSON.stringify({ jsonrpc: '2.0', id: typeof id === 'string' || typeof id === 'number' ? id : null, error });
};

/**
 * A message as JSON text, for every transport. Every request must get exactly one response, so
 * a response JSON cannot carry (a BigInt, a cycle) is answered anyway: a result becomes -32603;
 * an error keeps its code and message and loses its `data`, and becomes -32603 if even that
 * fails. A request or a notification is nobody's answer: it is refused, as an `Error`, never
 * thrown into the caller.
 *
 * @example
 * const json = toJson(m);
 * if (typeof json === 'string') socket.write(json); else report(json);
 */
export const toJson = (m: JsonRpcMessage): string | Error => {
  try {
    return JSON.stringify(m);
  } catch (e) {
    if ('result' in m) return internalError(m.id, `the result cannot be serialized: ${messageOf(e)}`);
    if ('error' in m) {
      try {
        return JSON.stringify({ jsonrpc: '2.0', id: m.id, error: { code: m.error.code, message: m.error.message } });
      } catch (again) {
        return internalError(m.id, `the error cannot be serialized: ${messageOf(again)}`);
      }
    }
    return new Error(`the message cannot be serialized: ${messageOf(e)}`);
  }
};
