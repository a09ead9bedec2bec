import * as E from 'fp-ts/lib/Either.js';
import { defer, from, of, switchMap, type Observable, type ObservableInput } from 'rxjs';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import type { McpContext } from './context.js';
import { headerParams, type HeaderParam } from './header-params.js';
import { type InputRequired } from './input-required.js';
import { answerOf, registerAnswer, toolError, type AnswerTool } from './tool-answer.js';
import { asObservable } from '../handler/later.js';
import type { JsonSchema } from './json-schema.js';
import { jsonSchemaOf, validator, type ArgsSchema } from './schema.js';
import type { CallToolResult } from './wire.js';

/**
 * What a tool's `run` may give: a whole {@link CallToolResult}, a text (one text block), or, in
 * 2026-07-28, what it still needs from the client ({@link InputRequired}).
 *
 * @example
 * const lookup = async (q: string, ctx: McpContext): Promise<ToolOutput> => {
 *   const hits = await search(q, ctx.signal);
 *   return hits.length === 0 ? toolError(`Nothing found for ${q}`) : hits.join('\n');
 * };
 * tool({ name: 'search', args: t.type({ q: t.string }), run: ({ q }, ctx) => lookup(q, ctx) });
 */
export type ToolOutput = CallToolResult | string | InputRequired;

/**
 * A tool as `mcpServer` serves it: its `tools/list` entry, and how to call it.
 *
 * @example
 * const echo: McpTool = tool({ name: 'echo', args: t.type({ text: t.string }), run: ({ text }) => Promise.resolve(text) });
 * echo.descriptor; // its tools/list entry: { name: 'echo', inputSchema: { type: 'object', ... } }
 * mcpServer({ info, tools: [echo] });
 */
export interface McpTool {
  readonly name: string;
  /** The tool as `tools/list` shows it. */
  readonly descriptor: Readonly<Record<string, unknown>>;
  /** The arguments its inputSchema marks with `x-mcp-header`, which a 2026-07-28 HTTP call mirrors in `Mcp-Param-*` headers. */
  readonly headerParams: readonly HeaderParam[];
  /** Validate the arguments and run the tool: one result (or what it needs first), or an error for the protocol. */
  call(args: unknown, ctx: McpContext): Observable<CallToolResult | InputRequired>;
  /** Whether the tool runs as a task for a 2026-07-28 client that declares the tasks extension (see {@link ToolDefinition.task}). */
  readonly task: TaskSupport | undefined;
  /**
   * Before a task is created: what the call still needs from the client (an input round, played
   * on the `tools/call` itself), a tool error (arguments refused), or `undefined` to create it.
   */
  prepare(args: unknown, ctx: McpContext): Observable<CallToolResult | InputRequired | undefined>;
}

/**
 * How a tool runs as a task (MCP tasks extension): `optional`, as a task whenever the request
 * declares the extension and as a plain call otherwise; `required`, as a task, and -32021 to a
 * 2026-07-28 request that does not declare the extension (a 2025-11-25 session, which keeps long
 * calls alive, runs it as a plain call).
 *
 * @example
 * const support: TaskSupport = 'optional';
 */
export type TaskSupport = 'optional' | 'required';

/**
 * The definition of a tool: its name, what it says of itself, how its arguments are checked, and its work.
 *
 * @example
 * const definition: ToolDefinition<{ city: string }> = {
 *   name: 'forecast',
 *   description: 'The weather to come in a city',
 *   args: t.type({ city: t.string }),
 *   run: ({ city }, ctx) => fetchForecast(city, ctx.signal),
 * };
 * const forecast = tool(definition);
 */
