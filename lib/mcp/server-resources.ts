import { defer, map, of, type Observable } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { JsonRpcError } from '../errors.js';
import type { McpRequestContext } from './context.js';
import { inputRequired, type InputRequired } from './input-required.js';
import { MAX_URI_LENGTH, type McpResource, type McpResourceTemplate } from './resource.js';
import { paramsOf, type Impl } from './server-params.js';
import type { WithRounds } from './server-rounds.js';
import { MAX_SUBSCRIPTIONS_PER_CONNECTION, type ResourceSubscriptions } from './subscriptions.js';
import { ReadResourceParams, type ResourceContents } from './wire.js';

// The resources of an mcpServer: `resources/read` (a fixed resource, or the first template that
// matches), and the 2025-11-25 `resources/subscribe` and `resources/unsubscribe`.

/** What the resource methods serve: the fixed resources by uri, the templates, the subscriptions. */
export interface ResourcesInit {
  readonly resources: ReadonlyMap<string, McpResource>;
  readonly templates: readonly McpResourceTemplate[];
  readonly subscriptions: ResourceSubscriptions;
  readonly withRounds: WithRounds;
}

/** The methods `resources/read`, `resources/subscribe` and `resources/unsubscribe`. */
export const resourceMethods = ({ resources, templates, subscriptions, withRounds }: ResourcesInit): Record<string, Impl> => {
  const known = (uri: string): boolean => resources.has(uri) || templates.some((x) => x.match(uri) !== undefined);
  return {
    'resources/read': (params, ctx) =>
      defer(() => {
        const { uri } = paramsOf(ReadResourceParams, params, 'resources/read');
        const fixed = resources.get(uri);
        const reader = fixed === undefined
          ? templates.reduce<((mctx: McpRequestContext) => Observable<readonly ResourceContents[] | InputRequired>) | undefined>((found, x) => {
              if (found !== undefined) return found;
              const variables = x.match(uri);
              return variables === undefined ? undefined : (mctx) => x.read(uri, variables, mctx);
            }, undefined)
          : (mctx: McpRequestContext) => fixed.read(mctx);
        if (reader === undefined) {
          // 2026-07-28 (SEP-2164): -32602 with the uri; 2025-11-25: -32002, its own code for it
          const code = ctx.era === '2026-07-28' ? ErrorCodes.InvalidParams : ErrorCodes.ResourceNotFound;
          throw new JsonRpcError(code, 'Resource not found', { uri: uri.length <= MAX_URI_LENGTH ? uri : preview(uri, PREVIEW_MAX) });
        }
        return withRounds(params, ctx, { method: 'resources/read', name: uri }, (mctx, _round, read) =>
          read(mctx).pipe(map((out) => (inputRequired.is(out) ? out : { contents: out }))), reader);
      }),
    'resources/subscribe': (params, ctx) =>
      defer(() => {
        const { uri } = paramsOf(ReadResourceParams, params, 'resources/subscribe');
        if (!known(uri)) throw new JsonRpcError(ErrorCodes.ResourceNotFound, 'Resource not found', { uri: uri.length <= MAX_URI_LENGTH ? uri : preview(uri, PREVIEW_MAX) });
        if (!subscriptions.subscribe(ctx.connection, uri))
          throw new JsonRpcError(ErrorCodes.InvalidParams, `Invalid params: at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`);
        return of({});
      }),
    'resources/unsubscribe': (params, ctx) =>
      defer(() => {
        subscriptions.unsubscribe(ctx.connection, paramsOf(ReadResourceParams, params, 'resources/unsubscribe').uri);
        return of({});
      }),
  };
};
