import { defer, from, map, type Observable, type ObservableInput } from 'rxjs';
import type { Completer } from './completion.js';
import type { McpContext } from './context.js';
import type { InputRequired } from './input-required.js';
import type { ResourceContents } from './wire.js';

/**
 * What a resource's `read` may give: its contents, a text (one text content of the resource's type), or, in 2026-07-28, what it still needs ({@link InputRequired}).
 *
 * @example
 * // a text goes out as one text content, of the resource's mimeType
 * const read = (): Promise<ResourceOutput> => readFile('notes.md', 'utf8');
 * resource({ uri: 'file:///notes.md', name: 'notes', mimeType: 'text/markdown', read });
 */
export type ResourceOutput = readonly ResourceContents[] | string | InputRequired;

/**
 * What a resource says of itself in `resources/list`, and a template in `resources/templates/list`.
 *
 * @example
 * const info: ResourceInfo = { name: 'readme', title: 'Read me first', mimeType: 'text/markdown' };
 * resource({ ...info, uri: 'file:///README.md', read: () => readFile('README.md', 'utf8') });
 */
export interface ResourceInfo {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly mimeType?: string;
  readonly annotations?: Readonly<Record<string, unknown>>;
  readonly icons?: readonly Readonly<Record<string, unknown>>[];
  readonly _meta?: Readonly<Record<string, unknown>>;
}

/**
 * A resource of fixed URI as `mcpServer` serves it.
 *
 * @example
 * const readme: McpResource = resource({ uri: 'file:///README.md', name: 'readme', mimeType: 'text/markdown', read: () => readFile('README.md', 'utf8') });
 * mcpServer({ info, resources: [readme] });
 */
export interface McpResource {
  readonly uri: string;
  readonly descriptor: Readonly<Record<string, unknown>>;
  read(ctx: McpContext): Observable<readonly ResourceContents[] | InputRequired>;
}

/**
 * A template of URIs as `mcpServer` serves it: a URI it matches is read with its variables.
 *
 * @example
 * const profile: McpResourceTemplate = resourceTemplate({ uriTemplate: 'users://{id}/profile', name: 'profile', read: (_uri, { id }) => profileOf(id) });
 * profile.match('users://42/profile'); // { id: '42' }
 * mcpServer({ info, resourceTemplates: [profile] });
 */
export interface McpResourceTemplate {
  readonly uriTemplate: string;
  readonly descriptor: Readonly<Record<string, unknown>>;
  /** Completions of its variables, by name (`completion/complete` with a `ref/resource`). */
  readonly complete: Readonly<Record<string, Completer>>;
  /** The variables of `uri`, or `undefined` when the template does not match it. */
  match(uri: string): Readonly<Record<string, string>> | undefined;
  read(uri: string, variables: Readonly<Record<string, string>>, ctx: McpContext): Observable<readonly ResourceContents[] | InputRequired>;
}

const infoOf = (i: ResourceInfo): Record<string, unknown> => {
  const { name, title, description, mimeType, annotations, icons, _meta } = i;
  return {
    name,
    ...(title === undefined ? {} : { title }),
    ...(description === undefined ? {} : { description }),
    ...(mimeType === undefined ? {} : { mimeType }),
    ...(annotations === undefined ? {} : { annotations }),
    ...(icons === undefined ? {} : { icons }),
    ...(_meta === undefined ? {} : { _meta }),
  };
};

const contentsOf = (uri: string, mimeType: string | undefined) => (out: ResourceOutput): readonly ResourceContents[] | InputRequired =>
  typeof out === 'string' ? [mimeType === undefined ? { uri, text: out } : { uri, mimeType, text: out }] : out;

/**
 * Define a resource of fixed URI.
 *
 * @example
 * const readme = resource({ uri: 'file:///README.md', name: 'readme', mimeType: 'text/markdown', read: () => readFile('README.md', 'utf8') });
 */
export const resource = (definition: ResourceInfo & { readonly uri: string; readonly size?: number; readonly read: (ctx: McpContext) => ObservableInput<ResourceOutput> }): McpResource => {
  const { uri, read, size } = definition;
  if (typeof uri !== 'string' || uri.length === 0) throw new TypeError('a resource needs a uri');
  if (typeof read !== 'function') throw new TypeError(`resource ${uri}: read must be a function`);
  return {
    uri,
    descriptor: { uri, ...infoOf(definition), ...(size === undefined ? {} : { size }) },
    read: (ctx) => defer(() => from(read(ctx))).pipe(map(contentsOf(uri, definition.mimeType))),
  };
};

/**
 * The longest URI a template is matched against, or quoted in an error: 8 KiB.
 *
 * @example
 * MAX_URI_LENGTH; // 8192
 * uriTemplate('test://items/{id}')('test://items/' + 'x'.repeat(MAX_URI_LENGTH)); // undefined: not even tried
 */
export const MAX_URI_LENGTH = 8 * 1024;

// RFC 6570 level 1 (`{var}`): a variable matches one or more characters other than `/`, `?`, `#`
const VARIABLE = /\{([A-Za-z0-9_]+)\}/g;
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The matcher of an RFC 6570 template of level 1 (`test://items/{id}`): the variables of a URI
 * it matches, percent-decoded, or `undefined`.
 *
 * @example
 * uriTemplate('test://items/{id}/data')('test://items/42/data'); // { id: '42' }
 */
export const uriTemplate = (template: string): ((uri: string) => Record<string, string> | undefined) => {
  const names: string[] = [];
  let pattern = '';
  let last = 0;
  for (const m of template.matchAll(VARIABLE)) {
    pattern += escapeRegExp(template.slice(last, m.index)) + '([^/?#]+)';
    names.push(m[1] ?? '');
    last = (m.index ?? 0) + m[0].length;
  }
  const re = new RegExp(`^${pattern}${escapeRegExp(template.slice(last))}$`);
  return (uri) => {
    // a URI is the peer's input: past this length no template is tried (two adjacent variables
    // backtrack in time quadratic in the length)
    if (uri.length > MAX_URI_LENGTH) return undefined;
    const m = re.exec(uri);
    if (m === null) return undefined;
    const variables: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) {
      const raw = m[i + 1] ?? '';
      try {
        variables[names[i] ?? ''] = decodeURIComponent(raw);
      } catch {
        // a malformed escape is not a match: the URI names no resource of this template
        return undefined;
      }
    }
    return variables;
  };
};

/**
 * Define a template of resources (RFC 6570 level 1): every URI it matches is read with its variables.
 *
 * @example
 * const user = resourceTemplate({ uriTemplate: 'users://{id}/profile', name: 'profile', read: (uri, { id }) => profileOf(id) });
 */
export const resourceTemplate = (
  definition: ResourceInfo & {
    readonly uriTemplate: string;
    readonly complete?: Readonly<Record<string, Completer>>;
    readonly read: (uri: string, variables: Readonly<Record<string, string>>, ctx: McpContext) => ObservableInput<ResourceOutput>;
  },
): McpResourceTemplate => {
  const { uriTemplate: template, read } = definition;
  if (typeof template !== 'string' || template.length === 0) throw new TypeError('a resource template needs a uriTemplate');
  if (typeof read !== 'function') throw new TypeError(`resource template ${template}: read must be a function`);
  const match = uriTemplate(template);
  return {
    uriTemplate: template,
    descriptor: { uriTemplate: template, ...infoOf(definition) },
    complete: definition.complete ?? {},
    match,
    read: (uri, variables, ctx) => defer(() => from(read(uri, variables, ctx))).pipe(map(contentsOf(uri, definition.mimeType))),
  };
};
