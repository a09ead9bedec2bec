import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { report } from '../codec/report.js';
import { ioTsJsonSchema, type JsonSchema } from './json-schema.js';

/**
 * One problem a Standard Schema validator found: a message, and where.
 *
 * @example
 * const tooShort: StandardIssue = { message: 'at least 1 character', path: ['city'] };
 * const refused: StandardResult<never> = { issues: [tooShort] }; // the tool's error text names it: "city: at least 1 character"
 */
export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/**
 * What a Standard Schema validator returns: the value, or the issues.
 *
 * @example
 * // a validator of your own, no library needed: Standard Schema is an interface
 * const check = (u: unknown): StandardResult<number> => (typeof u === 'number' && u > 0 ? { value: u } : { issues: [{ message: 'a positive number' }] });
 * const Positive: StandardSchemaV1<unknown, number> = { '~standard': { version: 1, vendor: 'my-app', validate: check } };
 */
export type StandardResult<O> = { readonly value: O; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

/**
 * A validator that implements Standard Schema v1 (standardschema.dev): zod 3.24+ and 4, valibot,
 * arktype and others. Declared here, so that no validator library is a dependency. When it also
 * implements Standard JSON Schema (`jsonSchema`, zod 4.2+, arktype, valibot's converter), the JSON
 * Schema a tool shows on the wire is taken from it.
 *
 * @example
 * import { z } from 'zod';
 * const args: StandardSchemaV1<unknown, { text: string }> = z.object({ text: z.string() });
 */
export interface StandardSchemaV1<I = unknown, O = I> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<O> | Promise<StandardResult<O>>;
    readonly types?: { readonly input: I; readonly output: O } | undefined;
    readonly jsonSchema?: {
      readonly input: (options: { readonly target: string }) => Record<string, unknown>;
      readonly output: (options: { readonly target: string }) => Record<string, unknown>;
    };
  };
}

/**
 * What validates a tool's arguments or a prompt's: an io-ts decoder (the house style of this
 * library), or any Standard Schema validator.
 *
 * @example
 * const byIoTs: ArgsSchema<{ text: string }> = t.type({ text: t.string });
 * const byZod: ArgsSchema<{ text: string }> = z.object({ text: z.string() });
 */
export type ArgsSchema<A> = t.Decoder<unknown, A> | StandardSchemaV1<unknown, A>;

/**
 * The value an {@link ArgsSchema} gives when it validates.
 *
 * @example
 * const Args = z.object({ city: z.string(), days: z.number().default(1) });
 * const forecastOf = ({ city, days }: ArgsOf<typeof Args>): string => `${city}: sunny for ${days} day(s)`;
 * tool({ name: 'forecast', args: Args, run: (args) => Promise.resolve(forecastOf(args)) });
 */
export type ArgsOf<S> = S extends StandardSchemaV1<unknown, infer O> ? O : S extends t.Decoder<unknown, infer A> ? A : never;

const isStandard = <A>(s: ArgsSchema<A>): s is StandardSchemaV1<unknown, A> =>
  typeof s === 'object' && s !== null && '~standard' in s;

const pathOf = (path: StandardIssue['path']): string =>
  path === undefined || path.length === 0 ? '' : `${path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.')}: `;

const thrown = (e: unknown): E.Either<readonly string[], never> => E.left([`the validator failed: ${e instanceof Error ? e.message : String(e)}`]);

const fromStandard = <A>(r: StandardResult<A>): E.Either<readonly string[], A> =>
  r.issues === undefined ? E.right(r.value) : E.left(r.issues.map((i) => `${pathOf(i.path)}${i.message}`));

/** What {@link validator} makes: the decoded value, or the problems; asynchronous only when the validator is. */
export type Validate<A> = (u: unknown) => E.Either<readonly string[], A> | Promise<E.Either<readonly string[], A>>;

/**
 * A value's validation by `schema`, made once (a tool's arguments are validated on every call):
 * the decoded value, or the problems, each a line that names where. Never throws: a validator
 * that throws is a problem too. An io-ts codec validates in a context made here once, rather than
 * one `decode` builds per value (a success never reads it); a failure is decoded again, so that
 * its report is what `decode` gives.
 *
 * @example
 * const check = validator(t.type({ n: t.number }));
 * check({ n: 'x' }); // Left(['n: Invalid value "x" supplied to ... (expected number)'])
 */
export const validator = <A>(schema: ArgsSchema<A>): Validate<A> => {
  if (!isStandard(schema)) {
    const context: t.Context = [{ key: '', type: schema, actual: undefined }];
    return (u) => {
      try {
        const d = schema.validate(u, context);
        if (E.isRight(d)) return d;
        const again = schema.decode(u);
        return E.isLeft(again) ? E.left(report(again.left)) : again;
      } catch (e) {
        return thrown(e);
      }
    };
  }
  return (u) => {
    try {
      const r = schema['~standard'].validate(u);
      return r instanceof Promise ? r.then(fromStandard, thrown) : fromStandard(r);
    } catch (e) {
      return thrown(e);
    }
  };
};

/**
 * The JSON Schema (2020-12) of an {@link ArgsSchema}: derived from an io-ts codec, taken from a
 * validator that implements Standard JSON Schema, or `undefined` when neither can say (give the
 * JSON Schema yourself then).
 *
 * @example
 * jsonSchemaOf(t.type({ text: t.string })); // { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }
 */
export const jsonSchemaOf = (schema: ArgsSchema<unknown>): JsonSchema | undefined => {
  if (!isStandard(schema)) return ioTsJsonSchema(schema);
  const converter = schema['~standard'].jsonSchema;
  if (converter === undefined) return undefined;
  const { $schema: _drafted, ...rest } = converter.input({ target: 'draft-2020-12' });
  return rest;
};
