import { Observable, from, type ObservableInput } from 'rxjs';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { JsonRpcError } from '../errors.js';
import { Later } from '../handler/later.js';
import type { McpContext } from './context.js';
import { inputRequired, type InputRequired } from './input-required.js';
import type { CallToolResult } from './wire.js';

// What a tool's work gave, read as its answer: shaped as a CallToolResult, a failure that is not a
// protocol error told to the model. A Promise (most tools) is followed as one, into a Later: no
// Observable layer and no microtask of its own, so a tools/call costs about what a raw handler does.

/** A tool's answer: a {@link Later} when its run gave a Promise, an Observable otherwise. */
export type ToolAnswer = Later<CallToolResult | InputRequired> | Observable<CallToolResult | InputRequired>;

/**
 * How a tool answers one call: validate the arguments, run, shape. A Promise's answer settles
 * `into` when it is given (the Later of whoever reads the answer: no Later and no hop between).
 */
export type AnswerTool = (args: unknown, ctx: McpContext, into?: Later<CallToolResult | InputRequired>) => ToolAnswer;

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });

/**
 * A tool execution error: the model sees it and may correct itself (MCP server/tools, "Error Handling").
 *
 * @example
 * run: ({ city }) => (known(city) ? weatherOf(city) : Promise.resolve(toolError(`No weather for ${city}: try a capital`))),
 */
export const toolError = (message: string): CallToolResult => ({ content: [{ type: 'text', text: message }], isError: true });

/** A run's output as a result, or the TypeError that says it is none. */
const shaped = (out: unknown, hasOutputSchema: boolean): CallToolResult | InputRequired => {
  if (typeof out === 'string') return text(out);
  // the server writes it (and checks it is allowed): it is not a tool's result
  if (inputRequired.is(out)) return out;
  if (typeof out !== 'object' || out === null || !Array.isArray((out as { content?: unknown }).content)) {
    // a structured result alone: MCP asks for its JSON as text too, for clients that read only content
    if (hasOutputSchema && typeof out === 'object' && out !== null && 'structuredContent' in out) return { ...(out as object), content: [{ type: 'text', text: JSON.stringify((out as { structuredContent: unknown }).structuredContent) }] };
    throw new TypeError('a tool result must be a text or an object with a content array');
  }
  return out as CallToolResult;
};

/** A failure as the tool's answer: a protocol error stays one (thrown); any other is told to the model. */
const failure = (e: unknown): CallToolResult => {
  if (e instanceof JsonRpcError) throw e;
  return toolError(preview(e instanceof Error ? e.message : String(e), PREVIEW_MAX * 4));
};

/** What a shape that throws becomes: the tool's error, or the protocol error it was. */
const shapedOrFailure = (out: unknown, hasOutputSchema: boolean): CallToolResult | InputRequired => {
  try {
    return shaped(out, hasOutputSchema);
  } catch (e) {
    return failure(e);
  }
};

const shapedWithSchema = (out: unknown): CallToolResult | InputRequired => shapedOrFailure(out, true);
const shapedPlain = (out: unknown): CallToolResult | InputRequired => shapedOrFailure(out, false);

// Each way of answering in a function of its own: a closure in answerOf would make every call
// allocate the scope it captures, whichever way the call goes.

/** A Promise's answer, followed into `later`: its closures hold the Later and the shape alone. */
const promised = (input: Promise<unknown>, shape: (out: unknown) => CallToolResult | InputRequired, later: Later<CallToolResult | InputRequired>): ToolAnswer => {
  input.then(
    (out: unknown) => later.resolveWith(shape, out),
    (e: unknown) => later.resolveWith(failure, e),
  );
  return later;
};

/** Any other input's answer: one Observable layer, not defer + map + catchError. */
const observed = (input: ObservableInput<unknown>, hasOutputSchema: boolean): ToolAnswer =>
  new Observable<CallToolResult | InputRequired>((subscriber) => {
    const failed = (e: unknown): void => {
      let v: CallToolResult;
      try {
        v = failure(e);
      } catch (protocol) {
        return subscriber.error(protocol);
      }
      subscriber.next(v);
      subscriber.complete();
    };
    const deliver = (out: unknown): void => {
      let value: CallToolResult | InputRequired;
      try {
        value = shaped(out, hasOutputSchema);
      } catch (e) {
        return failed(e);
      }
      subscriber.next(value);
    };
    return from(input).subscribe({ next: deliver, error: failed, complete: () => subscriber.complete() });
  });

/**
 * The answer of one call of a tool whose work is `work(args, ctx)` (called here, at once: the core
 * calls every handler inside its own defer). A Promise's answer, or a throw, settles `into` when
 * it is given, a new Later otherwise; any other input is answered as an Observable.
 *
 * @example
 * const answer = answerOf(work, raw, ctx, outputSchema !== undefined);
 */
export const answerOf = <A>(
  work: (args: A, ctx: McpContext) => ObservableInput<unknown>,
  args: A,
  ctx: McpContext,
  hasOutputSchema: boolean,
  into?: Later<CallToolResult | InputRequired>,
): ToolAnswer => {
  let input: ObservableInput<unknown>;
  try {
    input = work(args, ctx);
  } catch (e) {
    const later = into ?? new Later<CallToolResult | InputRequired>();
    later.resolveWith(failure, e);
    return later;
  }
  // most tools answer with a Promise: followed as one, into a Later (no Observable around it)
  if (input instanceof Promise) return promised(input, hasOutputSchema ? shapedWithSchema : shapedPlain, into ?? new Later<CallToolResult | InputRequired>());
  return observed(input, hasOutputSchema);
};

// the answer of each tool `tool()` made, for the server: not a member of McpTool, whose shape users rely on
const answers = new WeakMap<object, AnswerTool>();

/** Record how a tool answers (its `call`'s work, without the Observable around it). */
export const registerAnswer = (t: object, answer: AnswerTool): void => {
  answers.set(t, answer);
};

/**
 * How a tool answers a call: the answer `tool()` recorded, or, for an McpTool made by hand, its `call`.
 *
 * @example
 * const answer = answerFor(found);
 * answer(p.arguments, mctx);
 */
export const answerFor = (t: { call(args: unknown, ctx: McpContext): Observable<CallToolResult | InputRequired> }): AnswerTool =>
  answers.get(t) ?? ((args, ctx) => t.call(args, ctx));
