import { Observable, defer, of } from 'rxjs';
import type { JsonRpcMessage } from '../codec/messages.js';
import type { ProgressToken } from '../codec/progress.js';
import { CancellationError, CancellationErrorResult } from '../errors.js';
import { ErrorCodes } from '../codec/error-codes.js';
import type { CancellationManager } from '../manager/cancellation-manager.js';
import type { RequestKey } from '../manager/request-key.js';
import type { RequestOutcome } from './outcome.js';
import { runRequest, type Handler } from './run-request.js';

/**
 * What {@link RequestHandler.handle} may be told besides the handler and its params.
 *
 * @example
 * const options: HandleOptions = { method: 'export', send: (m) => socket.write(`${JSON.stringify(m)}\n`), progressToken: 7, cleanupFailed: (e) => log.error(e) };
 * new RequestHandler(manager).handle(key, exportAll, params, options).subscribe(respond);
 */
export interface HandleOptions {
  readonly method?: string;
  /** Where the handler's progress and `ctx.notify` messages go; dropped when absent. */
  readonly send?: (m: JsonRpcMessage) => void;
  readonly progressToken?: ProgressToken;
  /** A cleanup threw or rejected. */
  readonly cleanupFailed?: (thrown: unknown) => void;
  /** `ctx.progress` was called with a value no peer could read (NaN, Infinity); nothing was sent. */
  readonly progressRefused?: (why: string) => void;
}

/**
 * RequestHandler, for a stream of your own: runs one handler per key, cancellable
 * through the manager (`manager.cancel(key)`, a peer's `notifications/cancelled`, a bus), with
 * the same guarantees as the peers: `defer(handler)` joined with `takeUntil(manager.cancelled(key))`,
 * cleanups once whatever the end, exactly one outcome. Cold: subscribing registers the key and
 * starts the handler; unsubscribing stops it. A key already in flight gives a `state_error`
 * outcome and runs nothing.
 *
 * @example
 * const runner = new RequestHandler(manager);
 * runner.handle({ sessionId, requestId: 7 }, (p, ctx) => longJob(p, ctx.signal), params).subscribe((o) => {
 *   if (o.type === 'result') reply(o.result);
 * });
 * manager.cancel({ sessionId, requestId: 7 }, 'user left'); // -> { type: 'cancelled', ... }
 */
export class RequestHandler {
  constructor(readonly manager: CancellationManager) {}

  handle(key: RequestKey, handler: Handler, params?: unknown, options: HandleOptions = {}): Observable<RequestOutcome> {
    return defer(() => {
      if (!this.manager.register(key)) {
        const message = `Request ${JSON.stringify(key.requestId)} is in flight already`;
        return of<RequestOutcome>({
          type: 'error',
          error: { code: ErrorCodes.InvalidRequest, message },
          failure: CancellationErrorResult.of(CancellationError.STATE_ERROR, message, key),
        });
      }
      return runRequest({
        key,
        method: options.method ?? 'request',
        params,
        handler,
        manager: this.manager,
        progressToken: options.progressToken,
        send: options.send ?? (() => undefined),
        cleanupFailed: options.cleanupFailed ?? (() => undefined),
        ...(options.progressRefused === undefined ? {} : { progressRefused: options.progressRefused }),
      });
    });
  }
}
