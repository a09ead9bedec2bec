import { Observable, type OperatorFunction, type Subject } from 'rxjs';
import type { JsonRpcMessage } from '../codec/messages.js';
import type { Handler } from '../handler/run-request.js';
import { connectionConfig, checkedOptions, openConnection, type ConnectionOptions } from './connection.js';
import type { EventSink, PeerEvent, PeerEventInit } from './events.js';
import { extend } from '../codec/extend.js';

/**
 * A Subject of events, or anything with its `next` and `observed` (a Subject of a wider union, say).
 *
 * @example
 * // one Subject for the events of several connections and of the app: a wider union fits
 * const all$ = new Subject<PeerEvent | { readonly type: 'app-started'; readonly at: number }>();
 * const events: EventsSubject = all$;
 * a$.pipe(serve(handlers, { events })).subscribe(writeA);
 * b$.pipe(serve(handlers, { events })).subscribe(writeB);
 */
export type EventsSubject = Pick<Subject<PeerEvent>, 'next' | 'observed'>;

/**
 * Options of {@link serve}: those of a connection (its handlers aside), and where events go.
 *
 * @example
 * const events$ = new Subject<PeerEvent>();
 * const options: ServeOptions = { sessionId: 'stdin', maxInFlight: 100, events: events$ };
 * events$.subscribe((e) => log.info(e.type));
 * stdinMessages$.pipe(serve(handlers, options)).subscribe((m) => writeLine(m));
 */
export interface ServeOptions extends Omit<ConnectionOptions, 'handlers'> {
  /** Where lifecycle and audit events go: a function, or a Subject (events are built only while it has subscribers). */
  readonly events?: EventsSubject | ((e: PeerEvent) => void);
}

/**
 * The serving half alone: `incoming$.pipe(serve(handlers))` is the stream of responses and
 * progress notifications to write back. It holds nothing until subscribed, and each
 * subscription is one connection (the same core `createPeer` opens, without a sending half):
 * its own requests, cancelled when the source ends or the subscription is unsubscribed.
 *
 * @example
 * stdinMessages$.pipe(serve({ 'tools/call': callTool })).subscribe((m) => writeLine(m));
 */
export const serve = (handlers: Readonly<Record<string, Handler>>, options: ServeOptions = {}): OperatorFunction<unknown, JsonRpcMessage> => {
  // checked where they are given, as createPeer checks its own: a handler that is not a function
  // is a TypeError naming its method now, not a -32603 when it is first called
  const checked = checkedOptions({ ...options, handlers });
  return (source) => {
    const sink = options.events;
    const emit = sink === undefined ? undefined : typeof sink === 'function' ? sink : (e: PeerEvent) => sink.next(e);
    // a Subject nobody listens to costs nothing: no event is even built (a function is always called)
    const enabled = sink === undefined ? () => false : typeof sink === 'function' ? () => true : () => sink.observed;
    return new Observable<JsonRpcMessage>((destination) => {
      // per subscription: each connection has its own scope (and registry, unless one is shared)
      const config = connectionConfig('serve', options, checked);
      const events: EventSink = {
        enabled,
        emit: (e: PeerEventInit) => emit?.(extend(e, { at: config.scheduler.now() }) as PeerEvent),
      };
      return openConnection(source, config, events, destination).teardown;
    });
  };
};