export interface ToolDefinition<A> {
  /** 1 to 64 of `A-Z a-z 0-9 _ - . /` (MCP: tool names). */
  readonly name: string;
  readonly title?: string;
  /** What the tool does, for the model that picks it. */
  readonly description?: string;
  /**
   * Validates `arguments` before `run` (an io-ts codec, or any Standard Schema validator: zod,
   * valibot, arktype). Arguments it refuses are a tool execution error (`isError: true`, what
   * was wrong), and `run` is never called. Without it, `arguments` must be an object (or absent).
   */
  readonly args?: ArgsSchema<A>;
  /**
   * The JSON Schema of the arguments on the wire (2020-12, `type: 'object'`): shown verbatim.
   * Default: derived from `args` (an io-ts codec, or a validator that implements Standard JSON
   * Schema); a validator that cannot say needs it given. Mark a string, integer or boolean
   * property with `"x-mcp-header": "<Name>"` to have it mirrored in `Mcp-Param-<Name>` (MCP
   * 2026-07-28 server/tools, "x-mcp-header").
   */
  readonly inputSchema?: JsonSchema;
  /** The JSON Schema of `structuredContent`, when the tool answers with one. */
  readonly outputSchema?: JsonSchema;
  readonly annotations?: Readonly<Record<string, unknown>>;
  readonly icons?: readonly Readonly<Record<string, unknown>>[];
  readonly _meta?: Readonly<Record<string, unknown>>;
  /**
   * The work: the last value before completion is the result (a Promise or an Observable, as for
   * any handler of this library). Cancelling the call unsubscribes it and aborts `ctx.signal`;
   * `ctx.onCleanup` runs once whatever the end. A thrown `JsonRpcError` is a protocol error; any
   * other failure is a tool execution error (`isError: true`, its message), as MCP asks.
   */
  readonly run: (args: A, ctx: McpContext) => ObservableInput<ToolOutput>;
  /**
   * Run the tool as a task (MCP 2026-07-28 tasks extension) for a client that declares the
   * extension on the request: the call is answered with a `CreateTaskResult` once the task is
   * stored, and `run` goes on after the call's stream closes, until it ends, a `tasks/cancel`
   * (from any instance sharing the task store and bus), the task's TTL, or the server's close.
   * Its `inputRequired` answers then post input requests on the task (`input_required`, answered
   * by `tasks/update`); its `ctx.progress` becomes the task's `statusMessage`.
   */
  readonly task?: TaskSupport;
  /**
   * With `task`: what the call needs before its task is created (EXT L302: input settled on the
   * call itself): answer `inputRequired(...)` for an input round of the `tools/call`, or
   * `undefined` to create the task; `run` then starts with that round's `ctx.inputResponses`.
   */
  readonly beforeTask?: (args: A, ctx: McpContext) => InputRequired | undefined | PromiseLike<InputRequired | undefined>;
}

const NAME = /^[A-Za-z0-9_./-]{1,64}$/;

export { toolError };

const NOT_AN_OBJECT = ['arguments must be an object'];

const objectArgs = (u: unknown): E.Either<readonly string[], Record<string, unknown>> =>
  u === undefined ? E.right({}) : typeof u === 'object' && u !== null && !Array.isArray(u) ? E.right(u as Record<string, unknown>) : E.left(NOT_AN_OBJECT);

/**
 * Define a tool. Its arguments are validated before it runs, its JSON Schema is derived from the
 * validator where it can be, and what it returns is shaped as a `CallToolResult`. A property of
 * the inputSchema annotated `"x-mcp-header": "Region"` is mirrored by 2026-07-28 HTTP clients in
 * the header `Mcp-Param-Region`, which `streamableHttp(server)` checks against the argument;
 * an annotation MCP does not allow (not an HTTP token, repeated, on a non-primitive or
 * unreachable property) is a `TypeError` here.
 *
 * @example
 * const echo = tool({
 *   name: 'echo',
 *   description: 'Answers with the text it is given',
 *   args: t.type({ text: t.string }),
 *   run: ({ text }) => Promise.resolve(text),
 * });
 */
