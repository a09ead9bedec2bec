import { defer, map } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { JsonRpcError } from '../errors.js';
import type { RequestContext } from '../handler/context.js';
import { completeWith } from './completion.js';
import type { McpRequestContext } from './context.js';
import type { McpPrompt } from './prompt.js';
import type { McpResourceTemplate } from './resource.js';
import { paramsOf, type Impl } from './server-params.js';
import type { WithRounds } from './server-rounds.js';
import { CompleteParams, GetPromptParams } from './wire.js';

// The prompts of an mcpServer (`prompts/get`), and the completion of the arguments of its prompts
// and resource templates (`completion/complete`).

/** The `prompts/get` of a server's prompts. */
export const getPrompt =
  (prompts: ReadonlyMap<string, McpPrompt>, withRounds: WithRounds): Impl =>
  (params, ctx) =>
    defer(() => {
      const p = paramsOf(GetPromptParams, params, 'prompts/get');
      const found = prompts.get(p.name);
      if (found === undefined) throw new JsonRpcError(ErrorCodes.InvalidParams, `Unknown prompt: ${preview(p.name, PREVIEW_MAX)}`);
      return withRounds(params, ctx, { method: 'prompts/get', name: p.name }, (mctx, _round, args) => found.get(args, mctx), p.arguments);
    });

/** The `completion/complete` of the completers of a server's prompts and resource templates. */
export const completeArgument =
  (prompts: ReadonlyMap<string, McpPrompt>, templates: readonly McpResourceTemplate[], mcpContext: (ctx: RequestContext, params: unknown) => McpRequestContext): Impl =>
  (params, ctx) =>
    defer(() => {
      const p = paramsOf(CompleteParams, params, 'completion/complete');
      const completer = p.ref.type === 'ref/prompt'
        ? prompts.get(p.ref.name)?.complete[p.argument.name]
        : templates.find((x) => x.uriTemplate === (p.ref as { uri: string }).uri)?.complete[p.argument.name];
      return completeWith(completer, p.argument.value, { arguments: p.context?.arguments ?? {}, ctx: mcpContext(ctx, params) }).pipe(map((completion) => ({ completion })));
    });
