import { expect } from 'chai';
import { take, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { McpClientError, paginate, type PageOf } from '../../lib/mcp.js';

// Paging drawn: each page is a cold request that answers after a while; the next page is asked
// for only after the items of the one before went out, and never once the subscriber left.

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => void expect(actual).to.deep.equal(expected));

describe('paginate', () => {
  it('should emit every item across pages, asking for each page after the one before', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // prettier-ignore
      const p1 = cold<PageOf<string>>('--a|', { a: { items: ['t1', 't2'], nextCursor: 'c2' } });
      const p2 = cold<PageOf<string>>('-----b|', { b: { items: ['t3'] } });
      const pages: Record<string, Observable<PageOf<string>>> = { first: p1, c2: p2 };
      const asked: Array<string | undefined> = [];
      const items$ = paginate((cursor) => (asked.push(cursor), pages[cursor ?? 'first'] as Observable<PageOf<string>>));
      // the next page is asked for as soon as this one's items are out, before its request completes
      expectObservable(items$).toBe('--(xy)-z|', { x: 't1', y: 't2', z: 't3' });
      expectSubscriptions(p1.subscriptions).toBe('^--!');
      expectSubscriptions(p2.subscriptions).toBe('--^-----!');
    });
  });

  it('should stop paging when the subscriber has what it wants: take(n) never asks for the next page', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const p1 = cold<PageOf<string>>('--a|', { a: { items: ['t1', 't2'], nextCursor: 'c2' } });
      const p2 = cold<PageOf<string>>('--b|', { b: { items: ['t3'] } });
      const items$ = paginate((cursor) => (cursor === undefined ? p1 : p2)).pipe(take(2));
      expectObservable(items$).toBe('--(xy|)', { x: 't1', y: 't2' });
      expectSubscriptions(p1.subscriptions).toBe('^-!');
      expectSubscriptions(p2.subscriptions).toBe([]);
    });
  });

  it('should cancel the page in flight when the subscriber unsubscribes, and ask for no other', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const p1 = cold<PageOf<string>>('--a|', { a: { items: ['t1'], nextCursor: 'c2' } });
      const p2 = cold<PageOf<string>>('-----b|', { b: { items: ['t2'], nextCursor: 'c3' } });
      const p3 = cold<PageOf<string>>('-c|', { c: { items: ['t3'] } });
      const items$ = paginate((cursor) => (cursor === undefined ? p1 : cursor === 'c2' ? p2 : p3));
      expectObservable(items$, '^----!').toBe('--x--', { x: 't1' });
      expectSubscriptions(p2.subscriptions).toBe('--^--!');
      expectSubscriptions(p3.subscriptions).toBe([]);
    });
  });

  it('should end with CURSOR_REPEATED when the server sends a cursor a second time', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const loop = cold<PageOf<string>>('-a|', { a: { items: ['t'], nextCursor: 'same' } });
      const items$ = paginate(() => loop);
      expectObservable(items$).toBe('-x(x#)', { x: 't' }, new McpClientError('CURSOR_REPEATED', 'The server sent the cursor "same" twice: paging stopped'));
    });
  });
});
