import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type * as t from 'io-ts';
import { defer, forkJoin, from, last, map, mergeMap, of, Observable, throwError, type ObservableInput } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import type { ProtocolEra } from '../codec/era.js';
import type { RequestId } from '../codec/messages.js';
import { JsonRpcError } from '../errors.js';
import type { Handler } from '../handler/run-request.js';
import { decodeAs } from './client-decode.js';
import { McpClientError } from './client-errors.js';
import {
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  ListRootsRequestParams,
  ListRootsResult,
  type WireInputRequest,
  type InputResponseMap,
} from './client-shapes.js';

/**
 * What a client handler knows of the request it answers. `signal` aborts when the answer is no
 * longer wanted: in 2025-11-25 the server cancelled its request; in 2026-07-28 the caller
 * unsubscribed the call whose `input_required` round this input is for.
 *
 * @example
 * const elicitation = (params: ElicitRequestParams, ctx: ClientHandlerContext) => askUser(params.message, ctx.signal);
 */
export interface ClientHandlerContext {
  readonly era: ProtocolEra;
  readonly signal: AbortSignal;
  /** 2025-11-25: the id of the server's request. */
  readonly requestId?: RequestId;
  /** 2026-07-28: the key of this input request in the server's `inputRequests`. */
  readonly inputKey?: string;
}

/**
 * A client handler: Observable (its last value answers), Promise or plain value.
 *
 * @example
 * const elicitation: ClientHandler<ElicitRequestParams, ElicitResult> = (params, ctx) => askUser(params.message, ctx.signal);
 * mcpClient(transport, { info, handlers: { elicitation } });
 */
export type ClientHandler<P, R> = (params: P, ctx: ClientHandlerContext) => ObservableInput<R>;

/**
 * How the client answers what a server asks of it, in both eras: as server-to-client requests in
 * 2025-11-25, as the `inputRequests` of an `input_required` result in 2026-07-28. Giving one
 * declares its capability (`elicitation`, `sampling`, `roots`).
 *
 * @example
 * const handlers: McpClientHandlers = {
 *   elicitation: (p) => of({ action: 'accept', content: { name: 'octocat' } }),
 *   roots: () => Promise.resolve({ roots: [{ uri: 'file:///work', name: 'work' }] }),
 * };
 */
export interface McpClientHandlers {
  readonly elicitation?: ClientHandler<ElicitRequestParams, ElicitResult>;
  readonly sampling?: ClientHandler<CreateMessageRequestParams, CreateMessageResult>;
  readonly roots?: ClientHandler<ListRootsRequestParams, ListRootsResult>;
}

interface Route {
  readonly params: t.Decoder<unknown, unknown>;
  readonly result: t.Decoder<unknown, unknown>;
  readonly pick: (h: McpClientHandlers) => ClientHandler<never, unknown> | undefined;
}

// method -> its params and result codecs, and which handler answers it
const ROUTES: Readonly<Record<string, Route>> = {
  'elicitation/create': { params: ElicitRequestParams, result: ElicitResult, pick: (h) => h.elicitation },
  'sampling/createMessage': { params: CreateMessageRequestParams, result: CreateMessageResult, pick: (h) => h.sampling },
  'roots/list': { params: ListRootsRequestParams, result: ListRootsResult, pick: (h) => h.roots },
};

/**
 * The client capabilities the handlers declare, under the caller's own (which win, member by member).
 *
 * @example
 * capabilitiesOf({ elicitation: () => of({ action: 'decline' }) }, { experimental: {} });
 * // { elicitation: {}, experimental: {} }
 */
