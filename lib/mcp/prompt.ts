import * as E from 'fp-ts/lib/Either.js';
import { defer, from, map, switchMap, type Observable, type ObservableInput } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { JsonRpcError } from '../errors.js';
import type { Completer } from './completion.js';
import type { McpContext } from './context.js';
import type { InputRequired } from './input-required.js';
import { jsonSchemaOf, validator, type ArgsSchema } from './schema.js';
import type { GetPromptResult } from './wire.js';

/**
 * One argument of a prompt, as `prompts/list` shows it (MCP `PromptArgument`).
 *
 * @example
 * const code: PromptArgument = { name: 'code', description: 'The code to review', required: true };
 * prompt({ name: 'review', arguments: [code], get: (args) => Promise.resolve(`Review this code:\n${args['code'] ?? ''}`) });
 */
export interface PromptArgument {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly required?: boolean;
}

/**
 * What a prompt's `get` may give: a whole {@link GetPromptResult}, a text (one user message), or, in 2026-07-28, what it still needs ({@link InputRequired}).
 *
 * @example
 * const get = ({ code }: { code: string }): Promise<PromptOutput> =>
 *   Promise.resolve(code === '' ? { messages: [{ role: 'assistant', content: { type: 'text', text: 'Paste the code first.' } }] } : `Review this code:\n${code}`);
 * prompt({ name: 'review', args: t.type({ code: t.string }), get });
 */
export type PromptOutput = GetPromptResult | string | InputRequired;

/**
 * A prompt as `mcpServer` serves it.
 *
 * @example
 * const review: McpPrompt = prompt({ name: 'review', args: t.type({ code: t.string }), get: ({ code }) => Promise.resolve(`Review this code:\n${code}`) });
 * mcpServer({ info, prompts: [review] });
 */
export interface McpPrompt {
  readonly name: string;
  readonly descriptor: Readonly<Record<string, unknown>>;
  /** Completions of its arguments, by argument name (`completion/complete` with a `ref/prompt`). */
  readonly complete: Readonly<Record<string, Completer>>;
  get(args: unknown, ctx: McpContext): Observable<GetPromptResult | InputRequired>;
}

/**
 * The definition of a prompt.
 *
 * @example
 * const definition: PromptDefinition<{ language: string }> = {
 *   name: 'translate',
 *   args: t.type({ language: t.string }),
 *   complete: { language: (value) => ['English', 'French', 'German'].filter((l) => l.startsWith(value)) },
 *   get: ({ language }) => Promise.resolve(`Translate the next message into ${language}.`),
 * };
 * mcpServer({ info, prompts: [prompt(definition)] });
 */
export interface PromptDefinition<A> {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  /** Validates the arguments (strings, by MCP) before `get`; refused arguments are -32602. */
  readonly args?: ArgsSchema<A>;
  /** The arguments as `prompts/list` shows them. Default: read from `args`'s JSON Schema (its properties, `required`, descriptions). */
  readonly arguments?: readonly PromptArgument[];
  /** Completions for arguments, by argument name. */
  readonly complete?: Readonly<Record<string, Completer>>;
  readonly icons?: readonly Readonly<Record<string, unknown>>[];
  readonly _meta?: Readonly<Record<string, unknown>>;
  /** The messages; cancellable like every handler (unsubscribed, `ctx.signal` aborted). */
  readonly get: (args: A, ctx: McpContext) => ObservableInput<PromptOutput>;
}

const argumentsOf = (schema: Record<string, unknown> | undefined): PromptArgument[] => {
  const props = schema?.['properties'];
  if (typeof props !== 'object' || props === null) return [];
  const required = new Set(Array.isArray(schema?.['required']) ? (schema['required'] as unknown[]) : []);
  return Object.entries(props as Record<string, Record<string, unknown>>).map(([name, p]) => ({
    name,
    ...(typeof p['description'] === 'string' ? { description: p['description'] } : {}),
    required: required.has(name),
  }));
};

const shaped = (out: PromptOutput): GetPromptResult | InputRequired =>
  typeof out === 'string' ? { messages: [{ role: 'user', content: { type: 'text', text: out } }] } : out;

/**
 * Define a prompt: its arguments checked before `get` runs (-32602 when refused, as MCP asks of
 * prompts), its arguments listed from the validator's JSON Schema unless given.
 *
 * @example
 * const review = prompt({
 *   name: 'review',
 *   description: 'Review a piece of code',
 *   args: t.type({ code: t.string }),
 *   get: ({ code }) => Promise.resolve(`Please review this code:\n${code}`),
 * });
 */
export const prompt = <A = Record<string, string>>(definition: PromptDefinition<A>): McpPrompt => {
  const { name, title, description, args, get, icons, _meta } = definition;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('a prompt needs a name');
  if (typeof get !== 'function') throw new TypeError(`prompt ${name}: get must be a function`);
  const listed = definition.arguments ?? (args === undefined ? [] : argumentsOf(jsonSchemaOf(args)));
  const descriptor: Record<string, unknown> = {
    name,
    ...(title === undefined ? {} : { title }),
    ...(description === undefined ? {} : { description }),
    ...(listed.length === 0 ? {} : { arguments: listed }),
    ...(icons === undefined ? {} : { icons }),
    ...(_meta === undefined ? {} : { _meta }),
  };
  const refuse = (problems: readonly string[]): never => {
    throw new JsonRpcError(ErrorCodes.InvalidParams, preview(`Invalid arguments for prompt ${name}: ${problems.join('; ')}`, PREVIEW_MAX * 4));
  };
  const required = listed.filter((a) => a.required === true).map((a) => a.name);
  const check = args === undefined ? undefined : validator(args);
  return {
    name,
    descriptor,
    complete: definition.complete ?? {},
    get: (raw, ctx) =>
      defer(() => {
        const given = raw === undefined ? {} : raw;
        const run = (a: A): Observable<GetPromptResult | InputRequired> => from(get(a, ctx)).pipe(map(shaped));
        if (check === undefined) {
          const missing = required.filter((k) => (given as Record<string, unknown>)[k] === undefined);
          if (missing.length > 0) refuse(missing.map((k) => `${k}: required`));
          return run(given as A);
        }
        const checked = check(given);
        const decide = (r: E.Either<readonly string[], A>): Observable<GetPromptResult | InputRequired> => (E.isLeft(r) ? refuse(r.left) : run(r.right));
        return checked instanceof Promise ? from(checked).pipe(switchMap(decide)) : decide(checked);
      }),
  };
};
