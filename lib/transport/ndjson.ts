import type { Readable, Writable } from 'node:stream';
import { Observable, type Subscriber } from 'rxjs';
import type { JsonRpcMessage } from '../codec/messages.js';
import { WireFault } from '../peer/wire-fault.js';
import { ConnectionClosedError, messageOf } from '../errors.js';
import type { WireTransport } from './wire.js';
import { HeldInput } from './held-input.js';
import { LineSplitter, parseLine } from './line-reader.js';
import { progressTokenOf, serialize, shedFault } from './line-writer.js';
import { WriteQueue } from './write-queue.js';
import { ignorable, notSent } from './send-result.js';
import { DEFAULT_MAX_HELD_BYTES, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_QUEUED_BYTES, type NdjsonOptions } from './ndjson-options.js';

export { DEFAULT_MAX_HELD_BYTES, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_QUEUED_BYTES, type NdjsonOptions };

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
 * `transport-error` fault with the cause, then `incoming$` completes. After the close (ours, or
 * the transport's own), nothing more is written or emitted, and `send` says so: it returns a
 * Promise rejected with `ConnectionClosedError`, as does every message lost with the connection.
 *
 * `send` returns nothing when the message was handed to the writable (or will be, at the end of
 * the turn), and a Promise when it was not: it resolves once written, or rejects. Every such
 * Promise is already handled: a caller that ignores it gets no `unhandledRejection`, and one that
 * awaits it sees the rejection all the same.
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
  /** Why the transport ended the connection: what a later `send` is told. */
  let endedWhy = '';
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
    endedWhy = message;
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
      if (dead) queue.clear(new ConnectionClosedError(`ndjson: ${message}; message dropped`));
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
      return ignorable(Promise.reject(new ConnectionClosedError(`ndjson: ${why}; message dropped`)));
    }
    return ignorable(new Promise<void>((resolve, reject) => queue.push(data, bytes, (lost) => (lost === undefined ? resolve() : reject(lost)))));
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
      // nothing goes out after close: the other side has been told the stream ended, or is gone.
      // Said so, not a silent return: nothing returned reads as "written"
      if (closed) return notSent('ndjson', 'the connection is closed');
      if (ending) return notSent('ndjson', `the connection is closed (${endedWhy})`);
      const data = serialize(m);
      if (typeof data !== 'string') return ignorable(Promise.reject(data));
      if (writable.destroyed || writable.writableEnded) {
        fail('the output is closed: nothing sent can arrive', undefined, true);
        return ignorable(Promise.reject(new ConnectionClosedError('ndjson: the output is closed; message dropped')));
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
          queue.clear(new ConnectionClosedError('ndjson: the output is closed; message dropped'));
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
