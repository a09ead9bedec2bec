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

/**
 * The string an MCP header value stands for, or `undefined` when it is a sentinel whose Base64
 * or UTF-8 is broken (the caller answers that as a malformed header).
 *
 * @example
 * decodeHeaderValue('=?base64?SGVsbG8sIOS4lueVjA==?='); // 'Hello, 世界'
 */
export const decodeHeaderValue = (v: string): string | undefined => {
  if (!(v.startsWith(PREFIX) && v.endsWith(SUFFIX) && v.length >= PREFIX.length + SUFFIX.length)) return v;
  try {
    const binary = atob(v.slice(PREFIX.length, v.length - SUFFIX.length));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
};
