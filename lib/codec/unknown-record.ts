// io-ts's test of a record (`t.UnknownRecord.is`, io-ts 2.2), written out for a hot path: true
// exactly where that codec accepts, so a check made here and a decode made there never disagree.

/**
 * `t.UnknownRecord.is(u)` without the codec's call: an object that is not null and not an array.
 *
 * @example
 * isUnknownRecord({}); // true
 * isUnknownRecord([]); // false, as t.UnknownRecord.is([])
 */
export const isUnknownRecord = (u: unknown): u is Record<string, unknown> => u !== null && typeof u === 'object' && !Array.isArray(u);
