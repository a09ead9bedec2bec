/**
 * One item read from a Server-Sent Events stream: the `data` of a complete event, or an event
 * that was over the limit (its data was discarded as it came, never held whole).
 */
export type SseItem = { readonly kind: 'data'; readonly data: string } | { readonly kind: 'too-large'; readonly chars: number };

/**
 * The `data` of each event of a Server-Sent Events body (WHATWG HTML, "Server-sent events",
 * §9.2.6 "Interpreting an event stream"): lines end with `\n`, `\r\n` or `\r`; `data:` lines
 * join with `\n`; a blank line dispatches; comments (`:`), `event`, `id` and `retry` carry
 * nothing a JSON-RPC message needs. An event whose data passes `maxEventChars` is not held: the
 * rest of it is skipped and one `too-large` item says so. A UTF-8 sequence split between chunks
 * is decoded whole (`TextDecoder` in streaming mode). Leaving the loop before the body ends
 * cancels the body: the stream (and its connection) is released, not merely unlocked.
 *
 * @example
 * for await (const item of sseEvents(response.body, 4 * 1024 * 1024)) {
 *   if (item.kind === 'data') incoming.next(JSON.parse(item.data));
 *   if (isTheResponse(item)) break; // the body is cancelled: the server sees the stream close
 * }
 */
export async function* sseEvents(body: ReadableStream<Uint8Array>, maxEventChars: number): AsyncGenerator<SseItem> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let pending = ''; // text after the last line end
  let data: string[] = [];
  let size = 0;
  let skipping = false;
  let lastWasCr = false;
  /** The body was read to its end; otherwise the consumer stopped early (or reading failed). */
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      ended = done;
      let text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      // a `\r\n` split between two chunks: the `\n` ends no second line
      if (lastWasCr && text.startsWith('\n')) text = text.slice(1);
      let start = 0;
      const all = pending + text;
      pending = '';
      for (let i = 0; i < all.length; i++) {
        const c = all.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        const line = all.slice(start, i);
        if (c === 13 && all.charCodeAt(i + 1) === 10) i++;
        start = i + 1;
        const item = onLine(line);
        if (item !== undefined) yield item;
      }
      lastWasCr = all.charCodeAt(all.length - 1) === 13;
      pending = all.slice(start);
      if (pending.length > maxEventChars + 6) {
        // one line longer than any event may be: drop what is held, skip to the event's end
        if (!skipping) yield { kind: 'too-large', chars: size + pending.length };
        skipping = true;
        data = [];
        size = 0;
        pending = '';
      }
      if (done) return;
    }
  } finally {
    // A consumer that stops early (a `break` once it has what it came for) is done with the body:
    // cancel it, or the server's stream and its socket stay open for nobody. Not awaited: the
    // cancel is under way once called, and a stream that errored rejects it, which is nothing to
    // report.
    if (!ended) reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }

  function onLine(line: string): SseItem | undefined {
    if (line === '') {
      const item: SseItem | undefined = skipping || data.length === 0 ? undefined : { kind: 'data', data: data.join('\n') };
      data = [];
      size = 0;
      skipping = false;
      return item;
    }
    if (skipping || !line.startsWith('data')) return undefined;
    if (line.length > 4 && line.charCodeAt(4) !== 58) return undefined; // a field named e.g. "dataX"
    const value = line.length <= 5 ? '' : line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    size += value.length + 1;
    if (size > maxEventChars) {
      skipping = true;
      const chars = size;
      data = [];
      size = 0;
      return { kind: 'too-large', chars };
    }
    data.push(value);
    return undefined;
  }
}
