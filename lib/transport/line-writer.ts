import { ErrorCodes } from '../codec/error-codes.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import { PROGRESS, type ProgressToken } from '../codec/progress.js';
import { messageOf } from '../errors.js';
import { WireFault } from '../peer/wire-fault.js';

// The writing half of NDJSON framing: a message into one line, and what the write queue needs
// to know of it.

/** The last resort of a response: -32603 with only our own strings, which JSON always carries. */
const internalError = (id: unknown, why: string): string => {
  const error = { code: ErrorCodes.InternalError, message: `Internal error: ${why}` };
  // an id JSON cannot carry (it never is, once decoded) still gets an answer: `null`, as J5 allows
  return `${JSON.stringify({ jsonrpc: '2.0', id: typeof id === 'string' || typeof id === 'number' ? id : null, error })}\n`;
};

/**
 * A message as one line. Every request must get exactly one response, so a response JSON cannot
 * carry (a BigInt, a cycle) is answered anyway: a result becomes -32603; an error keeps its code
 * and message and loses its `data`, and becomes -32603 if even that fails. A request or a
 * notification is nobody's answer: it is refused, as an `Error`, never thrown into the caller.
 */
export const serialize = (m: JsonRpcMessage): string | Error => {
  try {
    return `${JSON.stringify(m)}\n`;
  } catch (e) {
    if ('result' in m) return internalError(m.id, `the result cannot be serialized: ${messageOf(e)}`);
    if ('error' in m) {
      try {
        return `${JSON.stringify({ jsonrpc: '2.0', id: m.id, error: { code: m.error.code, message: m.error.message } })}\n`;
      } catch (again) {
        return internalError(m.id, `the error cannot be serialized: ${messageOf(again)}`);
      }
    }
    return new Error(`ndjson: the message cannot be serialized: ${messageOf(e)}`);
  }
};

/** The token of a progress notification: what the write queue may shed. */
export const progressTokenOf = (m: JsonRpcMessage): ProgressToken | undefined => {
  if (!('method' in m) || m.method !== PROGRESS || 'id' in m) return undefined;
  const token = m.params?.['progressToken'];
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
};

export const shedFault = (n: number): WireFault =>
  WireFault.of('transport-error', `output backed up: shed ${n} progress notification${n === 1 ? '' : 's'} (the latest of each request was kept)`, { shed: n });

