import * as t from 'io-ts';
import { Observable } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { JsonRpcError } from '../errors.js';
import type { ConnectionRef } from '../handler/connection-ref.js';
import type { McpClientHandlers } from '../mcp/client-handlers.js';
import { LoggingLevel } from '../mcp/client-shapes.js';
import type { CallsInFlight } from './calls.js';
import type { GatewayEventInit } from './events.js';

/** The list-changed notifications an upstream sends, which concern every front session alike. */
export const LIST_CHANGED: readonly string[] = ['notifications/tools/list_changed', 'notifications/prompts/list_changed', 'notifications/resources/list_changed'];

const LogMessage = t.intersection([t.type({ level: LoggingLevel, data: t.unknown }), t.partial({ logger: t.string })], 'LogMessage');

/** What the relays need of the gateway. */
export interface RelayInit {
  readonly calls: CallsInFlight;
  /** The 2025-11-25 front connections that completed `initialize`: told of list changes. */
  readonly fronts: ReadonlySet<ConnectionRef>;
  readonly emit: (e: GatewayEventInit) => void;
}

/**
 * A question of a 2025-11-25 upstream (`elicitation/create`, `sampling/createMessage`) asked of
 * the front client whose call caused it, as a request tied to that call (`ctx.request`): the
 * front client's answer goes back upstream; the upstream cancelling its question cancels it at
 * the front; the call ending (answered, cancelled, its front gone) cancels it at the front and
 * answers the upstream with an error, so nothing waits on either side. A question no one call
 * can be for (none in flight, or several: a stdio upstream says not which) is refused upstream
 * with -32603, and no front session hears of it.
 */
const relayQuestion = (init: RelayInit, method: string) => (params: unknown): Observable<never> =>
  new Observable<never>((subscriber) => {
    const call = init.calls.only();
    if (call === undefined) {
      const why = init.calls.size === 0 ? 'no-call' : 'ambiguous';
      init.emit({ type: 'relay-dropped', method, why, calls: init.calls.size });
      subscriber.error(new JsonRpcError(ErrorCodes.InternalError, why === 'no-call'
        ? `The gateway has no call in flight that ${method} could be for`
        : `The gateway cannot tell which of its ${init.calls.size} calls in flight ${method} is for`));
      return undefined;
    }
    // the call ending first: the tied request is gone at the front, and the upstream is told now
    const off = call.onEnd(() => subscriber.error(new JsonRpcError(ErrorCodes.InternalError, `The call ${method} was asked for has ended`)));
    // an observer of its own, not `subscriber`: the call's end unsubscribes what it was given, and
    // that must not close ours in silence (the upstream would wait for an answer that never comes)
    const asked = call.ctx.request<never>(method, params as object).subscribe({
      next: (v) => subscriber.next(v),
      error: (e: unknown) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
    return () => {
      off();
      asked.unsubscribe();
    };
  });

/**
 * The upstream client's handlers: the questions a 2025-11-25 upstream may ask mid-call, relayed to
 * the front (see {@link relayQuestion}). `roots/list` is not among them: roots belong to one
 * client, and an upstream shared by several front sessions has no one set of roots (it gets -32601).
 *
 * @example
 * mcpClient(transport, { info, handlers: relayHandlers(init) });
 */
export const relayHandlers = (init: RelayInit): McpClientHandlers => ({
  elicitation: relayQuestion(init, 'elicitation/create'),
  sampling: relayQuestion(init, 'sampling/createMessage'),
});

/**
 * The upstream client's notification handlers: a log message goes to the one call in flight (as
 * that call's front asked for it: its 2025 `logging/setLevel`, its 2026 `_meta` log level), else
 * nowhere; a list change goes to every 2025 front session (the lists are the same for all).
 * Progress needs none: the upstream client routes it by its own token to the call's `onProgress`.
 *
 * @example
 * mcpClient(transport, { info, notifications: relayNotifications(init) });
 */
export const relayNotifications = (init: RelayInit): Record<string, (params: unknown) => void> => {
  const out: Record<string, (params: unknown) => void> = {
    'notifications/message': (params) => {
      if (!LogMessage.is(params)) return init.emit({ type: 'relay-dropped', method: 'notifications/message', why: 'invalid', calls: init.calls.size });
      const call = init.calls.only();
      if (call === undefined) return init.emit({ type: 'relay-dropped', method: 'notifications/message', why: init.calls.size === 0 ? 'no-call' : 'ambiguous', calls: init.calls.size });
      call.ctx.log(params.level, params.data, params.logger);
    },
  };
  for (const method of LIST_CHANGED) out[method] = () => {
    for (const front of init.fronts) front.notify(method);
  };
  return out;
};
