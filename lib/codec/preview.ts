/**
 * A string cut to `max` characters, marked with an ellipsis when cut: a hostile 10 MB value must
 * not be copied into every event and reply.
 *
 * @example
 * preview('x'.repeat(500), 8); // 'xxxxxxxx…'
 */
export const preview = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}…` : s);
