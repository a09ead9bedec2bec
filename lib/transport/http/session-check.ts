import type { SessionStore } from './sessions.js';

/**
 * The default of `sessionCheckMs`: each second, an instance asks a shared session store whether
 * the sessions it holds still exist, so that a session a client ended on another instance (its
 * DELETE landed there), or whose record expired, ends here too within about a second.
 *
 * @example
 * streamableHttp({ handlers, sessions: redisSessions({ client }), sessionCheckMs: DEFAULT_SESSION_CHECK_MS / 2 });
 */
export const DEFAULT_SESSION_CHECK_MS = 1_000;

// one round trip asks about this many sessions at most: a Redis MGET of 500 keys is small
const CHUNK = 500;

/**
 * Of `ids`, those the store no longer has: asked in chunks, with one `present` call per chunk
 * where the store has it (one round trip), else one `get` per id. A failing store rejects: the
 * caller ends nothing on an outage (an outage is not "no such session").
 *
 * @example
 * const gone = await goneFrom(store, [...live.keys()]);
 * for (const id of gone) live.get(id)?.end('record-gone');
 */
export const goneFrom = async (store: SessionStore, ids: readonly string[]): Promise<string[]> => {
  const gone: string[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    if (store.present !== undefined) {
      const here = await store.present(chunk);
      for (const id of chunk) if (!here.has(id)) gone.push(id);
    } else {
      const records = await Promise.all(chunk.map((id) => store.get(id)));
      chunk.forEach((id, j) => {
        if (records[j] === undefined) gone.push(id);
      });
    }
  }
  return gone;
};

/**
 * Every `everyMs`, the ids `held()` returns are checked against the store, and `ended` is called
 * with each that is gone. One check at a time: a slow store delays the next, never piles them up.
 * Failures go to `failed`. Returns the way to stop it.
 *
 * @example
 * const stop = watchSessions(store, 1_000, () => [...live.keys()], (id) => live.get(id)?.end('record-gone'), report);
 */
export const watchSessions = (
  store: SessionStore,
  everyMs: number,
  held: () => readonly string[],
  ended: (id: string) => void,
  failed: (e: unknown) => void,
): (() => void) => {
  if (!(everyMs > 0 && Number.isFinite(everyMs))) return () => undefined;
  let busy = false;
  const timer = setInterval(() => {
    const ids = held();
    if (busy || ids.length === 0) return;
    busy = true;
    goneFrom(store, ids).then(
      (gone) => {
        busy = false;
        for (const id of gone) ended(id);
      },
      (e: unknown) => {
        busy = false;
        failed(e);
      },
    );
  }, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
};
