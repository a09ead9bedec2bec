import { expect } from 'chai';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { McpClientError, withInputRounds, type InputResponseMap, type RoundParams } from '../../lib/mcp.js';

// Input rounds (MCP 2026-07-28 basic/patterns/mrtr) drawn: each round is a cold request; between
// two rounds only the fulfilment runs; the bound ends the run; an unsubscribe cancels only the
// round (or fulfilment) running at that moment.

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => void expect(actual).to.deep.equal(expected));
const asked = (state: string) => ({ resultType: 'input_required', inputRequests: { q: { method: 'elicitation/create', params: { message: 'ok?' } } }, requestState: state });
const done = { resultType: 'complete', content: [] };

describe('withInputRounds', () => {
  it('should retry with the responses and the requestState untouched, each round a request of its own', () => {
    const sent: Array<RoundParams | undefined> = [];
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r1 = cold('--a|', { a: asked('s1') });
      const r2 = cold('--b|', { b: done });
      const answers = cold<InputResponseMap>('-r|', { r: { q: { action: 'accept' } } });
      const rounds: Array<Observable<unknown>> = [r1, r2];
      const run$ = withInputRounds((p) => (sent.push(p), rounds[sent.length - 1] as Observable<unknown>), () => answers, 'tools/call', 3);
      expectObservable(run$).toBe('-----d|', { d: done });
      expectSubscriptions(r1.subscriptions).toBe('^--!');
      expectSubscriptions(answers.subscriptions).toBe('--^-!');
      expectSubscriptions(r2.subscriptions).toBe('---^--!');
    });
    expect(sent).to.deep.equal([undefined, { inputResponses: { q: { action: 'accept' } }, requestState: 's1' }]);
  });

  it('should error with INPUT_ROUNDS_EXCEEDED after maxRounds retries, carrying the last input_required result', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const again = cold('-a|', { a: asked('s') });
      const answers = cold<InputResponseMap>('r|', { r: { q: { action: 'decline' } } });
      const run$ = withInputRounds(() => again, () => answers, 'tools/call', 2);
      const error = new McpClientError('INPUT_ROUNDS_EXCEEDED', 'tools/call still required input after 2 rounds', { rounds: 2, lastResult: asked('s') });
      expectObservable(run$).toBe('---#', undefined, error);
      // the first request and two retries: three rounds, never a fourth
      expectSubscriptions(again.subscriptions).toBe(['^-!', '-^-!', '--^!']);
    });
  });

  it('should cancel only the round in flight when unsubscribed, and start no other', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r1 = cold('-a|', { a: asked('s1') });
      const r2 = cold('------b|', { b: done });
      const answers = cold<InputResponseMap>('r|', { r: { q: { action: 'accept' } } });
      const rounds = [r1, r2];
      let n = 0;
      const run$ = withInputRounds(() => rounds[n++] as Observable<unknown>, () => answers, 'tools/call', 5);
      expectObservable(run$, '^----!').toBe('-----');
      expectSubscriptions(r1.subscriptions).toBe('^-!');
      expectSubscriptions(r2.subscriptions).toBe('-^---!');
    });
  });

  it('should retry at once without responses when the server sent requestState only, and send no requestState it did not get', () => {
    const sent: Array<RoundParams | undefined> = [];
    scheduler().run(({ cold, expectObservable }) => {
      const shed = cold('-a|', { a: { resultType: 'input_required', requestState: 'later' } });
      const r2 = cold('-b|', { b: done });
      const rounds = [shed, r2];
      const run$ = withInputRounds((p) => (sent.push(p), rounds[sent.length - 1] as Observable<unknown>), () => cold('#'), 'tools/call', 3);
      expectObservable(run$).toBe('--d|', { d: done });
    });
    expect(sent).to.deep.equal([undefined, { requestState: 'later' }]);
  });

  it('should error with INVALID_RESULT for an input_required result with neither inputRequests nor requestState', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const empty = cold('-a|', { a: { resultType: 'input_required' } });
      const run$ = withInputRounds(() => empty, () => cold('#'), 'tools/call', 3);
      expectObservable(run$).toBe('-#', undefined, new McpClientError('INVALID_RESULT', 'Invalid tools/call result: input_required with neither inputRequests nor requestState', { method: 'tools/call' }));
    });
  });
});