export const tool = <A = Record<string, unknown>>(definition: ToolDefinition<A>): McpTool => {
  const { name, run, args, inputSchema, outputSchema, title, description, annotations, icons, _meta, task, beforeTask } = definition;
  if (task !== undefined && task !== 'optional' && task !== 'required') throw new TypeError(`tool ${name}: task must be 'optional' or 'required'`);
  if (typeof name !== 'string' || !NAME.test(name)) throw new TypeError(`tool name ${JSON.stringify(name)} must be 1 to 64 of A-Z a-z 0-9 _ - . /`);
  if (typeof run !== 'function') throw new TypeError(`tool ${name}: run must be a function`);
  const schema = inputSchema ?? (args === undefined ? { type: 'object', properties: {} } : jsonSchemaOf(args));
  if (schema === undefined) throw new TypeError(`tool ${name}: its args validator has no JSON Schema of its own (Standard JSON Schema): give inputSchema`);
  if (schema['type'] !== 'object') throw new TypeError(`tool ${name}: inputSchema must have type 'object' at its root (tool arguments are objects)`);
  // read once, here: a tool conforming clients would drop from tools/list fails its author at once
  const mirrored = headerParams(name, schema);
  const descriptor: Record<string, unknown> = {
    name,
    ...(title === undefined ? {} : { title }),
    ...(description === undefined ? {} : { description }),
    inputSchema: schema,
    ...(outputSchema === undefined ? {} : { outputSchema }),
    ...(annotations === undefined ? {} : { annotations }),
    ...(icons === undefined ? {} : { icons }),
    ...(_meta === undefined ? {} : { _meta }),
  };
  // the arguments' check, made once: it runs on every call
  const check = args === undefined ? undefined : validator(args);
  const invalid = (problems: readonly string[]): Observable<CallToolResult | InputRequired> =>
    of(toolError(preview(`Invalid arguments for tool ${name}: ${problems.join('; ')}`, PREVIEW_MAX * 4)));
  // what the tool's work gives, checked and shaped; a failure that is not a protocol error is the
  // tool's, told to the model. The validation runs inside the same defer: one chain per call
  const work = (raw: unknown, ctx: McpContext): ObservableInput<ToolOutput> => {
    // objectArgs without its Either: this runs on every call
    if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) return invalid(NOT_AN_OBJECT);
    const present = raw ?? {};
    if (check === undefined) return run(present as A, ctx);
    const checked = check(present);
    // a synchronous validator answers at once; only an asynchronous one costs a turn
    if (!(checked instanceof Promise)) return E.isLeft(checked) ? invalid(checked.left) : run(checked.right, ctx);
    return from(checked).pipe(switchMap((r) => (E.isLeft(r) ? invalid(r.left) : run(r.right, ctx))));
  };
  const prepare = (raw: unknown, ctx: McpContext): Observable<CallToolResult | InputRequired | undefined> =>
    defer(() => {
      const present = objectArgs(raw);
      if (E.isLeft(present)) return invalid(present.left);
      if (beforeTask === undefined) return of(undefined);
      const ask = (a: A): Observable<InputRequired | undefined> => from(Promise.resolve(beforeTask(a, ctx)));
      if (check === undefined) return ask(present.right as A);
      const checked = check(present.right);
      const decide = (r: E.Either<readonly string[], A>): Observable<CallToolResult | InputRequired | undefined> => (E.isLeft(r) ? invalid(r.left) : ask(r.right));
      return checked instanceof Promise ? from(checked).pipe(switchMap(decide)) : decide(checked);
    });
  // the server's way in (answerFor): a Promise's answer followed with no Observable around it
  const answer: AnswerTool = (raw, ctx, into) => answerOf(work, raw, ctx, outputSchema !== undefined, into);
  const made: McpTool = {
    name,
    descriptor,
    headerParams: mirrored,
    task,
    prepare,
    call: (raw, ctx) => defer(() => asObservable(answer(raw, ctx))),
  };
  registerAnswer(made, answer);
  return made;
};
