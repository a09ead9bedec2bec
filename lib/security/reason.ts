/** A reason cut to `max` characters, and whether it was cut. Never splits a surrogate pair. */
export const limitReason = (
  reason: string | undefined,
  max: number,
): { readonly reason: string | undefined; readonly truncated: boolean } => {
  if (reason === undefined || reason.length <= max) return { reason, truncated: false };
  let end = max;
  const last = reason.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return { reason: reason.slice(0, end), truncated: true };
};
