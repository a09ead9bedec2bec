import { ErrorCodes } from '../codec/error-codes.js';
import { JsonRpcError } from '../errors.js';
import { countOption } from '../peer/options.js';
import { RateLimiter } from '../security/rate-limit.js';

/**
 * The default bound of requests a gateway forwards at once, all front sessions together.
 *
 * @example
 * mcpGateway({ upstream, maxInFlight: 2 * DEFAULT_GATEWAY_MAX_IN_FLIGHT });
 */
export const DEFAULT_GATEWAY_MAX_IN_FLIGHT = 1_000;
/**
 * The default bound of requests one front session may have forwarded at once.
 *
 * @example
 * mcpGateway({ upstream, maxInFlightPerSender: DEFAULT_GATEWAY_MAX_IN_FLIGHT_PER_SENDER / 10 });
 */
export const DEFAULT_GATEWAY_MAX_IN_FLIGHT_PER_SENDER = 100;
/** The most senders whose request rate a gateway remembers (the rate limiter's table). */
const MAX_SENDERS = 10_000;

/**
 * What a gateway lets through before it forwards anything, per front session ("sender") and in all.
 *
 * @example
 * const limits: AdmissionOptions = { maxInFlight: 500, maxInFlightPerSender: 20, requestsPerSecond: 10, burst: 20 };
 */
export interface AdmissionOptions {
  /** Requests forwarded at once, every front session together. Default 1,000; `Infinity`: no bound. */
  readonly maxInFlight?: number;
  /** Requests one front session may have forwarded at once. Default 100; `Infinity`: no bound. */
  readonly maxInFlightPerSender?: number;
  /** Requests one front session may start per second (a token bucket); default no limit. */
  readonly requestsPerSecond?: number;
  /** The bucket's size: how many requests a front session may start at once after a quiet time. Default `requestsPerSecond`. */
  readonly burst?: number;
}

/**
 * Why a request was not forwarded: the gateway's budget, the session's share, or its rate.
 *
 * @example
 * const r: AdmissionRefusal = { why: 'rate-limited', limit: 10 };
 */
export type AdmissionRefusal =
  | { readonly why: 'in-flight'; readonly limit: number }
  | { readonly why: 'sender-in-flight'; readonly limit: number }
  | { readonly why: 'rate-limited'; readonly limit: number };

/**
 * What {@link decideAdmission} looks at: the counts now, and the bounds.
 *
 * @example
 * const facts: AdmissionFacts = { total: 3, ofSender: 1, maxInFlight: 1_000, maxInFlightPerSender: 100 };
 */
export interface AdmissionFacts {
  readonly total: number;
  readonly ofSender: number;
  readonly maxInFlight: number;
  readonly maxInFlightPerSender: number;
}

/**
 * May one more request be forwarded? A pure decision on the counts: the whole budget first (a
 * full gateway refuses every sender alike), then the sender's share.
 *
 * @example
 * decideAdmission({ total: 3, ofSender: 2, maxInFlight: 10, maxInFlightPerSender: 2 }); // { why: 'sender-in-flight', limit: 2 }
 */
export const decideAdmission = (f: AdmissionFacts): AdmissionRefusal | undefined => {
  if (f.total >= f.maxInFlight) return { why: 'in-flight', limit: f.maxInFlight };
  if (f.ofSender >= f.maxInFlightPerSender) return { why: 'sender-in-flight', limit: f.maxInFlightPerSender };
  return undefined;
};

/**
 * The JSON-RPC error a refused request gets: -32603 (MCP names no code for "too many"), with
 * the bound in `data`, as the core's own `maxInFlight` refusal. Nothing of the request went upstream.
 *
 * @example
 * throw refusalError({ why: 'rate-limited', limit: 5 });
 */
export const refusalError = (r: AdmissionRefusal): JsonRpcError =>
  new JsonRpcError(
    ErrorCodes.InternalError,
    r.why === 'rate-limited'
      ? `Too many requests: over ${r.limit} per second for this session`
      : `Too many requests in flight through the gateway (${r.why === 'in-flight' ? 'maxInFlight' : 'maxInFlightPerSender'} ${r.limit})`,
    { [r.why === 'rate-limited' ? 'requestsPerSecond' : r.why === 'in-flight' ? 'maxInFlight' : 'maxInFlightPerSender']: r.limit },
  );

/**
 * The counts behind {@link decideAdmission}: one number per sender with something in flight (a
 * sender's entry goes when its count is back to 0, so the map never holds more senders than
 * requests in flight), and a token bucket per sender with bounded memory (the rate limiter cancellation security uses).
 * Every step is O(1).
 *
 * @example
 * const a = new Admission({ maxInFlightPerSender: 10 });
 * const refused = a.admit('session-1', performance.now());
 * if (refused === undefined) work.pipe(finalize(() => a.release('session-1')));
 */
export class Admission {
  private readonly counts = new Map<string, number>();
  private total = 0;
  private readonly maxInFlight: number;
  private readonly maxInFlightPerSender: number;
  private readonly limiter: RateLimiter | undefined;

  constructor(options: AdmissionOptions = {}) {
    this.maxInFlight = countOption('maxInFlight', options.maxInFlight, DEFAULT_GATEWAY_MAX_IN_FLIGHT);
    this.maxInFlightPerSender = countOption('maxInFlightPerSender', options.maxInFlightPerSender, DEFAULT_GATEWAY_MAX_IN_FLIGHT_PER_SENDER);
    const rate = options.requestsPerSecond;
    if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) throw new TypeError(`requestsPerSecond must be a positive number, got ${String(rate)}`);
    const burst = options.burst ?? rate;
    if (burst !== undefined && !(Number.isFinite(burst) && burst >= 1)) throw new TypeError(`burst must be a number of at least 1, got ${String(burst)}`);
    this.limiter = rate === undefined || burst === undefined ? undefined : new RateLimiter(rate, burst, MAX_SENDERS);
  }

  /** Requests admitted and not yet released. */
  get size(): number {
    return this.total;
  }

  /** Take a place for one request of `sender`, or say why not (then nothing was taken). */
  admit(sender: string, now: number): AdmissionRefusal | undefined {
    const ofSender = this.counts.get(sender) ?? 0;
    const refused = decideAdmission({ total: this.total, ofSender, maxInFlight: this.maxInFlight, maxInFlightPerSender: this.maxInFlightPerSender });
    if (refused !== undefined) return refused;
    // the bucket after the counts: a request refused for the budget costs its sender no token
    if (this.limiter !== undefined && !this.limiter.tryTake(sender, now)) return { why: 'rate-limited', limit: this.limiter.perSecond };
    this.counts.set(sender, ofSender + 1);
    this.total += 1;
    return undefined;
  }

  /** Give back the place of one request of `sender` (call it once per admit, at the request's end). */
  release(sender: string): void {
    const n = this.counts.get(sender);
    if (n === undefined) return;
    if (n <= 1) this.counts.delete(sender);
    else this.counts.set(sender, n - 1);
    this.total -= 1;
  }
}
