import { ConnectionClosedError } from '../errors.js';

// What a transport's `send` returns when it cannot say "written" at once: a Promise that says
// how the message fared, and that a caller may ignore without harm.

/**
 * `p` itself, marked as handled: a caller that ignores it gets no `unhandledRejection` (which
 * Node turns into a crash by default), while one that awaits it, or calls `then`/`catch` on it,
 * still sees the rejection, since it is the same Promise. A transport returns every Promise of
 * its `send` this way: `connect` looks at each one, but a caller using the transport directly
 * may well not.
 *
 * @example
 * return ignorable(new Promise<void>((resolve, reject) => queue.push(line, (lost) => (lost ? reject(lost) : resolve()))));
 */
export const ignorable = <T>(p: Promise<T>): Promise<T> => {
  // a handler on this very Promise marks it handled; the handler's own Promise always fulfils
  p.catch(() => undefined);
  return p;
};

/**
 * What `send` returns for a message it will never write because the connection is closed (or is
 * closing): a Promise rejected with {@link ConnectionClosedError}, made {@link ignorable}.
 * Returning nothing would read as "written".
 *
 * @example
 * // in a transport
 * send: (m) => (closed ? notSent('ndjson', 'the connection is closed') : write(m)),
 * // in its caller
 * wire.send(m)?.catch((e: unknown) => { if (e instanceof ConnectionClosedError) reconnect(); });
 */
export const notSent = (transport: string, why: string): Promise<never> =>
  ignorable(Promise.reject(new ConnectionClosedError(`${transport}: ${why}; message not sent`)));
