import type { ProtocolEra } from '../codec/era.js';
import type { JsonRpcMessage } from '../codec/messages.js';
import type { ProgressToken } from '../codec/progress.js';
import type { ConnectionRef } from '../handler/connection-ref.js';
import type { RequestOutcome } from '../handler/outcome.js';
import type { Handler, RequestObserver, RunRequestInit, RunningRequest } from '../handler/run-request.js';
import type { CancellationManager } from '../manager/cancellation-manager.js';
import type { TiedSend } from '../handler/tied-request.js';
import type { RequestKey } from '../manager/request-key.js';

/** What a served request reports to, and reads through: its connection's serving half. */
export interface ActiveOwner {
  readonly manager: CancellationManager;
  readonly send: (m: JsonRpcMessage) => void;
  readonly era: ProtocolEra;
  /** The connection's own object, shared by its requests' contexts. */
  readonly connection: ConnectionRef;
  /** The connection's sending half, for `ctx.request`; absent on a connection that only answers. */
  readonly sendRequest: TiedSend | undefined;
  outcome(a: Active, o: RequestOutcome): void;
  end(a: Active): void;
  cleanupFailed(a: Active, thrown: unknown): void;
  progressRefused(a: Active, why: string): void;
}

/**
 * What one served request holds while it runs; deleted the moment it ends. One object is the
 * run's init, its outcome observer and its cleanup-failure reporter: no closures per request.
 */
export class Active implements RunRequestInit, RequestObserver {
  subscription: RunningRequest | undefined = undefined;

  constructor(
    private readonly server: ActiveOwner,
    readonly key: RequestKey,
    readonly method: string,
    readonly params: unknown,
    readonly handler: Handler,
    readonly progressToken: ProgressToken | undefined,
  ) {}

  // the connection's, read through it rather than copied: at 100,000 in flight every field counts
  get manager(): CancellationManager {
    return this.server.manager;
  }

  get send(): (m: JsonRpcMessage) => void {
    return this.server.send;
  }

  get era(): ProtocolEra {
    return this.server.era;
  }

  get connection(): ConnectionRef {
    return this.server.connection;
  }

  get sendRequest(): TiedSend | undefined {
    return this.server.sendRequest;
  }

  next(o: RequestOutcome): void {
    this.server.outcome(this, o);
  }

  complete(): void {
    this.server.end(this);
  }

  cleanupFailed(thrown: unknown): void {
    this.server.cleanupFailed(this, thrown);
  }

  progressRefused(why: string): void {
    this.server.progressRefused(this, why);
  }
}

