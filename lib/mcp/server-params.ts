import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import type { Observable } from 'rxjs';
import { ErrorCodes } from '../codec/error-codes.js';
import { PREVIEW_MAX, preview } from '../codec/preview.js';
import { report } from '../codec/report.js';
import { JsonRpcError } from '../errors.js';
import type { RequestContext } from '../handler/context.js';
import type { Later } from '../handler/later.js';

// What every method of an mcpServer is before its result is shaped for its era, and how it
// decodes its params.

/**
 * One method of the server, before its era shapes the result (the core calls it inside its
 * defer): an Observable, or a {@link Later} (a tool's Promise, followed with no Observable).
 */
export type Impl = (params: unknown, ctx: RequestContext) => Observable<object> | Later<object>;

/** Decode a request's params, or the -32602 that says what was wrong (bounded). */
export const paramsOf = <A>(codec: t.Decoder<unknown, A> & { is(u: unknown): u is A }, params: unknown, method: string): A => {
  // the guard first: it allocates nothing on good params; only bad ones pay for decode's report
  if (codec.is(params)) return params;
  const d = codec.decode(params);
  if (E.isRight(d)) return d.right;
  throw new JsonRpcError(ErrorCodes.InvalidParams, preview(`Invalid params for ${method}: ${report(d.left).join('; ')}`, PREVIEW_MAX * 4));
};
