import { expect } from 'chai';
import { NEVER, Subject } from 'rxjs';
import { CancellationManager, RequestHandler, type RequestOutcome } from '../../lib/index.js';

describe('RequestHandler (the seed part, for streams of your own)', () => {
  it('should register on subscribe, run the handler, and forget the key at the end', () => {
    const manager = new CancellationManager();
    const work = new Subject<unknown>();
    const outcomes: RequestOutcome[] = [];
    const run = new RequestHandler(manager).handle({ requestId: 1 }, () => work, { a: 1 });
    expect(manager.size).to.equal(0); // cold
    run.subscribe((o) => outcomes.push(o));
    expect(manager.has({ requestId: 1 })).to.equal(true);
    work.next({ ok: true });
    work.complete();
    expect(outcomes).to.deep.equal([{ type: 'result', result: { ok: true } }]);
    expect(manager.size).to.equal(0);
  });

  it('should stop on manager.cancel and run cleanup once', () => {
    const manager = new CancellationManager();
    let cleaned = 0;
    const outcomes: RequestOutcome[] = [];
    new RequestHandler(manager).handle({ sessionId: 's', requestId: 'x' }, (_p, ctx) => (ctx.onCleanup(() => void cleaned++), NEVER)).subscribe((o) => outcomes.push(o));
    expect(manager.cancel({ sessionId: 's', requestId: 'x' }, 'stop')).to.equal('cancelled');
    expect(outcomes).to.deep.equal([{ type: 'cancelled', reason: { source: 'peer', reason: 'stop' } }]);
    expect(cleaned).to.equal(1);
  });

  it('should refuse a key already in flight with a state_error outcome, running nothing', () => {
    const manager = new CancellationManager();
    const runner = new RequestHandler(manager);
    runner.handle({ requestId: 1 }, () => NEVER).subscribe();
    let ran = false;
    const outcomes: RequestOutcome[] = [];
    runner.handle({ requestId: 1 }, () => ((ran = true), NEVER)).subscribe((o) => outcomes.push(o));
    expect(ran).to.equal(false);
    expect(outcomes[0]?.type === 'error' && outcomes[0].failure.error).to.equal('state_error');
    expect(manager.size).to.equal(1);
  });
});
