import { Observable, defer, forkJoin, map, of, switchMap, throwError, type Subscription } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { JsonRpcError } from '../errors.js';
import type { RequestContext } from '../handler/context.js';
import { Later, asObservable, type Follower } from '../handler/later.js';
import type { McpRequestContext, Round } from './context.js';
import { inputRequired, missingCapabilities, type InputRequest, type InputRequired } from './input-required.js';

/** The most rounds one 2025-11-25 request plays here before it is refused (a handler that never stops asking). */
export const MAX_LOCAL_ROUNDS = 16;

/** How the rounds of one request ask for input: the answers by key, once all are answered (the handler then runs again). */
export type AskInput = (requests: Readonly<Record<string, InputRequest>>) => Observable<Record<string, unknown>>;

/**
 * The 2025-11-25 way to ask: each input request sent to the client as a request tied to the call
 * (`ctx.request`: on the call's stream, cancelled with it), all at once; one that fails fails the
 * call. Asking for what the client did not declare in its `initialize` is -32602.
 *
 * @example
 * playRounds(attempt, askPeer(ctx, state.capabilities));
 */
export const askPeer =
  (ctx: Pick<RequestContext, 'request'>, declared: Readonly<Record<string, unknown>>): AskInput =>
  (requests) => {
    const missing = missingCapabilities(requests, declared);
    if (missing !== undefined)
      throw new JsonRpcError(ErrorCodes.InvalidParams, `The client did not declare the capabilities this needs: ${Object.keys(missing).join(', ')}`, { requiredCapabilities: missing });
    const entries = Object.entries(requests);
    if (entries.length === 0) return of({});
    // all at once, each tied to the call: one that fails fails the call, and the call's end cancels the rest
    return forkJoin(entries.map(([, r]) => ctx.request(r.method, r.params ?? {}))).pipe(map((answers) => Object.fromEntries(entries.map(([k], i) => [k, answers[i]]))));
  };

/**
 * One handler for every way of asking. In 2026-07-28 an `inputRequired` answer of a plain call
 * goes to the client, which retries; where there is no retry its rounds are played here: in
 * 2025-11-25 each input request is sent to the client tied to the call ({@link askPeer}), and in
 * a task (tasks extension) it is posted on the task as `input_required` and answered by
 * `tasks/update`. Once all are answered the handler runs again with the answers and its state.
 * The state never leaves the server, so it needs no seal. A tool written once with
 * `inputRequired` works in all three.
 *
 * The handler's last value decides each round; more than {@link MAX_LOCAL_ROUNDS} rounds is
 * -32603. `first` is the round the handler starts with (the answers a task's call brought).
 *
 * @example
 * playRounds((round) => run(new McpRequestContext(ctx, params, state, round)), askPeer(ctx, declared));
 */
export const playRounds = <R>(
  attempt: (round: Round) => Observable<R>,
  ask: AskInput,
  maxRounds: number = MAX_LOCAL_ROUNDS,
  first: Round = {},
): Observable<Exclude<R, InputRequired>> => roundsWith(attempt, ask, maxRounds).played(() => attempt(first), 1);

/**
 * One round of a request: its handler, called with the round's context, the round, and the
 * request's arguments. A handler that answers later may settle `into` (the Later the rounds are
 * read from) rather than a Later of its own: then nothing stands between its answer and the core.
 */
export type RoundRun<A, R> = (mctx: McpRequestContext, round: Round, args: A, into?: Later<R>) => Observable<R> | Later<R>;

/**
 * {@link playRounds} for a handler that may answer later (a tool whose run gave a Promise),
 * starting from `mctx`'s round: the first round's answer is read as it is, with no Observable and
 * no layer (most calls have no round); only an `inputRequired` answer goes on to rounds, asked of
 * the peer ({@link askPeer}) and played as Observables, stopped with the Later. Nothing is
 * allocated for the rounds after the first until one is asked for.
 *
 * @example
 * return playRoundsLater((mctx, _round, args, into) => answer(args, mctx, into), p.arguments, new McpRequestContext(ctx, params, state));
 */
