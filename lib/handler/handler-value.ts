import { isObservable, observable, type ObservableInput } from 'rxjs';
import { ErrorCodes, isLocalCode } from '../codec/error-codes.js';
import { CancellationError, CancellationErrorResult, JsonRpcError, messageOf } from '../errors.js';
import type { RequestOutcome } from './outcome.js';

// What a handler gave, read as a request's outcome: its value (an object is the result; anything
// else is an error), what it threw or rejected with (its own JsonRpcError, or -32603), and whether
// what it returned is something to subscribe to.

/** Whether `o[k]` is a function. */
const isFunction = (o: object, k: PropertyKey): boolean => typeof (o as Record<PropertyKey, unknown>)[k] === 'function';
/**
 * Whether a handler returned what rxjs's from() accepts, tested as it tests it (a function, not
 * just a key): a result object with a Symbol.iterator member that is not one would make rxjs
 * throw its own TypeError, and that message would go on the wire.
 */
export const isInput = (v: unknown): v is ObservableInput<unknown> =>
  isObservable(v) ||
  (typeof v === 'object' &&
    v !== null &&
    (isFunction(v, 'then') || isFunction(v, Symbol.iterator) || isFunction(v, Symbol.asyncIterator) || isFunction(v, observable)));

/**
 * Thrown in place of calling a handler that is not a function. The maps are checked where they
 * are given, but RequestHandler takes one handler per call, and a map is the caller's object:
 * a member can be swapped after the check.
 */
export class NotAFunction {
  constructor(
    readonly method: string,
    readonly got: string,
  ) {}
}

/** The outcome of a handler's value: an object (or nothing) is the result, anything else -32603. */
export const toResult = (v: unknown): RequestOutcome => {
  if (v === undefined || v === null) return { type: 'result', result: {} };
  if (typeof v === 'object' && !Array.isArray(v)) return { type: 'result', result: v as Record<string, unknown> };
  const message = `Handler result must be an object (MCP results are objects), got ${Array.isArray(v) ? 'an array' : typeof v}`;
  return {
    type: 'error',
    error: { code: ErrorCodes.InternalError, message },
    failure: CancellationErrorResult.of(CancellationError.HANDLER_FAILED, message, v),
  };
};

/** The outcome of what a handler threw, rejected or errored with. */
export const toFailure = (thrown: unknown): RequestOutcome =>
  thrown instanceof NotAFunction
    ? {
        type: 'error',
        // our fault, not the handler's: the wire gets no internal name ("init.handler is not a function")
        error: { code: ErrorCodes.InternalError, message: 'Internal error' },
        failure: CancellationErrorResult.of(CancellationError.HANDLER_FAILED, `The handler of ${JSON.stringify(thrown.method)} is not a function (got ${thrown.got})`),
      }
    : handlerFailure(thrown);

/** The outcome of a handler's own failure: its JsonRpcError on the wire, anything else -32603. */
const handlerFailure = (thrown: unknown): RequestOutcome => ({
  type: 'error',
  // a JsonRpcError is the handler's own answer (-32602 for bad params, say); the rest is internal.
  // So is one of our own local errors that a proxying handler let escape (its request() timed
  // out, its upstream closed): those codes mean "your request, here" to the client, and must
  // never travel (MCP 2026-07-28 "Error Codes"); the message says what happened.
  error:
    thrown instanceof JsonRpcError && !isLocalCode(thrown.code)
      ? thrown.toJson()
      : { code: ErrorCodes.InternalError, message: messageOf(thrown) },
  failure: CancellationErrorResult.fromThrown(CancellationError.HANDLER_FAILED, thrown),
});
