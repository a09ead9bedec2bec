// A header that mirrors a value of the request body (MCP 2026-07-28 basic/transports/streamable-http,
// "Custom Headers from Tool Parameters"). Who knows *which* values are mirrored (the MCP server,
// from its tools' schemas) and who checks the header against the value (the HTTP transport) are
// two layers; this type is all they share, so neither imports the other.

/**
 * A header a request must carry because it mirrors a value of its body: the tool argument of an
 * `x-mcp-header` annotation, as `Mcp-Param-{name}`. `value` is what the body holds at the
 * annotated path, `undefined` when nothing is there: the header is then not expected.
 *
 * @example
 * const region: MirroredHeader = { header: 'Mcp-Param-Region', value: 'us-west1' };
 */
export interface MirroredHeader {
  /** The header's name, `Mcp-Param-{x-mcp-header}` (compared case-insensitively, as every header name). */
  readonly header: string;
  /** The body's value at the annotated path: a string, integer or boolean to be mirrored; `undefined` or `null`: absent. */
  readonly value: unknown;
}

/**
 * The prefix of the headers that mirror tool arguments (MCP 2026-07-28, "Schema Extension").
 *
 * @example
 * PARAM_HEADER_PREFIX; // 'Mcp-Param-'
 * // the header that mirrors an argument annotated "x-mcp-header": "Region"
 * const region: MirroredHeader = { header: `${PARAM_HEADER_PREFIX}Region`, value: 'us-west1' };
 */
export const PARAM_HEADER_PREFIX = 'Mcp-Param-';
