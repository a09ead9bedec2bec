import { map, type Observable } from 'rxjs';
import type { RequestContext } from '../handler/context.js';
import { Later } from '../handler/later.js';
import { McpRequestContext, type ConnectionState } from './context.js';
import { playRoundsLater, type RoundRun } from './local-rounds.js';
import type { RequestStateCodec, StateBinding } from './request-state.js';
import { answerRound, openRound } from './round.js';

// The input rounds of an mcpServer's requests, in each era: played here over the connection in
// 2025-11-25, answered with inputRequired (its state sealed) in 2026-07-28.

/**
 * Run a request that may answer inputRequired, with the rounds of its era: `run(mctx, round,
 * args)` per round (`args` passed through, so that a handler made once needs no closure per call).
 */
export type WithRounds = <A, R>(
  params: unknown,
  ctx: RequestContext,
  binding: StateBinding,
  run: RoundRun<A, R>,
  args: A,
) => Observable<object> | Later<object>;

/** A 2026-07-28 answer as sent: a result as it is, an inputRequired written for the wire (or refused). */
const written = <R>(answered: Observable<R> | Later<R>, mctx: McpRequestContext, codec: RequestStateCodec | undefined, binding: StateBinding): Observable<object> | Later<object> => {
  const write = (out: R): object => answerRound(out, mctx, codec, binding) as object;
  return answered instanceof Later ? answered.map(write) : answered.pipe(map(write));
};

/**
 * The rounds of one server's requests: a request that may answer inputRequired (2026-07-28) has
 * its retry's answers and state checked before the handler runs, and an inputRequired answer
 * written (or refused) after.
 */
export const roundsOf =
  (states: WeakMap<object, ConnectionState>, codec: RequestStateCodec | undefined): WithRounds =>
  (params, ctx, binding, run, args) => {
    const era = ctx.era ?? '2025-11-25';
    // 2025-11-25: the same handler, its rounds played here with requests tied to the call
    if (era !== '2026-07-28') return playRoundsLater(run, args, new McpRequestContext(ctx, params, states.get(ctx.connection))) as Observable<object> | Later<object>;
    const round = openRound(params, era, codec, binding);
    const mctx = new McpRequestContext(ctx, params, states.get(ctx.connection), round);
    return written(run(mctx, round, args), mctx, codec, binding);
  };
