import * as E from 'fp-ts/lib/Either.js';
import { defer, map, of } from 'rxjs';
import { ERA_VERSIONS, type ProtocolEra } from '../codec/era.js';
import { ErrorCodes } from '../codec/error-codes.js';
import { JsonRpcError } from '../errors.js';
import type { ConnectionRef } from '../handler/connection-ref.js';
import type { Handler } from '../handler/run-request.js';
import type { ServerDescription } from '../mcp/client-handshake.js';
import type { Implementation } from '../mcp/client-shapes.js';
import type { ConnectionState } from '../mcp/context.js';
import { modernResult } from '../mcp/modern-result.js';
import { InitializeParams, SetLevelParams } from '../mcp/wire.js';
import { frontInfo } from './forward.js';
import type { UpstreamLink } from './upstream.js';
import { isUnknownRecord } from '../codec/unknown-record.js';

type Rec = Record<string, unknown>;

/**
 * The capabilities a gateway declares to its front: the upstream's tools, prompts, resources and
 * completions, as far as the gateway carries them, and logging (it answers `logging/setLevel`
 * itself, per front session). Not `resources.subscribe` (one upstream subscription cannot be
 * shared out per session); in 2026-07-28 no `listChanged` (that era tells list changes on
 * `subscriptions/listen`, which lands with the tasks issue).
 *
 * @example
 * frontCapabilities({ tools: { listChanged: true }, resources: { subscribe: true } }, '2025-11-25');
 * // { logging: {}, tools: { listChanged: true }, resources: {} }
 */
export const frontCapabilities = (upstream: Readonly<Record<string, unknown>>, era: ProtocolEra): Record<string, unknown> => {
  const out: Rec = { logging: {} };
  for (const k of ['tools', 'prompts', 'resources', 'completions']) {
    const c = upstream[k];
    if (!isUnknownRecord(c)) continue;
    out[k] = era === '2025-11-25' && k !== 'completions' && c['listChanged'] === true ? { listChanged: true } : {};
  }
  return out;
};

/** What the front lifecycle needs of the gateway. */
export interface FrontInit {
  readonly link: UpstreamLink;
  readonly info: Implementation | undefined;
  readonly states: WeakMap<object, ConnectionState>;
  /** The 2025 front connections that completed `initialize`, told of list changes while they live. */
  readonly fronts: Set<ConnectionRef>;
}

const paramsOf = <A>(codec: { decode(u: unknown): E.Either<unknown, A> }, params: unknown, method: string): A => {
  const d = codec.decode(params);
  if (E.isLeft(d)) throw new JsonRpcError(ErrorCodes.InvalidParams, `Invalid params for ${method}`);
  return d.right;
};

const stateOf = (states: WeakMap<object, ConnectionState>, connection: object): ConnectionState => {
  let s = states.get(connection);
  if (s === undefined) states.set(connection, (s = {}));
  return s;
};

const described = (d: ServerDescription): Rec => (d.instructions === undefined ? {} : { instructions: d.instructions });

/**
 * The front's lifecycle, answered by the gateway itself, never forwarded: each front session
 * has its own, while the upstream has one of its own (the gateway's handshake, shared by all).
 * 2025-11-25: `initialize` (the front's version when the gateway speaks it, the upstream's
 * capabilities as carried), `ping`, `logging/setLevel` (kept per front session: it filters the
 * upstream's log messages for that session). 2026-07-28: `server/discover`.
 *
 * @example
 * const handlers = { ...frontHandlers(init), 'tools/call': forwarder(forwardInit, 'tools/call') };
 */
export const frontHandlers = (init: FrontInit): Record<string, Handler> => ({
  initialize: (params, ctx) => {
    const asked = paramsOf(InitializeParams, params, 'initialize');
    return defer(() => init.link.client().connect()).pipe(
      map((d) => {
        const versions = ERA_VERSIONS['2025-11-25'];
        const caps = (params as Rec)['capabilities'];
        stateOf(init.states, ctx.connection).capabilities = isUnknownRecord(caps) ? caps : {};
        const front = ctx.connection;
        if (!init.fronts.has(front)) {
          init.fronts.add(front);
          front.onClose(() => init.fronts.delete(front));
        }
        return {
          protocolVersion: versions.includes(asked.protocolVersion) ? asked.protocolVersion : versions[0],
          capabilities: frontCapabilities(d.capabilities, '2025-11-25'),
          serverInfo: frontInfo(init.info, d),
          ...described(d),
        };
      }),
    );
  },
  ping: () => of({}),
  'logging/setLevel': (params, ctx) => {
    stateOf(init.states, ctx.connection).level = paramsOf(SetLevelParams, params, 'logging/setLevel').level;
    return of({});
  },
  'server/discover': () =>
    defer(() => init.link.client().connect()).pipe(
      map((d) =>
        modernResult('server/discover', frontInfo(init.info, d), { ttlMs: 0, scope: 'private' })({
          supportedVersions: [...ERA_VERSIONS['2026-07-28']],
          capabilities: frontCapabilities(d.capabilities, '2026-07-28'),
          ...described(d),
        }),
      ),
    ),
});
