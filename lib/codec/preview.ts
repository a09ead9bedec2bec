/**
 * The longest preview of a value put into an error, a reply or an event: what a hostile peer
 * sends must never be copied back whole (a 1 MB value must not give a 2 MB reply).
 */
export const PREVIEW_MAX = 256;

// deep enough to show a message's shape; shallow enough that rendering can never recurse far
const PREVIEW_DEPTH = 4;

/**
 * A string cut to `max` characters, marked with an ellipsis when cut: a hostile 10 MB value must
 * not be copied into every event and reply.
 *
 * @example
 * preview('x'.repeat(500), 8); // 'xxxxxxxx…'
 */
export const preview = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}…` : s);

/**
 * Any value as JSON-like text of at most about `max` characters, for errors, replies and logs.
 * Bounded in depth and in length whatever the value: 5,000 levels of nesting or a 10 MB string
 * cost O(max), never a stack overflow and never a copy of the input. Never throws (a getter that
 * throws, a Proxy: `[unrenderable]`).
 *
 * @example
 * previewValue({ a: [[[[[1]]]]], s: 'x'.repeat(1e6) }, 40); // '{"a":[[[[…]]]],"s":"xxxxxxxxxxxxxxxxxxxx…'
 */
export const previewValue = (u: unknown, max: number = PREVIEW_MAX): string => {
  try {
    const out = new Render(max);
    out.value(u, 0);
    return out.text;
  } catch {
    return '[unrenderable]';
  }
};

class Render {
  text = '';
  constructor(private readonly max: number) {}

  private get full(): boolean {
    return this.text.length >= this.max;
  }

  private put(s: string): void {
    const room = this.max - this.text.length;
    if (room <= 0) return;
    this.text += s.length > room ? `${s.slice(0, room)}…` : s;
  }

  value(u: unknown, depth: number): void {
    if (this.full) return;
    switch (typeof u) {
      case 'string':
        // slice before quoting: JSON.stringify of the whole of a 10 MB string would copy it
        return this.put(JSON.stringify(u.length > this.max ? u.slice(0, this.max) : u) + (u.length > this.max ? '…' : ''));
      case 'number':
      case 'boolean':
        return this.put(String(u));
      case 'bigint':
        return this.put(`${u}n`);
      case 'undefined':
        return this.put('undefined');
      case 'function':
        return this.put('[function]');
      case 'symbol':
        return this.put('[symbol]');
    }
    if (u === null) return this.put('null');
    const array = Array.isArray(u);
    if (depth >= PREVIEW_DEPTH) return this.put(array ? '[…]' : '{…}');
    this.put(array ? '[' : '{');
    let first = true;
    if (array) {
      for (let i = 0; i < u.length && !this.full; i++) {
        if (!first) this.put(',');
        first = false;
        this.value(u[i], depth + 1);
      }
    } else {
      const o = u as Record<string, unknown>;
      for (const k in o) {
        if (this.full) break;
        if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
        if (!first) this.put(',');
        first = false;
        this.put(`${JSON.stringify(k.length > this.max ? k.slice(0, this.max) : k)}:`);
        this.value(o[k], depth + 1);
      }
    }
    this.put(array ? ']' : '}');
  }
}
