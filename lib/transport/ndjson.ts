import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { Readable, Writable } from 'node:stream';
import { Observable, type Subscriber } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import { preview } from '../codec/preview.js';
import { PROGRESS, type ProgressToken } from '../codec/progress.js';
import { WireFault } from '../peer/wire-fault.js';
import { messageOf } from '../errors.js';
import type { WireTransport } from './wire.js';
import { HeldInput } from './held-input.js';
import { WriteQueue } from './write-queue.js';

/**
 * The default longest line `ndjson` reads: 4 MiB. Longer lines are discarded, never buffered.
 *
 * @example
 * ndjson(input, output, { maxLineBytes: DEFAULT_MAX_LINE_BYTES / 4 });
 */
export const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;
/**
 * The default cap on bytes waiting for `'drain'`: 16 MiB.
 *
 * @example
 * ndjson(input, output, { maxQueuedBytes: 2 * DEFAULT_MAX_QUEUED_BYTES });
 */
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/**
 * The default cap on new work (requests, notifications) read and held while the output is
 * backed up, before reading stops: 1 MiB.
 *
 * @example
 * ndjson(input, output, { maxHeldBytes: 4 * DEFAULT_MAX_HELD_BYTES });
 */
export const DEFAULT_MAX_HELD_BYTES = 1024 * 1024;

/**
 * Options of {@link ndjson}.
 *
 * @example
 * // stdout belongs to the process: leave it open when the connection closes
 * ndjson(process.stdin, process.stdout, { endOnClose: false, maxLineBytes: 1024 * 1024 });
 */
