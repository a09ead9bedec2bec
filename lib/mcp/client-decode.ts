import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type * as t from 'io-ts';
import { mergeMap, of, throwError, type OperatorFunction } from 'rxjs';
import { report } from '../codec/report.js';
import { McpClientError } from './client-errors.js';
import { ResultKind } from './client-shapes.js';

/**
 * Check a value against a codec: the value, or an `INVALID_RESULT` {@link McpClientError} naming
 * the method and the paths that failed (bounded: the server's value is never copied whole).
 *
 * @example
 * decodeAs(Tool, 'tools/list', { name: 'echo', inputSchema: {} }); // right
 */
export const decodeAs = <A>(codec: t.Decoder<unknown, A>, method: string, u: unknown): E.Either<McpClientError, A> =>
  pipe(
    codec.decode(u),
    E.mapLeft((es) => {
      const errors = report(es);
      return new McpClientError('INVALID_RESULT', `Invalid ${method} result: ${errors.join('; ')}`, { method, errors });
    }),
  );

/**
 * The `resultType` of a result (MCP 2026-07-28 `Result`): absent means `"complete"`, as the spec
 * tells a client to read a result of an earlier revision.
 *
 * @example
 * resultTypeOf({ content: [] }); // 'complete'
 * resultTypeOf({ resultType: 'input_required', requestState: 's' }); // 'input_required'
 */
export const resultTypeOf = (u: unknown): string => (ResultKind.is(u) ? (u.resultType ?? 'complete') : 'complete');

/**
 * Read a complete result of `method` with `codec`, as an operator: a result of another kind
 * (`input_required` where the method may not have one, an extension's kind the client did not
 * ask for) or of the wrong shape errors the stream with an `INVALID_RESULT` {@link McpClientError};
 * nothing is thrown.
 *
 * @example
 * peer.request('tools/call', params).pipe(completeResult(CallToolResult, 'tools/call'));
 */
export const completeResult =
  <A>(codec: t.Decoder<unknown, A>, method: string): OperatorFunction<unknown, A> =>
  (source) =>
    source.pipe(
      mergeMap((u) => {
        const kind = resultTypeOf(u);
        const decoded =
          kind === 'complete'
            ? decodeAs(codec, method, u)
            : E.left(new McpClientError('INVALID_RESULT', `Invalid ${method} result: resultType ${JSON.stringify(kind.slice(0, 64))} where a complete result was expected`, { method, resultType: kind.slice(0, 64) }));
        return pipe(
          decoded,
          E.match(
            (e) => throwError(() => e),
            (a) => of(a),
          ),
        );
      }),
    );
