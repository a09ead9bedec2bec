import { concat, defer, from, mergeMap, throwError, type Observable } from 'rxjs';
import { McpClientError } from './client-errors.js';

/**
 * One page of a paginated list: its items, and the cursor of the next page, if any.
 *
 * @example
 * const page = (cursor: string | undefined): Observable<PageOf<Tool>> =>
 *   peer.request<{ tools: Tool[]; nextCursor?: string }>('tools/list', cursor === undefined ? {} : { cursor }).pipe(map((r) => ({ items: r.tools, nextCursor: r.nextCursor })));
 * paginate(page).pipe(take(10)).subscribe(show);
 */
export interface PageOf<I> {
  readonly items: readonly I[];
  readonly nextCursor?: string | undefined;
}

/**
 * Every item of a cursor-paginated list (MCP `server/utilities/pagination`), one page after the
 * other: the first page is fetched on subscribe, the next only once the items of the one before
 * have been emitted, and only if the subscriber is still there. So `take(n)`, `first()` or an
 * unsubscribe stop the paging: a page that is in flight is cancelled (its request's cancel), and
 * no further page is asked for. A cursor that comes back a second time would page forever: it
 * ends the stream with a `CURSOR_REPEATED` {@link McpClientError}.
 *
 * @example
 * // the first three tools, whatever the page size: at most the pages needed are fetched
 * paginate((cursor) => fetchToolsPage(cursor)).pipe(take(3)).subscribe(show);
 */
export const paginate = <I>(page: (cursor: string | undefined) => Observable<PageOf<I>>): Observable<I> =>
  defer(() => {
    // per subscription: a retry or a second subscriber starts from the first page again
    const seen = new Set<string>();
    const from$ = (cursor: string | undefined): Observable<I> =>
      page(cursor).pipe(
        mergeMap((p) => {
          const next = p.nextCursor;
          if (next === undefined) return from(p.items);
          if (seen.has(next)) return concat(from(p.items), throwError(() => new McpClientError('CURSOR_REPEATED', `The server sent the cursor ${JSON.stringify(next.slice(0, 64))} twice: paging stopped`)));
          seen.add(next);
          // concat subscribes to the next page only after these items, and not at all once the
          // subscriber left (take(n) unsubscribes inside the last next())
          return concat(from(p.items), defer(() => from$(next)));
        }),
      );
    return from$(undefined);
  });
