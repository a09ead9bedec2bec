import { defer, of } from 'rxjs';
import { ERA_VERSIONS } from '../codec/era.js';
import type { RequestContext } from '../handler/context.js';
import type { ConnectionState } from './context.js';
import { paramsOf, type Impl } from './server-params.js';
import { InitializeParams, SetLevelParams, type Implementation } from './wire.js';

// The 2025-11-25 lifecycle of an mcpServer: `initialize` with version negotiation, `ping`, and
// `logging/setLevel`; what a connection said of itself and asked for is kept in its state.

type Rec = Record<string, unknown>;

/** What the 2025 lifecycle methods need: who the server is, what it declares, each connection's state. */
export interface LifecycleInit {
  readonly info: Implementation;
  readonly instructions: string | undefined;
  readonly capabilities: Rec;
  readonly stateOf: (ctx: RequestContext) => ConnectionState;
}

/** The methods of the 2025-11-25 lifecycle: `initialize`, `ping`, `logging/setLevel`. */
export const lifecycleMethods = ({ info, instructions, capabilities, stateOf }: LifecycleInit): Record<string, Impl> => ({
  initialize: (params, ctx) =>
    defer(() => {
      const asked = paramsOf(InitializeParams, params, 'initialize');
      // MCP lifecycle: the version asked for when we speak it, else the latest we do
      const versions = ERA_VERSIONS['2025-11-25'];
      const protocolVersion = versions.includes(asked.protocolVersion) ? asked.protocolVersion : versions[0];
      const caps = (params as Rec)['capabilities'];
      stateOf(ctx).capabilities = typeof caps === 'object' && caps !== null ? (caps as Rec) : {};
      return of({ protocolVersion, capabilities, serverInfo: info, ...(instructions === undefined ? {} : { instructions }) });
    }),
  ping: () => of({}),
  'logging/setLevel': (params, ctx) =>
    defer(() => {
      stateOf(ctx).level = paramsOf(SetLevelParams, params, 'logging/setLevel').level;
      return of({});
    }),
});
