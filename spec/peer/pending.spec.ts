import { expect } from 'chai';
import { Subscriber } from 'rxjs';
import { DEFAULT_MAX_TOTAL_TIMEOUT_MS } from '../../lib/index.js';
import { Pending, totalOf, type PendingOwner } from '../../lib/peer/pending.js';
import type { RequestOptions } from '../../lib/peer/request-options.js';

const owner: PendingOwner = { abandon: () => undefined, aborted: () => undefined };
const pending = (options: RequestOptions, idleMs: number | undefined): Pending => new Pending(0, 'x', new Subscriber(), options, owner, idleMs);

describe('Pending', () => {
  it('should cap a request reset by progress at the default total, never below its idle timeout, and let Infinity opt out', () => {
    expect(totalOf(pending({}, 100))).to.equal(undefined);
    expect(totalOf(pending({ resetTimeoutOnProgress: true }, 100))).to.equal(DEFAULT_MAX_TOTAL_TIMEOUT_MS);
    expect(totalOf(pending({ resetTimeoutOnProgress: true }, 900_000))).to.equal(900_000);
    expect(totalOf(pending({ resetTimeoutOnProgress: true }, undefined))).to.equal(undefined);
    expect(totalOf(pending({ maxTotalTimeoutMs: 50 }, 100))).to.equal(50);
    expect(totalOf(pending({ resetTimeoutOnProgress: true, maxTotalTimeoutMs: Infinity }, 100))).to.equal(undefined);
  });

  it('should tell its owner of an unsubscribe and of an abort, as itself', () => {
    const seen: string[] = [];
    const p = new Pending(3, 'x', new Subscriber(), {}, { abandon: (q) => seen.push(`abandon:${q.id}`), aborted: (q) => seen.push(`aborted:${q.id}`) }, undefined);
    p.unsubscribe();
    p.handleEvent();
    expect(seen).to.deep.equal(['abandon:3', 'aborted:3']);
  });
});
