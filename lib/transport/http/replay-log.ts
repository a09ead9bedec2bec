/**
 * The default of `maxReplayBytes`: what one 2025-11-25 session keeps of the events it sent, for
 * clients that resume with `Last-Event-ID`, 1 MiB. Past it the oldest events are dropped.
 *
 * @example
 * streamableHttp({ handlers, maxReplayBytes: DEFAULT_MAX_REPLAY_BYTES * 4 });
 */
export const DEFAULT_MAX_REPLAY_BYTES = 1024 * 1024;

/**
 * The default of `maxReplayEvents`: the most events one 2025-11-25 session keeps for replay, 1,000.
 *
 * @example
 * streamableHttp({ handlers, maxReplayEvents: 100 });
 */
export const DEFAULT_MAX_REPLAY_EVENTS = 1_000;

/** Where an event id points: a stream of the session, and the event's place in the session's order. */
export interface EventCursor {
  readonly stream: number;
  readonly seq: number;
}

/** What the log tells the owner of a stream: one of its events was dropped (it can no longer be replayed from before it). */
export interface ReplayOwner {
  evicted(seq: number): void;
}

interface Entry {
  readonly owner: ReplayOwner;
  readonly stream: number;
  readonly seq: number;
  readonly json: string;
  readonly bytes: number;
}

// a session's ids: `<tag>.<stream>.<seq>`, short enough that anything longer is refused unread
const MAX_ID_CHARS = 64;
const ID = /^([0-9a-f]{8})\.(\d{1,9})\.(\d{1,15})$/;

/**
 * The events one 2025-11-25 session sent, kept in the order sent so a client may resume a
 * stream with `Last-Event-ID` (MCP 2025-11-25 basic/transports, "Resumability and
 * Redelivery"). Ids are `<tag>.<stream>.<seq>`: the session's random tag (an id of another
 * session is not ours), the stream it was sent on (a replay never crosses streams), and a
 * counter unique in the session. It is bounded by bytes and by count, oldest dropped first:
 * `add` is O(1) amortized, `after` reads what is kept (bounded). Nothing here throws on what a
 * client sends: an id we did not write is `undefined`.
 *
 * @example
 * const log = new ReplayLog(DEFAULT_MAX_REPLAY_BYTES, DEFAULT_MAX_REPLAY_EVENTS);
 * const id = log.add(owner, 1, '{"jsonrpc":"2.0","id":7,"result":{}}');
 * log.after(log.parse(id) ?? { stream: 1, seq: 0 }); // what stream 1 sent after that event
 */
export class ReplayLog {
  private readonly tag = globalThis.crypto.randomUUID().slice(0, 8);
  private entries: Entry[] = [];
  // entries before `head` were dropped; the array is compacted once half of it is dropped
  private head = 0;
  private bytes = 0;
  private seq = 0;
  private streams = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxEvents: number,
  ) {}

  /** A new stream's number. */
  openStream(): number {
    return ++this.streams;
  }

  /** An id on `stream` for an event that is not kept (a priming event: it carries no data). */
  mark(stream: number): string {
    return this.idOf(stream, ++this.seq);
  }

  /** Keep the event `json` sent on `stream` (if it fits the bounds at all), and give its id. */
  add(owner: ReplayOwner, stream: number, json: string): string {
    const seq = ++this.seq;
    // a UTF-16 length is within a factor of the UTF-8 one; cheap, and a bound is what it is for
    const bytes = json.length * 2;
    if (bytes <= this.maxBytes && this.maxEvents > 0) {
      this.entries.push({ owner, stream, seq, json, bytes });
      this.bytes += bytes;
      while (this.bytes > this.maxBytes || this.entries.length - this.head > this.maxEvents) this.dropOldest();
    } else {
      owner.evicted(seq);
    }
    return this.idOf(stream, seq);
  }

  /** Where `id` points, when it is an id of this session; anything else (too long, malformed, foreign) is `undefined`. */
  parse(id: string): EventCursor | undefined {
    if (id.length > MAX_ID_CHARS) return undefined;
    const m = ID.exec(id);
    if (m === null || m[1] !== this.tag) return undefined;
    const stream = Number(m[2]);
    const seq = Number(m[3]);
    return stream >= 1 && stream <= this.streams && seq >= 1 && seq <= this.seq ? { stream, seq } : undefined;
  }

  /** The events kept that `cursor.stream` sent after `cursor.seq`, oldest first, with their ids. */
  after(cursor: EventCursor): { readonly id: string; readonly json: string }[] {
    const out: { id: string; json: string }[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (e !== undefined && e.stream === cursor.stream && e.seq > cursor.seq) out.push({ id: this.idOf(e.stream, e.seq), json: e.json });
    }
    return out;
  }

  /** The events kept, and their size (bytes as bounded). */
  size(): { readonly events: number; readonly bytes: number } {
    return { events: this.entries.length - this.head, bytes: this.bytes };
  }

  /** Drop everything (the session ended). */
  clear(): void {
    this.entries = [];
    this.head = 0;
    this.bytes = 0;
  }

  private dropOldest(): void {
    const e = this.entries[this.head];
    if (e === undefined) return;
    this.head++;
    this.bytes -= e.bytes;
    e.owner.evicted(e.seq);
    if (this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  private idOf(stream: number, seq: number): string {
    return `${this.tag}.${stream}.${seq}`;
  }
}
