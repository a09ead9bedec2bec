import { Observable, Subject, type Subscription } from 'rxjs';
import type { RequestId } from '../codec/messages.js';
import type { Peer } from '../peer/create-peer.js';
import type { RequestOptions } from '../peer/request-options.js';
import { META_SUBSCRIPTION_ID } from './task-wire.js';
import { isUnknownRecord } from '../codec/unknown-record.js';

// The client side of `subscriptions/listen` (MCP 2026-07-28): a listen's notifications routed to
// it by subscription id, until the server ends it or its subscriber leaves (the cancel).

/**
 * One notification of a listen stream: its method and params (each carries the subscription id in `_meta`).
 *
 * @example
 * client.listen({ taskIds: [id] }).subscribe((n: ListenNotification) => n.method === 'notifications/tasks' && show(n.params));
 */
export interface ListenNotification {
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * What a client asks a `subscriptions/listen` to send (MCP 2026-07-28 `SubscriptionFilter`, with
 * the tasks extension's `taskIds`).
 *
 * @example
 * const filter: ListenFilter = { taskIds: [taskId], toolsListChanged: true };
 */
export interface ListenFilter {
  readonly taskIds?: readonly string[];
  readonly toolsListChanged?: boolean;
  readonly promptsListChanged?: boolean;
  readonly resourcesListChanged?: boolean;
  readonly resourceSubscriptions?: readonly string[];
}

/**
 * The notifications a listen stream may carry, routed to their listen by subscription id.
 *
 * @example
 * LISTEN_NOTIFICATIONS.includes('notifications/tasks'); // true
 */
export const LISTEN_NOTIFICATIONS: readonly string[] = [
  'notifications/subscriptions/acknowledged',
  'notifications/tasks',
  'notifications/resources/updated',
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
];

/**
 * Where a client's listen streams get their notifications: each listen registers under its
 * request's id; a notification whose `_meta` names that id as its subscription goes there, any
 * other to `fallback` (the user's own notification handler). One Map lookup per notification.
 *
 * @example
 * const router = listenRouter(peerOf, userNotifications);
 * connect(transport, { notifications: router.notifications });
 */
export interface ListenRouter {
  /** The notification handlers to give the peer. */
  readonly notifications: Readonly<Record<string, (params: unknown) => void>>;
  /** Open a listen on `peer` (sent with `send`): its notifications, until the server ends it or the subscriber leaves (the cancel). */
  listen(peer: Peer, send: (params: Readonly<Record<string, unknown>>, o: RequestOptions) => Observable<unknown>, filter: ListenFilter): Observable<ListenNotification>;
}

type Rec = Record<string, unknown>;

/**
 * Make the router of one client: its notification handlers wrap `user`'s for the listen methods.
 *
 * @example
 * const router = listenRouter({ 'notifications/tools/list_changed': refresh });
 */
export const listenRouter = (user: Readonly<Record<string, (params: unknown) => void>> = {}): ListenRouter => {
  const streams = new Map<RequestId, Subject<ListenNotification>>();
  // ids taken by a listen, so two listens queued at once each take their own 'request-sent'
  const claimed = new Set<RequestId>();
  const notifications: Record<string, (params: unknown) => void> = { ...user };
  for (const method of LISTEN_NOTIFICATIONS) {
    const theirs = user[method];
    notifications[method] = (params) => {
      const meta = isUnknownRecord(params) ? params['_meta'] : undefined;
      const id = isUnknownRecord(meta) ? meta[META_SUBSCRIPTION_ID] : undefined;
      const stream = typeof id === 'string' || typeof id === 'number' ? streams.get(id) : undefined;
      if (stream !== undefined) return stream.next({ method, params: params as Rec });
      theirs?.(params);
    };
  }
  const listen: ListenRouter['listen'] = (peer, send, f) =>
    new Observable<ListenNotification>((subscriber) => {
      const stream = new Subject<ListenNotification>();
      const subs: Subscription[] = [];
      let id: RequestId | undefined;
      subs.push(stream.subscribe(subscriber));
      // the listen's id, from the event the peer says as it writes the request (before any answer can come)
      subs.push(
        peer.events$.subscribe((e) => {
          if (id !== undefined) {
            // the server ended it with notifications/cancelled (cancellation.mdx): taken as the end
            if (e.type === 'cancel-ignored' && e.key?.requestId === id) subscriber.complete();
            return;
          }
          if (e.type !== 'request-sent' || e.method !== 'subscriptions/listen' || claimed.has(e.key.requestId)) return;
          id = e.key.requestId;
          claimed.add(id);
          streams.set(id, stream);
        }),
      );
      // no timeout of its own: it lives until one side ends it
      subs.push(
        send({ notifications: f }, { timeoutMs: Infinity }).subscribe({
          // the result is the server's graceful end (subscriptions.mdx, Graceful Closure)
          next: () => undefined,
          error: (e: unknown) => subscriber.error(e),
          complete: () => subscriber.complete(),
        }),
      );
      return () => {
        for (const s of subs) s.unsubscribe();
        if (id !== undefined) {
          streams.delete(id);
          claimed.delete(id);
        }
      };
    });
  return { notifications, listen };
};
