import type { ConnectionRef } from '../handler/connection-ref.js';

/**
 * Most resources one connection may subscribe to at once; past it `resources/subscribe` is -32602.
 *
 * @example
 * MAX_SUBSCRIPTIONS_PER_CONNECTION; // 1000
 * peer.request('resources/subscribe', { uri }).subscribe({
 *   error: (e) => e instanceof JsonRpcError && e.code === ErrorCodes.InvalidParams && log.warn(`at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions`),
 * });
 */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 1_000;

/**
 * The 2025-11-25 `resources/subscribe` registry of one server: who watches each URI, and what each
 * connection watches, so that all of a connection's subscriptions go when it closes. Every
 * operation is O(1) per URI; a connection holds at most {@link MAX_SUBSCRIPTIONS_PER_CONNECTION}.
 *
 * @example
 * const subs = new ResourceSubscriptions();
 * subs.subscribe(ctx.connection, 'file:///notes.txt'); // false when the connection holds too many
 * subs.notify('file:///notes.txt'); // notifications/resources/updated to each watcher
 */
export class ResourceSubscriptions {
  private readonly watchers = new Map<string, Set<ConnectionRef>>();
  private readonly watched = new WeakMap<ConnectionRef, Set<string>>();

  /** Subscribe `connection` to `uri`: `false`, changing nothing, when it is at its bound already. */
  subscribe(connection: ConnectionRef, uri: string): boolean {
    let mine = this.watched.get(connection);
    if (mine === undefined) {
      this.watched.set(connection, (mine = new Set()));
      // the connection's subscriptions go with it
      connection.onClose(() => {
        for (const u of [...(this.watched.get(connection) ?? [])]) this.unsubscribe(connection, u);
      });
    }
    if (!mine.has(uri) && mine.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) return false;
    mine.add(uri);
    let set = this.watchers.get(uri);
    if (set === undefined) this.watchers.set(uri, (set = new Set()));
    set.add(connection);
    return true;
  }

  unsubscribe(connection: ConnectionRef, uri: string): void {
    const set = this.watchers.get(uri);
    if (set?.delete(connection) === true && set.size === 0) this.watchers.delete(uri);
    this.watched.get(connection)?.delete(uri);
  }

  /** Tell every connection watching `uri` that it changed. */
  notify(uri: string): void {
    for (const connection of [...(this.watchers.get(uri) ?? [])]) connection.notify('notifications/resources/updated', { uri });
  }
}
