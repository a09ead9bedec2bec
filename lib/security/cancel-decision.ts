import * as E from 'fp-ts/lib/Either.js';
import { CancelledParams } from '../codec/cancelled.js';
import { RequestId } from '../codec/messages.js';
import { previewValue } from '../codec/preview.js';
import { report } from '../codec/report.js';
import { CancellationError, CancellationErrorResult } from '../errors.js';
import { RequestKey } from '../manager/request-key.js';
import { limitReason } from './reason.js';

/**
 * One incoming `notifications/cancelled`: its params (the notification decoded), or the
 * notification's own decode error (it did not decode at all). Both are decided the same way:
 * every cancel counts against its sender's rate, valid or not.
 *
 * @example
 * const input: CancelInput = { kind: 'params', params: { requestId: 7, reason: 'user pressed stop' } };
 * security.check(sessionId, input, { sessionId, cancellable: () => true }, performance.now());
 */
export type CancelInput =
  | { readonly kind: 'params'; readonly params: unknown }
  | { readonly kind: 'malformed'; readonly errors: ReadonlyArray<string> };

/**
 * What the decision reads of the state: queries only, no effects.
 *
 * @example
 * const facts: CancelFacts = { sessionId: 's1', sender: 's1', admitted: true, mayCancel: (sender, key) => key.sessionId === sender, cancellable: () => true, maxReasonLength: 1024 };
 * decideCancel({ kind: 'params', params: { requestId: 7 } }, facts); // { allowed: true, key: { sessionId: 's1', requestId: 7 }, ... }
 */
export interface CancelFacts {
  /** The scope of the connection the cancel came on: the session its requests are keyed by. */
  readonly sessionId: string | undefined;
  /** Whether the sender's rate limit had a token for this cancel. */
  readonly admitted: boolean;
  /** Who sent the cancel: the session, or the connection's own scope. */
  readonly sender: string;
  /** The ownership rule and the user's policy: may `sender` cancel `key`? */
  readonly mayCancel: (sender: string, key: RequestKey) => boolean;
  /** False for a request that is never cancelled (`initialize`, docs/protocol.md C4). */
  readonly cancellable: (key: RequestKey) => boolean;
  readonly maxReasonLength: number;
}

/**
 * What security says of one cancellation: cancel `key`, or ignore it, and why.
 *
 * @example
 * const apply = (d: CancelDecision): void => {
 *   if (d.allowed) manager.cancel(d.key, d.reason);
 *   else audit.warn(`cancel ignored: ${d.why}`, d.key);
 * };
 * apply(security.check(sender, input, { sessionId, cancellable: () => true }, performance.now()));
 */
export type CancelDecision =
  | { readonly allowed: true; readonly key: RequestKey; readonly reason: string | undefined; readonly truncated: boolean }
  | {
      readonly allowed: false;
      readonly why: 'rate-limited' | 'invalid' | 'not-allowed' | 'not-cancellable';
      /** The request it named, when it could be read. */
      readonly key?: RequestKey;
      /** Cut to `maxReasonLength`, like every reason an event carries. */
      readonly reason?: string;
      /** For `invalid`: what was wrong, with a bounded preview of the value. */
      readonly error?: CancellationErrorResult;
    };

const readableKey = (params: unknown, sessionId: string | undefined): RequestKey | undefined => {
  const id = typeof params === 'object' && params !== null ? (params as { readonly requestId?: unknown }).requestId : undefined;
  return RequestId.is(id) ? RequestKey.of(id, sessionId) : undefined;
};

/**
 * The one decision for every incoming cancellation, as a pure function of the input and the
 * facts: rate first (every cancel counts, valid or not), then shape (a malformed cancel is
 * dropped without a word on the wire, docs/protocol.md C6), then ownership and policy, then
 * whether the request may be cancelled at all. The reason is cut before anything carries it.
 * What the registry then does with an allowed cancel (the id unknown, finished, in flight only
 * in another session) is the caller's to report.
 *
 * @example
 * const d = decideCancel({ kind: 'params', params }, { sessionId, sender: sessionId, admitted: true, mayCancel: () => true, cancellable: () => true, maxReasonLength: 1024 });
 * if (d.allowed) manager.cancel(d.key, d.reason);
 */
export const decideCancel = (input: CancelInput, facts: CancelFacts): CancelDecision => {
  if (!facts.admitted) {
    const key = input.kind === 'params' ? readableKey(input.params, facts.sessionId) : undefined;
    return key === undefined ? { allowed: false, why: 'rate-limited' } : { allowed: false, why: 'rate-limited', key };
  }
  if (input.kind === 'malformed') {
    return { allowed: false, why: 'invalid', error: CancellationErrorResult.of(CancellationError.INVALID_REQUEST, input.errors.join('; ')) };
  }
  // the guard first: it allocates nothing on a well-formed cancel; only a bad one pays for decode
  const params = input.params;
  if (!CancelledParams.is(params)) {
    const decoded = CancelledParams.decode(params);
    const errors = E.isLeft(decoded) ? report(decoded.left) : ['Invalid value (expected CancelledParams)'];
    return {
      allowed: false,
      why: 'invalid',
      error: CancellationErrorResult.of(CancellationError.INVALID_REQUEST, errors.join('; '), previewValue(params)),
    };
  }
  const key = RequestKey.of(params.requestId, facts.sessionId);
  const { reason, truncated } = limitReason(params.reason, facts.maxReasonLength);
  const ignore = (why: 'not-allowed' | 'not-cancellable'): CancelDecision =>
    reason === undefined ? { allowed: false, why, key } : { allowed: false, why, key, reason };
  if (!facts.mayCancel(facts.sender, key)) return ignore('not-allowed');
  if (!facts.cancellable(key)) return ignore('not-cancellable');
  return { allowed: true, key, reason, truncated };
};