export interface NdjsonOptions {
  /** The longest line read, in bytes (without its newline). Over it: -32700 and a `message-rejected` event; the rest of the line is skipped. */
  readonly maxLineBytes?: number;
  /**
   * Bytes of messages held while the writable asks us to wait (`write()` returned false),
   * progress included. Progress is shed first (only the latest of each token waits); a message
   * that must be delivered and does not fit closes the connection (its `send` rejects): never
   * unbounded memory, never a silent loss. Default 16 MiB.
   */
  readonly maxQueuedBytes?: number;
  /**
   * Bytes of new work (requests, notifications other than progress and cancels) read while the
   * output is backed up, held until it catches up. Over it the readable is paused (and resumed
   * once the output caught up), so a peer that does not read cannot push more work. Responses,
   * progress, and cancels of requests not held are never held. Default 1 MiB.
   */
  readonly maxHeldBytes?: number;
  /** End the writable on `close()`, so the other side sees end of input. Default true. */
  readonly endOnClose?: boolean;
}

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
class LineSplitter {
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
const parseLine = (raw: string): unknown => {
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

/** The last resort of a response: -32603 with only our own strings, which JSON always carries. */
const internalError = (id: unknown, why: string): string => {
  const error = { code: ErrorCodes.InternalError, message: `Internal error: ${why}` };
  // an id JSON cannot carry (it never is, once decoded) still gets an answer: `null`, as J5 allows
  return `${JSON.stringify({ jsonrpc: '2.0', id: typeof id === 'string' || typeof id === 'number' ? id : null, error })}\n`;
};

/**
 * A message as one line. Every request must get exactly one response, so a response JSON cannot
 * carry (a BigInt, a cycle) is answered anyway: a result becomes -32603; an error keeps its code
 * and message and loses its `data`, and becomes -32603 if even that fails. A request or a
 * notification is nobody's answer: it is refused, as an `Error`, never thrown into the caller.
 */
const serialize = (m: JsonRpcMessage): string | Error => {
  try {
    return `${JSON.stringify(m)}\n`;
  } catch (e) {
    if ('result' in m) return internalError(m.id, `the result cannot be serialized: ${messageOf(e)}`);
    if ('error' in m) {
      try {
        return `${JSON.stringify({ jsonrpc: '2.0', id: m.id, error: { code: m.error.code, message: m.error.message } })}\n`;
      } catch (again) {
        return internalError(m.id, `the error cannot be serialized: ${messageOf(again)}`);
      }
    }
    return new Error(`ndjson: the message cannot be serialized: ${messageOf(e)}`);
  }
};

/** The token of a progress notification: what the write queue may shed. */
const progressTokenOf = (m: JsonRpcMessage): ProgressToken | undefined => {
  if (!('method' in m) || m.method !== PROGRESS || 'id' in m) return undefined;
  const token = m.params?.['progressToken'];
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
};

const shedFault = (n: number): WireFault =>
  WireFault.of('transport-error', `output backed up: shed ${n} progress notification${n === 1 ? '' : 's'} (the latest of each request was kept)`, { shed: n });

/**
 * MCP's stdio framing over any pair of Node streams: one JSON-RPC message per line, UTF-8.
 *
 * Reading: lines may be split across chunks anywhere (inside a character too); `\r\n` is
 * accepted; blank lines are skipped; a line that is not JSON, or is longer than `maxLineBytes`,
 * becomes a `WireFault` on `incoming$`, which the peer answers with -32700 (`id: null`) and a
 * `message-rejected` event, and reading goes on. End of input (or a read error, reported first
 * as a transport error) completes `incoming$`: the connection closed.
 *
 * Writing: the messages sent in one turn go out as one write at its end (order kept). When
 * `write()` returns false the output is backed up until `'drain'`, and then:
 * - new work read (requests, notifications) is held, in order, and delivered once the output
 *   caught up; what only ends work (responses, progress, a cancel of a request not held) is
 *   delivered at once. Over `maxHeldBytes` held, the readable is paused, so a peer that does
 *   not read cannot push more work. Reading does not simply stop: two peers that both stopped
 *   reading while their output waits would each wait for the other, for ever;
 * - later messages wait in a queue of at most `maxQueuedBytes`; `send` returns a Promise for
 *   those that must be delivered (responses, requests, notifications);
 * - progress notifications may be shed: only the latest of each `progressToken` waits, in the
 *   place of the first, so none is ever written after its request's response. What was shed is
 *   reported once, as one `transport-error` fault, when the output catches up or the
 *   connection closes;
 * - a message that must be delivered and does not fit closes the connection: its `send`
 *   rejects, a `transport-error` fault says why, and `incoming$` completes. What was queued
 *   before it is still written (on drain, or handed to the writable by `close()`).
 *
 * A dead output (destroyed, errored, closed before `close()`) is the connection closed too: one
 * `transport-error` fault with the cause, then `incoming$` completes. After the close, `send` is
 * a no-op and nothing more is emitted.
 *
 * @example
 * // an MCP server on stdio
 * const { peer } = connect(ndjson(process.stdin, process.stdout), { handlers });
 *
 * @example
 * // the client side of a child process
 * const child = spawn('node', ['server.js'], { stdio: ['pipe', 'pipe', 'inherit'] });
 * const { peer, subscription } = connect(ndjson(child.stdout, child.stdin));
 */
export function ndjson(readable: Readable, writable: Writable, options: NdjsonOptions = {}): WireTransport {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  const maxHeldBytes = options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
  // what waited goes out about a high-water mark at a time: handing it all over at once would
  // move it into the writable's buffer, where no progress can be shed any more
  const drainBytes = Math.max(writable.writableHighWaterMark, 16 * 1024);
  let reader: Subscriber<unknown> | undefined;
  /** `close()` was called. */
  let closed = false;
  /** The transport is ending the connection itself (see `fail`): nothing more is sent. */
  let ending = false;
  /** The report of that end, kept for an `incoming$` subscribed after it. */
  let endFault: WireFault | undefined;
  /** `write()` returned false: the output is backed up until `'drain'`. */
  let blocked = false;
  const queue = new WriteQueue(maxQueuedBytes);
  /** New work read while the output is backed up, delivered once it caught up (see HeldInput). */
  const held = new HeldInput();
  /** We paused the readable (and so are the ones to resume it). */
  let paused = false;

  // Over maxHeldBytes of new work held, stop reading: a peer that does not read must not be
  // able to push more. Only a flowing readable is paused (one paused by its owner is theirs),
  // and nothing already read is lost: a chunk being split goes on to its end, the rest stays in
  // the stream's buffer.
  const pauseInput = (): void => {
    if (paused || reader === undefined || readable.readableFlowing !== true) return;
    paused = true;
    readable.pause();
  };
  const resumeInput = (): void => {
    if (!paused) return;
    paused = false;
    // not for nobody: a reader gone has paused it for good, and an ended input has nothing left
    if (reader !== undefined && !readable.readableEnded && !readable.destroyed) readable.resume();
  };

  // The transport ends the connection itself, when what is sent cannot arrive: the output is
  // dead (destroyed, errored, closed before us), or the other side does not read and what must
  // be delivered is over maxQueuedBytes. Handlers must not go on working for nobody, and each
  // write must not be one more error: reported once, then incoming$ completes, and the peer
  // cancels what is in flight (source 'close'). Deferred to a microtask: it may be found inside
  // `send`, deep in the peer's own call stack, where completing incoming$ would cancel handlers
  // under their feet.
  const fail = (message: string, cause: unknown, dead: boolean): void => {
    if (closed || ending) return;
    ending = true;
    batch = undefined;
    // a live output still takes what was queued before the overflow, on drain or at close
    if (dead) writable.off('drain', drain);
    queueMicrotask(() => {
      const fault = WireFault.of('transport-error', message, cause);
      const shed = queue.takeShed();
      if (reader === undefined) endFault = fault;
      else {
        if (shed > 0) reader.next(shedFault(shed));
        reader.next(fault);
        reader.complete();
      }
      // after the completion: the close is the one report, not one more per message lost
      if (dead) queue.clear(new Error(`ndjson: ${message}; message dropped`));
    });
  };

  // never an uncaught 'error'; both stay attached after close, since a late EPIPE can still
  // come, and `fail` ignores what comes after close
  writable.on('error', (e: unknown) => fail(`write failed: ${messageOf(e)}`, e, true));
  writable.on('close', () => fail('the output closed: nothing sent can arrive', undefined, true));

  const write = (data: string): void => {
    if (!writable.write(data) && !blocked) {
      blocked = true;
      writable.once('drain', drain);
    }
  };

  const drain = (): void => {
    blocked = false;
    while (!blocked && !queue.empty) {
      const data = queue.take(drainBytes);
      if (data !== undefined) write(data);
    }
    if (blocked) return;
    // caught up: the episode is over, reported once; what was held is delivered, in order,
    // unless the work it makes backs the output up again
    const shed = queue.takeShed();
    if (shed > 0) reader?.next(shedFault(shed));
    while (!blocked && reader !== undefined && !held.empty) reader.next(held.next());
    if (held.bytes <= maxHeldBytes) resumeInput();
  };

  // Messages sent in the same turn go out in one write, at the end of the turn (a microtask):
  // a write costs far more in the stream machinery than the bytes it carries, and a peer answers
  // a chunk of many requests in one turn. Order is kept; `close` flushes first.
  let batch: string | undefined;
  const flush = (): void => {
    const data = batch;
    batch = undefined;
    if (data === undefined) return;
    if (writable.destroyed || writable.writableEnded) fail('the output is closed: nothing sent can arrive', undefined, true);
    else write(data);
  };

  /** Backed up: the message waits, or is shed if it is progress, or closes the connection. */
  const enqueue = (m: JsonRpcMessage, data: string): void | Promise<void> => {
    const bytes = Buffer.byteLength(data);
    const token = progressTokenOf(m);
    if (token !== undefined) return queue.offer(token, data, bytes);
    if (!queue.canHold(bytes)) {
      const why = `output backed up over ${maxQueuedBytes} bytes: the other side does not read; closing the connection`;
      fail(why, { maxQueuedBytes }, false);
      // the caller is told too; through connect that is no second event: fail's microtask,
      // queued first, completes incoming$ before a rejection handler can report anything
      return Promise.reject(new Error(`ndjson: ${why}; message dropped`));
    }
    return new Promise<void>((resolve, reject) => queue.push(data, bytes, (lost) => (lost === undefined ? resolve() : reject(lost))));
  };

  const incoming$ = new Observable<unknown>((subscriber) => {
    if (reader !== undefined) {
      subscriber.error(new Error('ndjson: incoming$ is already subscribed: one reader per stream'));
      return undefined;
    }
    if (closed || endFault !== undefined) {
      if (endFault !== undefined) subscriber.next(endFault);
      endFault = undefined;
      subscriber.complete();
      return undefined;
    }
    reader = subscriber;
    const deliver = (v: unknown, bytes: number): void => {
      // the hot path: not backed up, nothing held
      if ((!blocked && held.empty) || held.mayPass(v)) return subscriber.next(v);
      held.hold(v, bytes);
      if (held.bytes > maxHeldBytes) pauseInput();
    };
    const lines = new LineSplitter(
      maxLineBytes,
      (text) => {
        const v = parseLine(text);
        if (v !== undefined) deliver(v, text.length);
      },
      () => deliver(WireFault.of('line-too-long', `Line over ${maxLineBytes} bytes: discarded up to its newline`, { maxLineBytes }), 0),
    );
    const onData = (chunk: Buffer | string) => lines.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    const onEnd = () => {
      lines.end();
      subscriber.complete();
    };
    const onError = (e: unknown) => {
      subscriber.next(WireFault.of('transport-error', `read failed: ${messageOf(e)}`, e));
      subscriber.complete();
    };
    // destroyed without an 'end': closed all the same
    const onClose = () => subscriber.complete();
    readable.on('data', onData);
    readable.on('end', onEnd);
    readable.on('error', onError);
    readable.on('close', onClose);
    return () => {
      readable.off('data', onData);
      readable.off('end', onEnd);
      readable.off('error', onError);
      readable.off('close', onClose);
      // stop reading, so that an idle stdin does not keep the process alive
      if (!readable.readableEnded) readable.pause();
      paused = false;
      // the connection closed: the close cancels all anyway, so what was held is dropped
      held.clear();
      if (reader === subscriber) reader = undefined;
    };
  });

  return {
    incoming$,
    send: (m: JsonRpcMessage): void | Promise<void> => {
      // nothing goes out after close: the other side has been told the stream ended, or is gone
      if (closed || ending) return;
      const data = serialize(m);
      if (typeof data !== 'string') return Promise.reject(data);
      if (writable.destroyed || writable.writableEnded) {
        fail('the output is closed: nothing sent can arrive', undefined, true);
        return Promise.reject(new Error('ndjson: the output is closed; message dropped'));
      }
      // not backed up (the hot path): the turn's batch, bounded like the queue
      if (!blocked && queue.empty) {
        if (batch === undefined) {
          batch = data;
          queueMicrotask(flush);
          return;
        }
        if (batch.length + data.length <= maxQueuedBytes) {
          batch += data;
          return;
        }
        flush();
        if (!blocked) return write(data);
      }
      return enqueue(m, data);
    },
    close: (): Promise<void> => {
      if (closed) return Promise.resolve();
      if (!ending) flush();
      closed = true;
      writable.off('drain', drain);
      const shed = queue.takeShed();
      if (shed > 0) reader?.next(shedFault(shed));
      const ended = new Promise<void>((resolve) => {
        if (writable.destroyed || writable.writableEnded) {
          queue.clear(new Error('ndjson: the output is closed; message dropped'));
          resolve();
          return;
        }
        // what waits is handed over: ending the writable flushes it before the end of input
        const waiting = queue.take(Infinity);
        if (waiting !== undefined) writable.write(waiting);
        if (options.endOnClose === false) resolve();
        else writable.end(() => resolve());
      });
      reader?.complete();
      return ended;
    },
  };
}
