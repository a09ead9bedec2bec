import { spokenVersion } from '../codec/era.js';
import { isToolError, requestTarget, type RequestTarget } from '../codec/target.js';
import { traceContextOf, type TraceContext } from '../codec/trace-context.js';

// What the events of a request say of it beyond its method and id, for telemetry: read from the
// message, bounded and validated by the codecs, and built only when someone listens (each caller
// checks `events.enabled()` first). One place for both halves: served and sent requests, their
// results and responses, say the same things the same way.

/** What a request names: its tool or prompt, the protocol version it speaks, its trace context. */
export interface RequestFacts {
  target?: RequestTarget;
  protocolVersion?: string;
  trace?: TraceContext;
}

/** What a result says: a tool that failed, the version an `initialize` negotiated. */
export interface ResultFacts {
  toolError?: true;
  protocolVersion?: string;
}

/**
 * The facts of a request's params; its W3C trace context too when `withTrace` (a served request:
 * the one we send carries ours).
 *
 * @example
 * requestFacts('tools/call', { name: 'echo' }, false); // { target: { kind: 'tool', name: 'echo' } }
 */
export const requestFacts = (method: string, params: unknown, withTrace: boolean): RequestFacts => {
  const facts: RequestFacts = {};
  if (params === undefined) return facts;
  const target = requestTarget(method, params);
  if (target !== undefined) facts.target = target;
  const version = spokenVersion(method, params);
  if (version !== undefined) facts.protocolVersion = version;
  const trace = withTrace ? traceContextOf(params) : undefined;
  if (trace !== undefined) facts.trace = trace;
  return facts;
};

/**
 * The facts of a result, served or received.
 *
 * @example
 * resultFacts('tools/call', { content: [], isError: true }); // { toolError: true }
 */
export const resultFacts = (method: string, result: unknown): ResultFacts => {
  const facts: ResultFacts = {};
  if (isToolError(method, result)) facts.toolError = true;
  const version = method === 'initialize' ? spokenVersion(method, result) : undefined;
  if (version !== undefined) facts.protocolVersion = version;
  return facts;
};
