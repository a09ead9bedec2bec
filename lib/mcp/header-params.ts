import { PARAM_HEADER_PREFIX, type MirroredHeader } from '../codec/mirrored-header.js';
import type { JsonSchema } from './json-schema.js';
import { isUnknownRecord } from '../codec/unknown-record.js';

// `x-mcp-header` (docs/protocol.md M7; MCP 2026-07-28 server/tools, "x-mcp-header"; SEP-2243): a tool's inputSchema
// may mark a primitive argument to be mirrored into the header `Mcp-Param-{name}`, so that
// proxies can route on it without reading the body. The tool's schema is read once, when the
// tool is defined; each call then only looks its values up.

/**
 * An annotated argument of a tool: the header that mirrors it, and the chain of `properties` keys that leads to it.
 *
 * @example
 * const deploy = tool({
 *   name: 'deploy',
 *   inputSchema: { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' } } },
 *   run: () => Promise.resolve('deployed'),
 * });
 * const mirrored: readonly HeaderParam[] = deploy.headerParams; // [{ header: 'Mcp-Param-Region', path: ['region'] }]
 */
export interface HeaderParam {
  readonly header: string;
  readonly path: readonly string[];
}

const ANNOTATION = 'x-mcp-header';
// RFC 9110 section 5.6.2: token = 1*tchar; no space, colon, control character or non-ASCII
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// the types a header can mirror; `number` is excluded by the spec (a float's text is not canonical)
const PRIMITIVE: ReadonlySet<unknown> = new Set(['string', 'integer', 'boolean']);
// keywords whose value is data, not a schema: an `x-mcp-header` key inside them annotates nothing
const DATA: ReadonlySet<string> = new Set(['const', 'enum', 'default', 'examples']);
// keywords whose value maps names to schemas (the names are not annotations)
const MAPS: ReadonlySet<string> = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
// a schema is configuration, but one built in code may be cyclic or absurdly deep: never recurse without end
const MAX_DEPTH = 64;

type Rec = Record<string, unknown>;

// `type: 'string'`, or a nullable one: `type: ['string', 'null']` (a null value mirrors nothing)
const primitiveType = (type: unknown): boolean => {
  if (PRIMITIVE.has(type)) return true;
  if (!Array.isArray(type)) return false;
  const others = type.filter((t) => t !== 'null');
  return others.length === 1 && PRIMITIVE.has(others[0]);
};

/**
 * The `x-mcp-header` annotations of a tool's inputSchema, checked as MCP 2026-07-28 requires of
 * them: each value a non-empty header token, unique among the tool's annotations whatever its
 * case, on a property of type `string`, `integer` or `boolean` that is reachable from the root
 * through `properties` keys only (not through `items`, `anyOf`, `$ref`, ...). A tool that breaks
 * one of these is refused by conforming clients, so it is refused here, when it is defined.
 *
 * @throws TypeError naming the tool, the property and the rule broken.
 */
export const headerParams = (tool: string, schema: JsonSchema): readonly HeaderParam[] => {
  const found: HeaderParam[] = [];
  const names = new Map<string, string>();
  // the schemas on the way down: a cyclic one ends the walk there (a shared one is walked at each place it is used)
  const ancestors = new Set<object>();
  const where = (path: readonly string[] | undefined, at: readonly string[]): string =>
    path === undefined || path.length === 0 ? `at ${at.length === 0 ? 'the root' : `/${at.join('/')}`}` : `on property ${path.join('.')}`;
  const fail = (why: string): never => {
    throw new TypeError(`tool ${tool}: ${why}`);
  };

  // `path`: the chain of `properties` keys that reached this schema, or undefined once the walk
  // went through any other keyword (an annotation there is not statically reachable)
  const visit = (node: unknown, path: readonly string[] | undefined, at: readonly string[]): void => {
    if (typeof node !== 'object' || node === null || ancestors.has(node)) return;
    if (at.length > MAX_DEPTH) fail(`inputSchema is nested deeper than ${MAX_DEPTH} keys ${where(undefined, at)}`);
    ancestors.add(node);
    if (Array.isArray(node)) node.forEach((item, i) => visit(item, undefined, [...at, String(i)]));
    else annotated(node as Rec, path, at);
    ancestors.delete(node);
  };
  const annotated = (schema: Rec, path: readonly string[] | undefined, at: readonly string[]): void => {
    if (Object.prototype.hasOwnProperty.call(schema, ANNOTATION)) {
      const name = schema[ANNOTATION];
      if (path === undefined || path.length === 0) fail(`x-mcp-header ${where(path, at)} is not statically reachable: only a chain of properties keys may lead to it`);
      const p = path as readonly string[];
      if (typeof name !== 'string' || !TOKEN.test(name)) fail(`x-mcp-header ${JSON.stringify(name)} ${where(p, at)} must be a non-empty HTTP token (A-Z a-z 0-9 and !#$%&'*+-.^_\`|~)`);
      const header = name as string;
      if (!primitiveType(schema['type'])) fail(`x-mcp-header ${JSON.stringify(header)} ${where(p, at)} needs type string, integer or boolean, got ${JSON.stringify(schema['type']) ?? 'none'}`);
      const twin = names.get(header.toLowerCase());
      if (twin !== undefined) fail(`x-mcp-header ${JSON.stringify(header)} ${where(p, at)} repeats ${JSON.stringify(twin)}: header names are case-insensitive`);
      names.set(header.toLowerCase(), header);
      found.push({ header: `${PARAM_HEADER_PREFIX}${header}`, path: p });
    }
    for (const [key, value] of Object.entries(schema)) {
      if (key === ANNOTATION || DATA.has(key)) continue;
      if (MAPS.has(key) && isUnknownRecord(value)) {
        // only `properties` keeps the chain static; the other maps break it
        for (const [name, sub] of Object.entries(value)) visit(sub, key === 'properties' && path !== undefined ? [...path, name] : undefined, [...at, key, name]);
      } else visit(value, undefined, [...at, key]);
    }
  };
  visit(schema, [], []);
  return found;
};

/**
 * The headers one call's arguments must come with: for each annotation, the value at its path
 * (own members only; `undefined` when any step is missing or not an object).
 */
export const mirroredOf = (params: readonly HeaderParam[], args: unknown): readonly MirroredHeader[] =>
  params.map(({ header, path }) => {
    let value: unknown = args;
    for (const key of path) value = isUnknownRecord(value) && Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
    return { header, value };
  });
