import { defer, of } from 'rxjs';
import { pageOf } from './paginate.js';
import { paramsOf, type Impl } from './server-params.js';
import { ListParams } from './wire.js';

// The list methods of an mcpServer (`tools/list`, `prompts/list`, `resources/list`,
// `resources/templates/list`): one page of descriptors, and the cursor of the next.

/** The list method `method`: a page of `items` under `key`, with a `nextCursor` while more follow. */
export const listed =
  <T>(method: string, key: string, items: readonly T[], descriptor: (x: T) => unknown, pageSize: number): Impl =>
  (params) =>
    defer(() => {
      const { cursor } = paramsOf(ListParams, params, method) ?? {};
      const { page, nextCursor } = pageOf(items, cursor, pageSize);
      return of(nextCursor === undefined ? { [key]: page.map(descriptor) } : { [key]: page.map(descriptor), nextCursor });
    });
