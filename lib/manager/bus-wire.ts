import * as t from 'io-ts';
import { CancelReason, RequestKey } from './request-key.js';

// The bus's two messages, decoded like everything from outside: a record (one signed cancel,
// read alone by a registration or a reconcile) and an announcement (one turn's cancels on the
// channel, signed once).

/** Cancels recorded and announced together, at most: one PUBLISH and one signature for this many, and a bound on what a receiver decodes from one message. */
export const MAX_ANNOUNCED = 1_000;
/** The longest announcement a receiver reads (characters of JSON): 1,000 cancels with reasons of 1,024 characters fit in a quarter of it. */
export const MAX_ANNOUNCEMENT_CHARS = 8 * 1024 * 1024;
/** What an announcement holds besides its cancels (version, origin, signature), at most: kept free when a sender fills one. */
export const ANNOUNCEMENT_OVERHEAD = 4_096;

/** A record: what sits in Redis for one cancel, and what a registration or a reconcile reads. */
export const WireCancellation = t.intersection([
  t.type({ v: t.literal(2), origin: t.string, key: RequestKey.codec, reason: CancelReason.codec }),
  t.partial({ sig: t.string }),
]);
export type WireCancellation = t.TypeOf<typeof WireCancellation>;

/** An announcement: one turn's cancels on the channel, one message and one signature. */
export const WireAnnouncement = t.intersection([
  t.type({ v: t.literal(3), origin: t.string, cancels: t.array(t.type({ key: RequestKey.codec, reason: CancelReason.codec })) }),
  t.partial({ sig: t.string }),
]);
export type WireAnnouncement = t.TypeOf<typeof WireAnnouncement>;
/** One cancel of an announcement. */
export type Cancel = WireAnnouncement['cancels'][number];
