import { map, type Observable } from 'rxjs';
import type { RequestContext } from '../handler/context.js';
import { Later } from '../handler/later.js';
import { McpRequestContext, type ConnectionState, type Round } from './context.js';
import { askPeer, playRoundsLater } from './local-rounds.js';
import type { RequestStateCodec, StateBinding } from './request-state.js';
import { answerRound, openRound } from './round.js';

// The input rounds of an mcpServer's requests, in each era: played here over the connection in
// 2025-11-25, answered with inputRequired (its state sealed) in 2026-07-28.

/** Run a request that may answer inputRequired, with the rounds of its era. */
export type WithRounds = <R>(
  params: unknown,
  ctx: RequestContext,
  binding: StateBinding,
  run: (mctx: McpRequestContext, round: Round) => Observable<R> | Later<R>,
) => Observable<object> | Later<object>;

/**
 * The rounds of one server's requests: a request that may answer inputRequired (2026-07-28) has
 * its retry's answers and state checked before the handler runs, and an inputRequired answer
 * written (or refused) after.
 */
export const roundsOf =
  (states: WeakMap<object, ConnectionState>, codec: RequestStateCodec | undefined): WithRounds =>
  (params, ctx, binding, run) => {
    const era = ctx.era ?? '2025-11-25';
    if (era !== '2026-07-28') {
      // 2025-11-25: the same handler, its rounds played here with requests tied to the call
      const state = states.get(ctx.connection);
      return playRoundsLater((round) => run(new McpRequestContext(ctx, params, state, round), round), askPeer(ctx, state?.capabilities ?? {})) as Observable<object> | Later<object>;
    }
    const round = openRound(params, era, codec, binding);
    const mctx = new McpRequestContext(ctx, params, states.get(ctx.connection), round);
    const written = (out: unknown): object => answerRound(out, mctx.clientCapabilities, codec, binding) as object;
    const answered = run(mctx, round);
    return answered instanceof Later ? answered.map(written) : answered.pipe(map(written));
  };
