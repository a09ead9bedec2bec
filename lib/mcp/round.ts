import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { ProtocolEra } from '../codec/era.js';
import { ErrorCodes } from '../codec/error-codes.js';
import { JsonRpcError } from '../errors.js';
import { NO_ROUND, type Round } from './context.js';
import { inputRequired, missingCapabilities, type InputRequired } from './input-required.js';
import type { RequestStateCodec, StateBinding } from './request-state.js';
import { isUnknownRecord } from '../codec/unknown-record.js';

// One round of a 2026-07-28 multi-round request (SEP-2322), as the server sees it: what a retry
// brings in (answers, a state to verify) and what an `inputRequired` answer sends out. The server
// keeps nothing between rounds: all it needs comes back in the retry, sealed.

/** `params.inputResponses` and `params.requestState` of a 2026-07-28 `tools/call`, `prompts/get` or `resources/read`. */
const RoundParams = t.partial({ inputResponses: t.UnknownRecord, requestState: t.string }, 'RoundParams');


/**
 * The `data.reason` of the -32602 that refuses an echoed `requestState`, whatever was wrong with it.
 *
 * @example
 * INVALID_REQUEST_STATE; // 'invalid_request_state'
 * client.callTool('book', args).subscribe({
 *   error: (e) => e instanceof JsonRpcError && (e.data as { reason?: string } | undefined)?.reason === INVALID_REQUEST_STATE && startOver(),
 * });
 */
export const INVALID_REQUEST_STATE = 'invalid_request_state';

const refused = (): JsonRpcError =>
  // one answer for every refusal: which check failed would help only someone forging states
  new JsonRpcError(ErrorCodes.InvalidParams, 'requestState integrity check failed', { reason: INVALID_REQUEST_STATE });

/**
 * What a retried request brings, checked before its handler runs: the answers (an object, or
 * -32602) and the state, opened with `codec` for `binding` (-32602 `invalid_request_state` when it
 * is tampered, expired, for another request, or when this server seals no state). In 2025-11-25
 * these params mean nothing and are ignored.
 */
export const openRound = (params: unknown, era: ProtocolEra, codec: RequestStateCodec | undefined, binding: StateBinding): Round => {
  if (era !== '2026-07-28') return NO_ROUND;
  // the first round of nearly every request brings neither: no decode for it
  if (isUnknownRecord(params) && params['inputResponses'] === undefined && params['requestState'] === undefined) return NO_ROUND;
  const d = RoundParams.decode(params);
  // MCP: a malformed inputResponses is a protocol error, answered as one
  if (E.isLeft(d)) throw new JsonRpcError(ErrorCodes.InvalidParams, 'inputResponses must be an object of results by key, and requestState a string');
  const { inputResponses, requestState } = d.right;
  if (requestState === undefined) return inputResponses === undefined ? {} : { inputResponses };
  if (codec === undefined) throw refused();
  const opened = codec.open(requestState, binding);
  if (E.isLeft(opened)) throw refused();
  return inputResponses === undefined ? { requestState: opened.right } : { inputResponses, requestState: opened.right };
};

/** An `InputRequiredResult` on the wire (MCP 2026-07-28): the state sealed, no cache hints. */
export interface InputRequiredResult {
  readonly resultType: 'input_required';
  readonly inputRequests?: InputRequired['inputRequests'];
  readonly requestState?: string;
}

/**
 * A 2026-07-28 handler's answer as the server sends it: a result as it is, or an
 * {@link InputRequired} written as an `InputRequiredResult`. Refused, as an error of the request,
 * when it cannot be sent: asking for what the request's capabilities do not declare (-32021 with
 * `requiredCapabilities`), or a state with no codec to seal it (-32603: unsealed state is never
 * sent). (In 2025-11-25 the server plays the rounds itself: `playRounds`.) What the request
 * declares is read from `request` only for an inputRequired: a result needs none of it.
 */
export const answerRound = <R>(
  out: R | InputRequired,
  request: { readonly clientCapabilities: Readonly<Record<string, unknown>> },
  codec: RequestStateCodec | undefined,
  binding: StateBinding,
): R | InputRequiredResult => {
  if (!inputRequired.is(out)) return out;
  const { inputRequests, requestState } = out;
  const missing = inputRequests === undefined ? undefined : missingCapabilities(inputRequests, request.clientCapabilities);
  if (missing !== undefined)
    throw new JsonRpcError(ErrorCodes.MissingRequiredClientCapability, `The request needs client capabilities it does not declare: ${Object.keys(missing).join(', ')}`, { requiredCapabilities: missing });
  if (requestState !== undefined && codec === undefined)
    throw new JsonRpcError(ErrorCodes.InternalError, 'inputRequired with a requestState needs mcpServer({ requestState: { secret } }) to seal it');
  return {
    resultType: 'input_required',
    ...(inputRequests === undefined ? {} : { inputRequests }),
    ...(requestState === undefined || codec === undefined ? {} : { requestState: codec.seal(requestState, binding) }),
  };
};
