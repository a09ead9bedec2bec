/**
 * A 2025-11-25 session, as the store keeps it: what another instance needs to take over a
 * session this one opened (the live connection itself stays where it runs).
 *
 * @example
 * const records = new Map<string, SessionRecord>();
 * const store: SessionStore = { create: (r) => void records.set(r.id, r), get: (id) => records.get(id), delete: (id) => void records.delete(id) };
 * decodeSessionRecord('a1', '{"id":"a1","createdAt":0}')?.createdAt; // 0
 */
export interface SessionRecord {
  readonly id: string;
  /** The version its `initialize` settled on, when known. */
  readonly protocolVersion?: string;
  /** When it opened (ms since the epoch). */
  readonly createdAt: number;
}

/**
 * Where 2025-11-25 sessions live. In memory by default ({@link memorySessions}); give several
 * instances one shared store (Redis, say) and any of them can take any request of any session.
 * Each method may be synchronous or return a promise.
 *
 * @example
 * const shared: SessionStore = { create: (r) => redis.set(`mcp:s:${r.id}`, JSON.stringify(r), 'EX', 86_400), get: ..., delete: ... };
 */
export interface SessionStore {
  create(record: SessionRecord): void | Promise<void>;
  get(id: string): SessionRecord | undefined | Promise<SessionRecord | undefined>;
  delete(id: string): void | Promise<void>;
  /**
   * Of `ids`, those whose record is still here: one round trip for many (Redis `MGET`, say).
   * Optional: without it, a transport checking the sessions it holds asks `get` for each.
   */
  present?(ids: readonly string[]): ReadonlySet<string> | Promise<ReadonlySet<string>>;
}

/**
 * The default bound of {@link memorySessions}.
 *
 * @example
 * DEFAULT_MAX_SESSIONS; // 10000
 * streamableHttp({ handlers, sessions: memorySessions({ maxSessions: DEFAULT_MAX_SESSIONS * 5 }) });
 */
export const DEFAULT_MAX_SESSIONS = 10_000;

/**
 * Sessions in this process's memory, at most `maxSessions` of them: past it the oldest record is
 * forgotten (its client then gets 404 and opens a new session, as the 2025 spec asks of it).
 *
 * @example
 * streamableHttp({ handlers, sessions: memorySessions({ maxSessions: 1_000 }) });
 */
export const memorySessions = (options: { readonly maxSessions?: number } = {}): SessionStore => {
  const max = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  // a Map iterates in insertion order: the first key is the oldest
  const records = new Map<string, SessionRecord>();
  return {
    create: (r) => {
      records.delete(r.id);
      records.set(r.id, r);
      if (records.size > max) {
        const oldest = records.keys().next();
        if (oldest.done !== true) records.delete(oldest.value);
      }
    },
    get: (id) => records.get(id),
    delete: (id) => {
      records.delete(id);
    },
  };
};
