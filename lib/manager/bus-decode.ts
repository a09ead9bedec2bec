import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { RequestId } from '../codec/messages.js';
import { WireAnnouncement } from './bus-wire.js';
import { isUnknownRecord } from '../codec/unknown-record.js';

// An announcement decoded fast: a burst brings a receiver 1,000 cancels a message, and io-ts walks
// each one's intersections with a closure per member and an Either per level. The guard below is
// hand-written and says yes only where `WireAnnouncement.is` does (a spec checks it on arbitrary
// values); a no is no verdict, and the codec decides, with the paths of its errors.

const optionalString = (u: unknown): boolean => u === undefined || typeof u === 'string';
const isSource = (u: unknown): boolean => u === 'peer' || u === 'timeout' || u === 'caller' || u === 'close';

const looksLikeKey = (u: unknown): boolean => isUnknownRecord(u) && RequestId.is(u['requestId']) && optionalString(u['sessionId']);

const looksLikeReason = (u: unknown): boolean =>
  isUnknownRecord(u) && isSource(u['source']) && optionalString(u['reason']) && (u['via'] === undefined || u['via'] === 'bus') && (u['method'] === undefined || u['method'] === 'tasks/cancel');

/** @internal Says yes only where `WireAnnouncement.is` does. */
export const looksLikeAnnouncement = (u: unknown): u is WireAnnouncement => {
  if (!isUnknownRecord(u) || u['v'] !== 3 || typeof u['origin'] !== 'string' || !optionalString(u['sig'])) return false;
  const cancels = u['cancels'];
  if (!Array.isArray(cancels)) return false;
  // a plain loop: no closure per cancel
  for (let i = 0; i < cancels.length; i++) {
    const c: unknown = cancels[i];
    if (!isUnknownRecord(c) || !looksLikeKey(c['key']) || !looksLikeReason(c['reason'])) return false;
  }
  return true;
};

/**
 * Decode an announcement: what the guard accepts is taken as it is (io-ts would give back the
 * same value), anything else goes through the codec.
 *
 * @example
 * const d = decodeAnnouncement(JSON.parse(raw));
 * if (E.isRight(d)) for (const c of d.right.cancels) apply(c);
 */
export const decodeAnnouncement = (u: unknown): t.Validation<WireAnnouncement> => (looksLikeAnnouncement(u) ? E.right(u) : WireAnnouncement.decode(u));
