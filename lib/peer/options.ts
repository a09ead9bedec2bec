/**
 * A count option (`maxInFlight`, `maxPendingRequests`, `maxBatchSize`): a non-negative integer,
 * or `Infinity` for no bound. Configuration, not input: a bad one is a `TypeError` at
 * construction (`NaN` used to disable a bound in silence: nothing is greater than NaN).
 *
 * @example
 * const maxInFlight = countOption('maxInFlight', options.maxInFlight, DEFAULT_MAX_IN_FLIGHT);
 */
export const countOption = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0))) return value;
  throw new TypeError(`${name} must be a non-negative integer or Infinity, got ${String(value)}`);
};
