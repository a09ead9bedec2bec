import { Observable, type OperatorFunction } from 'rxjs';
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest } from '../../codec/messages.js';
import { serve } from '../../peer/serve.js';
import { PostAnswer } from './answer.js';
import { fits, refuseOverBudget } from './budget.js';
import type { HttpContext } from './context.js';
import type { HttpExchange } from './exchange.js';
import { acceptsSse, statusOfError } from './validate.js';

const statusOf = (m: JsonRpcMessage): number => ('error' in m ? statusOfError(m.error.code) : 200);

/** How one 2026-07-28 POST is served: `(exchange, its one message)`. */
export type ServeOne = (ex: HttpExchange, message: JsonRpcRequest | JsonRpcNotification) => void;

/**
 * The 2026-07-28 POSTs of one transport: each is one request, one connection of its own
 * (`serve`, the core without a sending half: a 2026 server sends no requests), one answer. The
 * `serve` operator is made here once, for every POST (each subscription to it is one connection),
 * so that a POST pays for its connection and not again for checking the transport's options.
 * The connection's source is the request, held open until the answer ends; the client closing
 * the stream first completes it, and the core cancels the request with `source: 'close'` (its
 * cleanups run once, nothing more is written: the answer ignores whatever comes after).
 * MCP 2026-07-28, basic/transports/streamable-http, "Cancellation".
 *
 * @example
 * const serveOne = perRequest(ctx);
 * serveOne(exchange, request); // answers on the exchange: JSON, or SSE once progress flows
 */
export const perRequest = (ctx: HttpContext): ServeOne => {
  const { handlers, ...options } = ctx.peer;
  const served = serve(handlers ?? {}, { ...options, era: '2026-07-28', events: ctx.peerEvents });
  return (ex, message) => serveOne(ex, message, ctx, served);
};

const serveOne = (ex: HttpExchange, message: JsonRpcRequest | JsonRpcNotification, ctx: HttpContext, served: OperatorFunction<unknown, JsonRpcMessage>): void => {
  if (!('id' in message)) {
    // a notification: run its handler (if any) on a connection of its own, answer 202 (MCP
    // 2026-07-28 defines no client notifications over HTTP; a cancel here names nothing of ours)
    ex.reply(202, {});
    new Observable<unknown>((s) => {
      s.next(message);
      s.complete();
    }).pipe(served).subscribe();
    return;
  }
  // each 2026 request is a connection of its own: its unit of the transport's budget is taken here
  if (!fits(ctx.budget, 1)) return refuseOverBudget(ex, ctx.budget, ctx.emit, message.id);
  ctx.budget.count++;
  const answer = new PostAnswer(ex, [message.id], acceptsSse(ex) ? ctx.mode : 'json', statusOf, {});
  let finish: () => void = () => undefined;
  const source = new Observable<unknown>((s) => {
    finish = () => s.complete();
    s.next(message);
    const onGone = (): void => {
      ctx.emit({ type: 'stream-closed', era: '2026-07-28', cancelled: true, requestId: message.id });
      s.complete();
    };
    ex.gone.addEventListener('abort', onGone, { once: true });
    return () => ex.gone.removeEventListener('abort', onGone);
  });
  const close = (): void => {
    // the transport closes: the answer ends without its response, the request is cancelled
    answer.abandon();
    finish();
  };
  ctx.live.add(close);
  source.pipe(served).subscribe({
    next: (m) => {
      answer.write(m);
      if (answer.done) finish();
    },
    complete: () => {
      ctx.budget.count--;
      ctx.live.delete(close);
      if (!answer.done) answer.abandon();
    },
  });
};
