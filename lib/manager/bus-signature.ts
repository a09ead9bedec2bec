import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CancelReason, RequestKey } from './request-key.js';

/**
 * The HMAC-SHA256 of one bus message, hex: over its origin, key and reason in a fixed order, so
 * that no two messages share a text. Anyone who can publish on the channel but lacks the secret
 * can cancel nothing.
 *
 * @example
 * const sig = signBusMessage(secret, 'instance-a', key, reason);
 */
export const signBusMessage = (secret: string, origin: string, key: RequestKey, reason: CancelReason): string =>
  createHmac('sha256', secret)
    .update(JSON.stringify([origin, key.sessionId ?? null, key.requestId, reason.source, reason.reason ?? null]))
    .digest('hex');

/** Whether `sig` is the signature of the message, compared in constant time. */
export const verifyBusMessage = (secret: string, origin: string, key: RequestKey, reason: CancelReason, sig: string): boolean => {
  const expected = Buffer.from(signBusMessage(secret, origin, key, reason), 'hex');
  const given = Buffer.from(sig, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
};