export const capabilitiesOf = (handlers: McpClientHandlers | undefined, given: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> => ({
  ...(handlers?.elicitation === undefined ? {} : { elicitation: {} }),
  ...(handlers?.sampling === undefined ? {} : { sampling: {} }),
  ...(handlers?.roots === undefined ? {} : { roots: {} }),
  ...given,
});

/**
 * One answer: decode the params, run the handler (its last value), check what it answered. Bad
 * params are the server's fault (-32602 in 2025); a bad answer is ours (`INVALID_RESULT`).
 */
const answer = (method: string, route: Route, handler: ClientHandler<never, unknown>, params: unknown, ctx: ClientHandlerContext): Observable<unknown> =>
  pipe(
    route.params.decode(params ?? {}),
    E.match(
      () => throwError(() => new JsonRpcError(ErrorCodes.InvalidParams, `Invalid params for ${method}`)),
      (p) =>
        defer(() => from(handler(p as never, ctx))).pipe(
          last(),
          mergeMap((r) =>
            pipe(
              decodeAs(route.result, `${method} handler`, r),
              E.match(
                (e) => throwError(() => e),
                (ok) => of(ok),
              ),
            ),
          ),
        ),
    ),
  );

/**
 * The peer handlers of a 2025-11-25 client: `ping`, and the server-to-client requests the given
 * handlers answer (`elicitation/create`, `sampling/createMessage`, `roots/list`); a method without
 * a handler stays unregistered, so the peer answers it -32601. Give them to `createPeer` or
 * `connect` when you build the peer that {@link mcpClient} then takes (it does so itself when it is
 * given a transport).
 *
 * @example
 * const { peer } = connect(transport, { handlers: mcpClientHandlers({ elicitation: askUser }) });
 * const client = mcpClient(peer, { info: { name: 'app', version: '1.0.0' }, handlers: { elicitation: askUser } });
 */
export const mcpClientHandlers = (handlers: McpClientHandlers = {}): Record<string, Handler> => {
  const out: Record<string, Handler> = { ping: () => of({}) };
  for (const [method, route] of Object.entries(ROUTES)) {
    const handler = route.pick(handlers);
    if (handler === undefined) continue;
    // a bad answer of ours errors with McpClientError: the peer answers the server -32603
    out[method] = (params, ctx) => answer(method, route, handler, params, { era: '2025-11-25', signal: ctx.signal, requestId: ctx.requestId });
  }
  return out;
};

/**
 * Fulfil the `inputRequests` of a 2026-07-28 `input_required` result, all at once, with the
 * handlers: one answer per key, emitted once as the `inputResponses` of the retry. A request
 * without a handler (the server asked for what we did not declare) errors with `NO_HANDLER`.
 * Unsubscribing aborts every handler still running (its `ctx.signal`).
 *
 * @example
 * fulfilInputRequests(handlers, { confirm: { method: 'elicitation/create', params: { message: 'Sure?' } } })
 *   .subscribe((responses) => retryWith(responses));
 */
export const fulfilInputRequests = (handlers: McpClientHandlers, requests: Readonly<Record<string, WireInputRequest>>): Observable<InputResponseMap> => {
  const keys = Object.keys(requests);
  return forkJoin(
    keys.map((key) => {
      const request = requests[key] as WireInputRequest;
      const route = Object.hasOwn(ROUTES, request.method) ? ROUTES[request.method] : undefined;
      const handler = route?.pick(handlers);
      if (route === undefined || handler === undefined)
        return throwError(() => new McpClientError('NO_HANDLER', `The server asked for ${JSON.stringify(request.method.slice(0, 64))} (input ${JSON.stringify(key.slice(0, 64))}) and this client has no handler for it`, { key, method: request.method.slice(0, 64) }));
      // one AbortController per answer, aborted when the answer is abandoned (unsubscribe, a sibling failed)
      return new Observable<unknown>((subscriber) => {
        const ac = new AbortController();
        let settled = false;
        const s = answer(request.method, route, handler, request.params, { era: '2026-07-28', signal: ac.signal, inputKey: key }).subscribe({
          next: (v) => subscriber.next(v),
          error: (e: unknown) => ((settled = true), subscriber.error(e)),
          complete: () => ((settled = true), subscriber.complete()),
        });
        return () => {
          s.unsubscribe();
          if (!settled) ac.abort(new Error('input no longer needed'));
        };
      });
    }),
  ).pipe(map((answers) => Object.fromEntries(keys.map((k, i) => [k, answers[i]]))));
};
