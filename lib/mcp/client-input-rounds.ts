import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { defer, mergeMap, of, throwError, type Observable } from 'rxjs';
import { decodeAs, resultTypeOf } from './client-decode.js';
import { McpClientError } from './client-errors.js';
import { InputRequiredResult, type WireInputRequest, type InputResponseMap } from './client-shapes.js';

/**
 * The default bound of {@link withInputRounds}: retries after `input_required`, as the official SDK v2 client (10).
 *
 * @example
 * DEFAULT_MAX_INPUT_ROUNDS; // 10
 * mcpClient(transport, { info, handlers, maxInputRounds: DEFAULT_MAX_INPUT_ROUNDS * 2 });
 */
export const DEFAULT_MAX_INPUT_ROUNDS = 10;

/**
 * What a retry adds to the original params (MCP 2026-07-28 `InputResponseRequestParams`).
 *
 * @example
 * withInputRounds(
 *   (round: RoundParams | undefined) => peer.request('tools/call', { name: 'deploy', arguments: {}, ...round }),
 *   (requests) => answerAll(requests),
 *   'tools/call',
 * ).subscribe(show);
 */
export interface RoundParams {
  readonly inputResponses?: InputResponseMap;
  readonly requestState?: string;
}

/**
 * The `input_required` result of a round, checked: the spec's "at least one of `inputRequests`
 * or `requestState`" included (a result with neither could only loop). `undefined` for a result
 * of another kind.
 *
 * @example
 * inputRequiredOf('tools/call', { resultType: 'input_required', requestState: 's' }); // right({ ... })
 */
export const inputRequiredOf = (method: string, u: unknown): E.Either<McpClientError, InputRequiredResult> | undefined => {
  if (resultTypeOf(u) !== 'input_required') return undefined;
  return pipe(
    decodeAs(InputRequiredResult, method, u),
    E.chain((r) =>
      r.inputRequests === undefined && r.requestState === undefined
        ? E.left(new McpClientError('INVALID_RESULT', `Invalid ${method} result: input_required with neither inputRequests nor requestState`, { method }))
        : E.right(r),
    ),
  );
};

/**
 * Run a request through MCP 2026-07-28's multi round-trip pattern (`basic/patterns/mrtr.mdx`):
 * while the server answers `input_required`, fulfil its `inputRequests` and send the request again
 * with the `inputResponses` and the `requestState` exactly as received (none when it sent none),
 * at most `maxRounds` times; then error with `INPUT_ROUNDS_EXCEEDED`, whose `details` hold the last
 * `input_required` result. Any other result is the answer.
 *
 * Each round is an independent request (a new id: `send` is subscribed anew), and nothing is in
 * flight between rounds but the fulfilment. Unsubscribing cancels only what runs at that moment:
 * the current round's request, or the handlers fulfilling its input.
 *
 * @example
 * withInputRounds(
 *   (round) => peer.request('tools/call', { name: 'deploy', ...round }),
 *   (requests) => answerAll(requests),
 *   'tools/call',
 *   10,
 * ).subscribe(show);
 */
export const withInputRounds = (
  send: (round: RoundParams | undefined) => Observable<unknown>,
  fulfil: (requests: Readonly<Record<string, WireInputRequest>>) => Observable<InputResponseMap>,
  method: string,
  maxRounds: number = DEFAULT_MAX_INPUT_ROUNDS,
): Observable<unknown> =>
  defer(() => {
    const round = (n: number, params: RoundParams | undefined): Observable<unknown> =>
      send(params).pipe(
        mergeMap((u) => {
          const asked = inputRequiredOf(method, u);
          if (asked === undefined) return of(u);
          if (E.isLeft(asked)) return throwError(() => asked.left);
          const r = asked.right;
          if (n >= maxRounds)
            return throwError(() => new McpClientError('INPUT_ROUNDS_EXCEEDED', `${method} still required input after ${maxRounds} rounds`, { rounds: maxRounds, lastResult: r }));
          // no inputRequests: the client MAY retry at once (load shedding with requestState only)
          const responses$: Observable<InputResponseMap | undefined> =
            r.inputRequests === undefined || Object.keys(r.inputRequests).length === 0 ? of(undefined) : fulfil(r.inputRequests);
          return responses$.pipe(
            mergeMap((inputResponses) =>
              round(n + 1, {
                ...(inputResponses === undefined ? {} : { inputResponses }),
                // echoed byte for byte, and only when the server sent one (mrtr.mdx, client requirements 2)
                ...(r.requestState === undefined ? {} : { requestState: r.requestState }),
              }),
            ),
          );
        }),
      );
    return round(0, undefined);
  });
