// The value encoding of MCP's mirrored headers (`Mcp-Name`, `Mcp-Param-*`; MCP 2026-07-28,
// basic/transports/streamable-http, "Value Encoding"): a value that is not plain visible ASCII,
// has leading or trailing whitespace, or looks like the sentinel itself travels as
// `=?base64?<base64 of its UTF-8>?=`.

const PREFIX = '=?base64?';
const SUFFIX = '?=';

const plain = (s: string): boolean => {
  if (s.length === 0) return true;
  if (s.startsWith(PREFIX) && s.endsWith(SUFFIX)) return false;
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  if (first === 32 || first === 9 || last === 32 || last === 9) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c === 9 || (c >= 0x20 && c <= 0x7e))) return false;
  }
  return true;
};

const toBase64 = (bytes: Uint8Array): string => {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] ?? 0);
  return btoa(binary);
};

/**
 * A string as an MCP header value: itself when it is safe, else the Base64 sentinel form.
 *
 * @example
 * encodeHeaderValue('get_weather'); // 'get_weather'
 * encodeHeaderValue('Hello, 世界'); // '=?base64?SGVsbG8sIOS4lueVjA==?='
 */
export const encodeHeaderValue = (s: string): string => (plain(s) ? s : `${PREFIX}${toBase64(new TextEncoder().encode(s))}${SUFFIX}`);

// RFC 9110 field values: visible ASCII, space and tab; CR, LF, NUL and anything past 0x7e are
// refused (MCP 2026-07-28, "Value Encoding": a header with invalid characters is rejected)
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;
// strict Base64 (RFC 4648 section 4): whole quanta, `=` only as the final padding. `atob` alone
// is lenient (it takes missing padding and whitespace), and MCP asks that bad padding be refused
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const isSentinel = (v: string): boolean => v.length >= PREFIX.length + SUFFIX.length && v.startsWith(PREFIX) && v.endsWith(SUFFIX);

/**
 * The string an MCP header value stands for, or `undefined` when it is malformed: a character
 * outside visible ASCII, space and tab, or a sentinel whose Base64 is not strict (bad padding, a
 * character outside `A-Z a-z 0-9 + /`) or whose bytes are not UTF-8. A value without both the
 * prefix and the suffix is literal.
 *
 * @example
 * decodeHeaderValue('=?base64?SGVsbG8sIOS4lueVjA==?='); // 'Hello, 世界'
 * decodeHeaderValue('=?base64?SGVsbG8?='); // undefined
 * decodeHeaderValue('=?base64?SGVsbG8='); // '=?base64?SGVsbG8='
 */
export const decodeHeaderValue = (v: string): string | undefined => {
  if (!FIELD_VALUE.test(v)) return undefined;
  if (!isSentinel(v)) return v;
  const payload = v.slice(PREFIX.length, v.length - SUFFIX.length);
  if (!STRICT_BASE64.test(payload)) return undefined;
  try {
    const binary = atob(payload);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
};

/** How a header compares with the body value it mirrors: equal, different, or not a valid header value at all. */
export type HeaderComparison = 'match' | 'mismatch' | 'malformed';

// the longest text an integer's header may hold: 2^53 has 16 digits; room for a sign and `.0…`
const MAX_NUMBER_TEXT = 64;
// a JSON number: what "compare numerically" reads (`42.0` equals 42; `0x2a`, ` 42` and `` do not)
const NUMBER_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

// the most characters a header mirroring `value` can need once decoded (UTF-8 takes at most 3
// bytes per UTF-16 unit): anything longer cannot match, and is refused before it is decoded
const decodedBound = (value: string | number | boolean): number =>
  typeof value === 'string' ? 3 * value.length : typeof value === 'boolean' ? 5 : MAX_NUMBER_TEXT;

/**
 * Whether a raw header value mirrors a body value (MCP 2026-07-28, "Server Validation"): decoded
 * from the Base64 sentinel when sent so, then compared: a string exactly, a boolean as `true` or
 * `false`, a number numerically (`42.0` matches 42). Bounded by the body value: a header longer
 * than any encoding of it is a mismatch before a byte of it is decoded or scanned.
 *
 * @example
 * compareHeaderValue('=?base64?SGVsbG8=?=', 'Hello'); // 'match'
 * compareHeaderValue('42.0', 42); // 'match'
 * compareHeaderValue('=?base64?SGVs!!!bG8=?=', 'Hello'); // 'malformed'
 */
export const compareHeaderValue = (raw: string, value: string | number | boolean): HeaderComparison => {
  const bound = decodedBound(value);
  // Base64 takes 4 characters for each 3 bytes, plus the sentinel around them
  if (raw.length > PREFIX.length + SUFFIX.length + 4 * Math.ceil(bound / 3)) return 'mismatch';
  const decoded = decodeHeaderValue(raw);
  if (decoded === undefined) return 'malformed';
  if (typeof value === 'string') return decoded === value ? 'match' : 'mismatch';
  if (typeof value === 'boolean') return decoded === String(value) ? 'match' : 'mismatch';
  return NUMBER_TEXT.test(decoded) && Number(decoded) === value ? 'match' : 'mismatch';
};
