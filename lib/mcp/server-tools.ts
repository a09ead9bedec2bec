import type * as t from 'io-ts';
import { of, switchMap } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import type { MirroredHeader } from '../codec/mirrored-header.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { isUnknownRecord } from '../codec/unknown-record.js';
import { JsonRpcError } from '../errors.js';
import type { RequestContext } from '../handler/context.js';
import { mirroredOf } from './header-params.js';
import type { InputRequired } from './input-required.js';
import type { RoundRun } from './local-rounds.js';
import { paramsOf, type Impl } from './server-params.js';
import type { WithRounds } from './server-rounds.js';
import { tasksRequired } from './task-handlers.js';
import { declaresTasks } from './task-wire.js';
import type { TaskRuntime } from './tasks.js';
import type { McpTool } from './tool.js';
import { answerFor } from './tool-answer.js';
import { CallToolParams, type CallToolResult } from './wire.js';

// The tools of an mcpServer: `tools/call` (a task when the tool and the request both ask for
// one), and the headers a call must mirror from its arguments.

type Rec = Record<string, unknown>;


/**
 * CallToolParams.is for the common call, without io-ts's combinators (on every call): true only
 * where CallToolParams.is is true; anything else is decoded by paramsOf, its -32602 included.
 */
const isPlainCall = (u: unknown): u is t.TypeOf<typeof CallToolParams> => {
  if (!isUnknownRecord(u)) return false;
  const args = u['arguments'];
  return typeof u['name'] === 'string' && (args === undefined || isUnknownRecord(args));
};

/** A call of `found` that runs as a task (its arguments checked first, `beforeTask` asked): the rare path, apart. */
const asTask = (found: McpTool, tasks: TaskRuntime, withRounds: WithRounds, params: unknown, ctx: RequestContext, p: t.TypeOf<typeof CallToolParams>): ReturnType<Impl> =>
  withRounds(params, ctx, { method: 'tools/call', name: p.name }, (mctx, round, args) =>
    found.prepare(args, mctx).pipe(switchMap((before) => (before !== undefined ? of(before) : tasks.create(params, ctx, (tctx) => found.call(args, tctx), round)))), p.arguments);

/** The `tools/call` of a server's tools: the tool's result, or the task that runs it. */
export const callTool = (tools: ReadonlyMap<string, McpTool>, tasks: TaskRuntime | undefined, withRounds: WithRounds): Impl => {
  // each tool's answer, looked up once: a Promise's is followed with no Observable around it
  const entries = new Map(
    [...tools].map(([name, t]) => {
      const answer = answerFor(t);
      const run: RoundRun<unknown, CallToolResult | InputRequired> = (mctx, _round, args, into) => answer(args, mctx, into);
      return [name, { found: t, run, binding: { method: 'tools/call', name } }] as const;
    }),
  );
  // the hot path: no defer of its own (the core calls every handler inside one), no closure per call
  return (params, ctx) => {
    const p = isPlainCall(params) ? params : paramsOf(CallToolParams, params, 'tools/call');
    const entry = entries.get(p.name);
    if (entry === undefined) throw new JsonRpcError(ErrorCodes.InvalidParams, `Unknown tool: ${preview(p.name, PREVIEW_MAX)}`);
    const found = entry.found;
    if (tasks !== undefined && found.task !== undefined && ctx.era === '2026-07-28') {
      // EXT L59-63: a task only for a request that declares the extension itself
      if (declaresTasks(params)) return asTask(found, tasks, withRounds, params, ctx, p);
      if (found.task === 'required') throw tasksRequired();
    }
    return withRounds(params, ctx, entry.binding, entry.run, p.arguments);
  };
};

/** The headers a request must mirror from its body: a `tools/call`'s `x-mcp-header` arguments. */
export const mirroredHeadersOf =
  (tools: ReadonlyMap<string, McpTool>) =>
  (message: { readonly method: string; readonly params?: unknown }): readonly MirroredHeader[] => {
    const p = message.params;
    if (message.method !== 'tools/call' || typeof p !== 'object' || p === null) return [];
    const name = (p as Rec)['name'];
    // an unknown tool mirrors nothing: its call gets -32602 from tools/call itself
    const found = typeof name === 'string' ? tools.get(name) : undefined;
    return found === undefined || found.headerParams.length === 0 ? [] : mirroredOf(found.headerParams, (p as Rec)['arguments']);
  };
