import * as E from 'fp-ts/lib/Either.js';
import { Observable, Subscription } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { report } from '../codec/report.js';
import { JsonRpcError } from '../errors.js';
import type { ConnectionRef } from '../handler/connection-ref.js';
import type { RequestContext } from '../handler/context.js';
import type { ResourceSubscriptions } from './subscriptions.js';
import { detailedTask } from './task-record.js';
import { ListenParams, META_SUBSCRIPTION_ID, declaresTasks } from './task-wire.js';
import { taskChanges } from './task-changes.js';
import { tasksRequired } from './task-handlers.js';
import type { TaskRuntime } from './tasks.js';

// `subscriptions/listen` on the server (MCP 2026-07-28 basic/patterns/subscriptions): a long
// request whose answer is a stream of notifications. Like every request of this library it is a
// subscription: the client ends it by closing its stream (HTTP) or `notifications/cancelled`
// (stdio), which unsubscribes it (cleanups once, no response, as for any cancel); the server
// ends it with a successful result (docs/protocol.md "Ending a listen").

/** What a listen needs of its server: the tasks (for `taskIds`), the resource registry (for `resourceSubscriptions`), and its close. */
export interface ListenInit {
  readonly tasks: TaskRuntime | undefined;
  /** The registry of `resources/updated`, when the server has resources. */
  readonly resources: ResourceSubscriptions | undefined;
  /** Emits once when the server closes: every listen then ends with its result. */
  readonly closing$: Observable<void>;
}

/**
 * The `subscriptions/listen` handler: the acknowledgement first (`notifications/subscriptions/acknowledged`
 * with the part of the filter this server honours: the task ids this request's owner may see,
 * the resource URIs it serves), then `notifications/tasks` with the whole task on each change of
 * each (from any instance sharing the store) and `notifications/resources/updated`, every message
 * carrying the subscription id (the listen's JSON-RPC id) in `_meta`. Tools, prompts and
 * resources lists never change here, so those filters are left out of the acknowledgement. It
 * ends with a `SubscriptionsListenResult` when the server closes, or when every task it follows
 * is terminal and it follows nothing else. Task ids from a request that does not declare the
 * tasks extension are -32021 (EXT L457); the filter is decoded and bounded (-32602).
 *
 * @example
 * impls['subscriptions/listen'] = listenHandler({ tasks, resources, closing$ });
 */
export const listenHandler =
  (init: ListenInit) =>
  (params: unknown, ctx: RequestContext): Observable<object> => {
    const d = ListenParams.decode(params);
    if (E.isLeft(d)) throw new JsonRpcError(ErrorCodes.InvalidParams, preview(`Invalid params for subscriptions/listen: ${report(d.left).join('; ')}`, PREVIEW_MAX * 4));
    const filter = d.right.notifications;
    const askedIds = [...new Set(filter.taskIds ?? [])];
    if (askedIds.length > 0 && !declaresTasks(params)) throw tasksRequired();
    const { tasks, resources } = init;
    const uris = resources === undefined ? [] : [...new Set(filter.resourceSubscriptions ?? [])];
    return new Observable<object>((subscriber) => {
      const meta = { [META_SUBSCRIPTION_ID]: ctx.requestId };
      const subs = new Subscription();
      const end = (): void => {
        // the graceful end: a result, then the stream closes
        subscriber.next({ _meta: meta });
        subscriber.complete();
      };
      subs.add(init.closing$.subscribe(end));
      const owner = tasks === undefined || askedIds.length === 0 ? undefined : tasks.ownerOf(params, ctx);
      const visible = (id: string): Promise<string | undefined> =>
        tasks === undefined || owner === undefined
          ? Promise.resolve(undefined)
          : tasks.store.get(id).then(
              (r) => (r !== undefined && r.owner === owner ? id : undefined),
              () => undefined,
            );
      Promise.all(askedIds.map(visible)).then((found) => {
        if (subscriber.closed) return;
        const taskIds = found.filter((id): id is string => id !== undefined);
        // the acknowledgement is the first message of the subscription (subscriptions.mdx L54-59)
        ctx.notify('notifications/subscriptions/acknowledged', {
          _meta: meta,
          notifications: { ...(taskIds.length > 0 ? { taskIds } : {}), ...(uris.length > 0 ? { resourceSubscriptions: uris } : {}) },
        });
        if (resources !== undefined && uris.length > 0) {
          // the listen as a connection of the registry: its updates go on this stream, and go with it
          const closers: Array<() => void> = [];
          const ref: ConnectionRef = {
            notify: (method, p) => ctx.notify(method, { ...p, _meta: meta }),
            get closed() {
              return subscriber.closed;
            },
            onClose: (fn) => void closers.push(fn),
          };
          for (const uri of uris) resources.subscribe(ref, uri);
          subs.add(() => {
            for (const fn of closers.splice(0)) fn();
          });
        }
        let following = taskIds.length;
        for (const id of taskIds) {
          subs.add(
            taskChanges(tasks!.store, id).subscribe({
              next: (r) => {
                const task = detailedTask(r);
                ctx.notify('notifications/tasks', { ...task, _meta: { ...task._meta, ...meta } });
              },
              error: () => undefined,
              complete: () => {
                following--;
                // every task it follows is over and it asked for nothing else: nothing more can come
                if (following === 0 && uris.length === 0 && !subscriber.closed) end();
              },
            }),
          );
        }
      });
      return subs;
    });
  };
