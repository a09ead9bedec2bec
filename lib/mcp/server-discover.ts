import { of } from 'rxjs';
import { ERA_VERSIONS } from '../codec/era.js';
import { ErrorCodes } from '../codec/error-codes.js';
import { JsonRpcError } from '../errors.js';
import type { Impl } from './server-params.js';
import { TASKS_EXTENSION } from './task-wire.js';
import type { TaskRuntime } from './tasks.js';

// The 2026-07-28 discovery of an mcpServer (`server/discover`: its versions and capabilities),
// and the methods that live in that era only.

type Rec = Record<string, unknown>;

/** The `server/discover` of a server that declares `capabilities` (and the tasks extension when it serves tasks). */
export const discoverMethod = (capabilities: Rec, tasks: TaskRuntime | undefined, instructions: string | undefined): Impl => {
  // 2026-07-28 has no resources/subscribe (subscriptions moved to subscriptions/listen): not
  // offered there; the tasks extension is named there (EXT L43-55), never in a 2025 initialize
  const discovered: Rec = {
    ...(capabilities['resources'] === undefined ? capabilities : { ...capabilities, resources: {} }),
    ...(tasks === undefined ? {} : { extensions: { [TASKS_EXTENSION]: {} } }),
  };
  return () =>
    of({ supportedVersions: [...ERA_VERSIONS['2026-07-28']], capabilities: discovered, ...(instructions === undefined ? {} : { instructions }) });
};

/** What lives in 2026-07-28 only (the tasks extension, subscriptions/listen): -32601 in 2025-11-25. */
export const modernOnly = (method: string, h: Impl): Impl => (params, ctx) => {
  if (ctx.era !== '2026-07-28') throw new JsonRpcError(ErrorCodes.MethodNotFound, `Method not found: ${method}`);
  return h(params, ctx);
};
