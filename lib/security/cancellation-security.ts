import type { RequestKey } from '../manager/request-key.js';
import { decideCancel, type CancelDecision, type CancelFacts, type CancelInput } from './cancel-decision.js';
import { RateLimiter } from './rate-limit.js';
import { limitReason } from './reason.js';

/**
 * Who sent a cancellation: the session id, or a label unique to the peer when it has no session.
 *
 * @example
 * const trusted = (sender: Sender): boolean => !banned.has(sender);
 * new CancellationSecurity({ canCancel: trusted }); // narrows only: a sender still cancels only its own session's requests
 */
export type Sender = string;

/**
 * Options of {@link CancellationSecurity}; every one has a safe default.
 *
 * @example
 * const security: SecurityOptions = { maxCancellationsPerSecond: 10, burst: 50, canCancel: (sender) => !banned.has(sender) };
 * createPeer(incoming$, { sessionId, security });
 */
export interface SecurityOptions {
  /** Sustained cancellations per second per sender. Default 100. */
  readonly maxCancellationsPerSecond?: number;
  /**
   * Cancellations a sender may send at once. Default 1,000: it covers the default
   * `maxInFlight`, so a client that cancels all it has in flight on shutdown is not throttled.
   */
  readonly burst?: number;
  /** A longer `reason` is cut to this many characters; the cancel still happens. Default 1,024. */
  readonly maxReasonLength?: number;
  /** Most senders tracked by the rate limiter at once (least recently seen evicted). Default 10,000. */
  readonly maxSenders?: number;
  /**
   * A policy hook. It can only narrow the default rule (a sender cancels only its own session's
   * requests), never widen it. A hook that throws denies.
   */
  readonly canCancel?: (sender: Sender, key: RequestKey) => boolean;
}

/**
 * The defaults of {@link SecurityOptions}: each applies where its option is not given.
 *
 * @example
 * SECURITY_DEFAULTS.maxCancellationsPerSecond; // 100
 * new CancellationSecurity({ burst: SECURITY_DEFAULTS.burst * 10 }); // a client that cancels 10,000 at once on shutdown
 */
export const SECURITY_DEFAULTS = {
  maxCancellationsPerSecond: 100,
  burst: 1000,
  maxReasonLength: 1024,
  maxSenders: 10_000,
} as const;

/**
 * CancellationSecurity: ownership, per-sender rate limits and reason limits. Every
 * decision it makes is reported by the peer on `events$` (the audit trail).
 *
 * @example
 * const security = new CancellationSecurity({ maxCancellationsPerSecond: 10, canCancel: (s) => s !== 'banned' });
 * createPeer(incoming$, { sessionId: 'a', security });
 */
export class CancellationSecurity {
  readonly maxReasonLength: number;
  private readonly limiter: RateLimiter;
  private readonly policy: SecurityOptions['canCancel'];

  constructor(options: SecurityOptions = {}) {
    this.maxReasonLength = Math.max(0, options.maxReasonLength ?? SECURITY_DEFAULTS.maxReasonLength);
    this.limiter = new RateLimiter(
      Math.max(0, options.maxCancellationsPerSecond ?? SECURITY_DEFAULTS.maxCancellationsPerSecond),
      Math.max(1, options.burst ?? SECURITY_DEFAULTS.burst),
      Math.max(1, options.maxSenders ?? SECURITY_DEFAULTS.maxSenders),
    );
    this.policy = options.canCancel;
  }

  /** Accept a ready instance or options. */
  static from(s: SecurityOptions | CancellationSecurity | undefined): CancellationSecurity {
    return s instanceof CancellationSecurity ? s : new CancellationSecurity(s);
  }

  /**
   * May `sender` cancel `key`? Only a request of the sender's own session (a key with no session
   * belongs to a peer with a private registry, which only that peer can reach), and only if the
   * user's policy agrees too.
   */
  canCancel(sender: Sender, key: RequestKey): boolean {
    if (key.sessionId !== undefined && key.sessionId !== sender) return false;
    if (this.policy === undefined) return true;
    try {
      return this.policy(sender, key) === true;
    } catch {
      return false;
    }
  }

  /** Count one cancellation against `sender`'s rate at time `now` (ms). */
  admit(sender: Sender, now: number): boolean {
    return this.limiter.tryTake(sender, now);
  }

  /**
   * The whole decision for one cancellation from `sender` at time `now` (ms, monotonic): it
   * takes a token from the sender's rate, then decides with {@link decideCancel}. The one door
   * every cancel goes through.
   */
  check(sender: Sender, input: CancelInput, facts: Pick<CancelFacts, 'sessionId' | 'cancellable'>, now: number): CancelDecision {
    // one small object per cancel and no closure: the ownership rule is bound once
    return decideCancel(input, {
      sessionId: facts.sessionId,
      cancellable: facts.cancellable,
      sender,
      admitted: this.admit(sender, now),
      mayCancel: this.mayCancel,
      maxReasonLength: this.maxReasonLength,
    });
  }

  private readonly mayCancel = (sender: Sender, key: RequestKey): boolean => this.canCancel(sender, key);

  /** A reason cut to `maxReasonLength`, and whether it was cut. */
  limit(reason: string | undefined): { readonly reason: string | undefined; readonly truncated: boolean } {
    return limitReason(reason, this.maxReasonLength);
  }

  /** Senders with a rate-limit bucket now (bounded by `maxSenders`). */
  get trackedSenders(): number {
    return this.limiter.size;
  }
}
