import { timingSafeEqual } from 'node:crypto';
import { hmacSha256 } from './hmac.js';
import type { CancelReason, RequestKey } from './request-key.js';

// The signer of the secret, made once: a burst signs one record per cancel. One bus has one
// secret, so one entry is the whole cache.
let lastSecret: string | undefined;
let lastSigner: ((message: string) => string) | undefined;
const signerOf = (secret: string): ((message: string) => string) => {
  if (lastSigner === undefined || lastSecret !== secret) {
    lastSigner = hmacSha256(secret);
    lastSecret = secret;
  }
  return lastSigner;
};

/**
 * The HMAC-SHA256 of one bus message, hex: over its origin, key and reason in a fixed order, so
 * that no two messages share a text. Anyone who can publish on the channel but lacks the secret
 * can cancel nothing.
 *
 * @example
 * const sig = signBusMessage(secret, 'instance-a', key, reason);
 */
export const signBusMessage = (secret: string, origin: string, key: RequestKey, reason: CancelReason): string =>
  signerOf(secret)(
    // the method only when present: a reason without one signs as it did before it existed
    JSON.stringify(reason.method === undefined ? [origin, key.sessionId ?? null, key.requestId, reason.source, reason.reason ?? null] : [origin, key.sessionId ?? null, key.requestId, reason.source, reason.reason ?? null, reason.method]),
  );

/** Whether `sig` is the signature of the message, compared in constant time. */
export const verifyBusMessage = (secret: string, origin: string, key: RequestKey, reason: CancelReason, sig: string): boolean =>
  sameSignature(signBusMessage(secret, origin, key, reason), sig);

/** Two hex signatures compared in constant time (a wrong length is simply not the same). */
const sameSignature = (expectedHex: string, givenHex: string): boolean => {
  const expected = Buffer.from(expectedHex, 'hex');
  const given = Buffer.from(givenHex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
};

/** The text an announcement's signature covers: its origin and every cancel, in order. */
const announcementText = (origin: string, cancels: ReadonlyArray<{ readonly key: RequestKey; readonly reason: CancelReason }>): string =>
  // a reason's method only when present, as in signBusMessage
  JSON.stringify([origin, cancels.map((c) => (c.reason.method === undefined ? [c.key.sessionId ?? null, c.key.requestId, c.reason.source, c.reason.reason ?? null] : [c.key.sessionId ?? null, c.key.requestId, c.reason.source, c.reason.reason ?? null, c.reason.method]))]);

/**
 * The HMAC-SHA256 of one announcement (the cancels of one turn, published together), hex: one
 * signature for all of them, so a burst costs each receiver one verification, not one per cancel.
 *
 * @example
 * const sig = signAnnouncement(secret, 'instance-a', [{ key, reason }]);
 */
export const signAnnouncement = (secret: string, origin: string, cancels: ReadonlyArray<{ readonly key: RequestKey; readonly reason: CancelReason }>): string =>
  signerOf(secret)(announcementText(origin, cancels));

/** Whether `sig` is the signature of the announcement, compared in constant time. */
export const verifyAnnouncement = (secret: string, origin: string, cancels: ReadonlyArray<{ readonly key: RequestKey; readonly reason: CancelReason }>, sig: string): boolean =>
  sameSignature(signAnnouncement(secret, origin, cancels), sig);
