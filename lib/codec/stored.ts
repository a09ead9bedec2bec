import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type * as t from 'io-ts';

/**
 * Decode what a store holds as JSON text (a Redis value): a value of `codec` that `belongs`
 * (the record of the very key it was read under), or `undefined`. Not JSON, another shape, or a
 * record of another key (a foreign writer, a renamed key) is nothing: outside input, never a throw.
 *
 * @example
 * decodeStored(TaskRecord, raw, (r) => r.taskId === id); // the record, or undefined
 * decodeStored(TaskRecord, 'not json', () => true); // undefined
 */
export const decodeStored = <A>(codec: t.Decoder<unknown, A>, raw: string | null, belongs: (a: A) => boolean): A | undefined =>
  raw === null
    ? undefined
    : pipe(
        E.tryCatch(() => JSON.parse(raw) as unknown, () => 'not JSON'),
        E.chainW((u) => codec.decode(u)),
        E.filterOrElseW(belongs, () => 'another key'),
        E.match(
          () => undefined,
          (a) => a,
        ),
      );