export const playRoundsLater = <A, R>(
  run: RoundRun<A, R>,
  args: A,
  mctx: McpRequestContext,
  maxRounds: number = MAX_LOCAL_ROUNDS,
): Observable<Exclude<R, InputRequired>> | Later<Exclude<R, InputRequired> | undefined> => {
  const rounds = new LaterRounds(run, args, mctx, maxRounds);
  // handed to the handler as a Later of its own answers (an inputRequired among them): its
  // resolve takes the first round's answer, and only a value that is not inputRequired settles it
  const first = run(mctx, mctx.round, args, rounds as Later<R>);
  // the handler settles the rounds' own Later: its answer reaches the reader with no hop
  if (first === rounds) return rounds;
  // a Later of its own (a hand-made tool's): followed
  if (first instanceof Later) return rounds.following(first);
  return nextRounds(run, args, mctx, maxRounds).played(() => first, 1);
};

/** The rounds after a first one, in 2025-11-25: asked of the peer, each answered in a context of its own. */
const nextRounds = <A, R>(run: RoundRun<A, R>, args: A, mctx: McpRequestContext, maxRounds: number) =>
  roundsWith((r: Round) => asObservable(run(mctx.withRound(r), r, args)), askPeer(mctx, mctx.clientCapabilities), maxRounds);

/**
 * The rounds of a request whose first answer comes later: the Later its handler settles (or that
 * follows the handler's own). A first answer that is not inputRequired is its value as it is;
 * one that is starts the rounds after it, played as Observables, their last value its value.
 * Stopping it stops either.
 */
class LaterRounds<A, R> extends Later<Exclude<R, InputRequired> | undefined> implements Follower<R> {
  // the rounds after the first are under way: they, not a second answer, settle it
  private playing = false;

  constructor(
    private readonly run: RoundRun<A, R>,
    private readonly args: A,
    private readonly mctx: McpRequestContext,
    private readonly maxRounds: number,
  ) {
    super();
  }

  /** Follow a handler's own Later as the first answer. */
  following(answer: Later<R>): this {
    this.onUnsubscribe(answer);
    answer.follow(this);
    return this;
  }

  /** The first round's answer (settled by the handler, or told by the Later it follows); then the last round's. */
  override resolve(value: Exclude<R, InputRequired> | undefined): void {
    if (this.playing) return;
    // stopped (the call was cancelled) or settled: nothing is asked of the peer
    if (!this.pending || !inputRequired.is(value)) return super.resolve(value);
    this.playing = true;
    // the rare case: rounds after all; their last value is the answer, and stopping this stops them
    let last: Exclude<R, InputRequired> | undefined;
    const s = nextRounds(this.run, this.args, this.mctx, this.maxRounds)
      .after(value, 1)
      .subscribe({ next: (v) => void (last = v), error: (e: unknown) => this.reject(e), complete: () => super.resolve(last) });
    this.onUnsubscribe(s);
  }

  resolved(value: R): void {
    this.resolve(value as Exclude<R, InputRequired>);
  }

  failed(e: unknown): void {
    this.reject(e);
  }
}

/** The rounds of one request: `played`, a round and those after it; `after`, those after an inputRequired answer. */
const roundsWith = <R>(attempt: (round: Round) => Observable<R>, ask: AskInput, maxRounds: number) => {
  // the rounds after round n answered `out`: the input asked, then the handler again
  const after = (out: InputRequired, n: number): Observable<Exclude<R, InputRequired>> => {
    if (n >= maxRounds) return throwError(() => new JsonRpcError(ErrorCodes.InternalError, `The handler asked the client for input more than ${maxRounds} times`));
    return defer(() => ask(out.inputRequests ?? {})).pipe(
      switchMap((inputResponses) => {
        const r: Round = out.requestState === undefined ? { inputResponses } : { inputResponses, requestState: out.requestState };
        return played(() => attempt(r), n + 1);
      }),
    );
  };
  // one layer per round, not an operator chain per call: the handler's last value is held, and
  // only when it completes on an inputRequired is there a next round (most calls have none)
  const played = (answer: () => Observable<R>, n: number): Observable<Exclude<R, InputRequired>> =>
    new Observable<Exclude<R, InputRequired>>((subscriber) => {
      let last: { readonly value: R } | undefined;
      let next: Subscription | undefined;
      const own = answer().subscribe({
        next: (value) => void (last = { value }),
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          if (last === undefined) return subscriber.complete();
          const out = last.value;
          if (!inputRequired.is(out)) {
            subscriber.next(out as Exclude<R, InputRequired>);
            return subscriber.complete();
          }
          next = after(out, n).subscribe(subscriber);
        },
      });
      return () => {
        own.unsubscribe();
        next?.unsubscribe();
      };
    });
  return { played, after };
};
