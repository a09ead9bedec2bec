import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { preview } from '../codec/preview.js';
import { messageOf } from '../errors.js';
import { WireFault } from '../peer/wire-fault.js';

// The reading half of NDJSON framing: bytes into lines, lines into JSON values or faults.

const NEWLINE = 0x0a;
const PREVIEW = 200;


/** A pending line's buffer starts this big and doubles; one kept for the next line is at most {@link KEEP_BYTES}. */
const MIN_LINE_BUFFER = 256;
const KEEP_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Splits a byte stream into lines at `\n` bytes. Splitting bytes, not text, is what makes a
 * multi-byte character split across chunks safe: in UTF-8 the byte 0x0A is only ever a newline,
 * never part of another character, so a line is decoded whole, once it is complete. It holds at
 * most `max` bytes: a longer line is dropped as it comes, and reported once.
 *
 * A pending line lives in one growable buffer that its bytes are copied into, never as one view
 * per chunk: a view costs ~110 bytes of heap, so a line that trickles in byte by byte cost 110
 * times its size. Doubling keeps the copying O(1) amortised per byte, and the buffer never
 * exceeds `max`.
 */
export class LineSplitter {
  private buffer: Buffer = EMPTY;
  private size = 0;
  private discarding = false;

  constructor(
    private readonly max: number,
    private readonly line: (text: string) => void,
    private readonly tooLong: () => void,
  ) {}

  push(chunk: Buffer): void {
    // fast path, the usual chunk: whole lines only (nothing pending, ends with a newline). Then
    // no character is split at either end, and the chunk is decoded once rather than per line.
    if (this.size === 0 && !this.discarding && chunk.length > 0 && chunk[chunk.length - 1] === NEWLINE) {
      return this.whole(chunk.toString('utf8'));
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) return this.take(chunk, start, chunk.length);
      if (this.size === 0 && !this.discarding) this.inPlace(chunk, start, nl);
      else {
        this.take(chunk, start, nl);
        this.flush();
      }
      start = nl + 1;
    }
  }

  private whole(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line.length === 0) continue;
      // a UTF-16 unit is 1 to 3 UTF-8 bytes: count bytes only when the length cannot tell
      if (line.length > this.max || (line.length * 3 > this.max && Buffer.byteLength(line) > this.max)) this.tooLong();
      else this.line(line);
    }
  }

  /** A line wholly inside one chunk, nothing pending: decoded where it is, never copied. */
  private inPlace(chunk: Buffer, start: number, end: number): void {
    if (end - start > this.max) this.tooLong();
    else if (end > start) this.line(chunk.toString('utf8', start, end));
  }

  /** End of input: a last line without its newline is still a line. */
  end(): void {
    this.flush();
  }

  private take(chunk: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.discarding || n === 0) return;
    const size = this.size + n;
    if (size > this.max) {
      // report as soon as it is over, not at its newline: that may never come
      this.release();
      this.discarding = true;
      this.tooLong();
      return;
    }
    if (size > this.buffer.length) {
      // unpooled: a buffer that outlives its chunk must not pin a shared 8 KiB slab
      const grown = Buffer.allocUnsafeSlow(Math.min(this.max, Math.max(size, 2 * this.buffer.length, MIN_LINE_BUFFER)));
      this.buffer.copy(grown, 0, 0, this.size);
      this.buffer = grown;
    }
    chunk.copy(this.buffer, this.size, start, end);
    this.size = size;
  }

  private flush(): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.size === 0) return;
    const text = this.buffer.toString('utf8', 0, this.size);
    this.size = 0;
    // a small buffer serves the next split line; a big one (one long line) is not kept for good
    if (this.buffer.length > KEEP_BYTES) this.buffer = EMPTY;
    this.line(text);
  }

  private release(): void {
    this.size = 0;
    if (this.buffer.length > KEEP_BYTES) this.buffer = EMPTY;
  }
}

/** One line of JSON, or a fault; blank lines are nothing. */
export const parseLine = (raw: string): unknown => {
  // MCP stdio is `\n`-delimited, but a peer on Windows may write `\r\n`
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text.trim() === '') return undefined;
  return pipe(
    E.tryCatch(
      (): unknown => JSON.parse(text),
      (e) => WireFault.of('parse-error', messageOf(e), { line: preview(text, PREVIEW) }),
    ),
    E.toUnion,
  );
};

