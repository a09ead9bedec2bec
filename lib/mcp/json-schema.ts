import type * as t from 'io-ts';

/**
 * A JSON Schema (2020-12) object, as a tool's `inputSchema` and `outputSchema` carry it.
 *
 * @example
 * const inputSchema: JsonSchema = { type: 'object', properties: { city: { type: 'string', minLength: 1 } }, required: ['city'] };
 * tool({ name: 'forecast', inputSchema, run: (args) => Promise.resolve(`Sunny in ${String(args['city'])}`) });
 */
export type JsonSchema = Record<string, unknown>;

// io-ts codecs say what they are with `_tag` (the class name); the few we read are listed here
interface Tagged {
  readonly _tag?: string;
  readonly name?: string;
  readonly props?: Record<string, unknown>;
  readonly types?: readonly unknown[];
  readonly type?: unknown;
  readonly codomain?: unknown;
  readonly value?: unknown;
  readonly keys?: Record<string, unknown>;
}

// a codec nested deeper than this is not described further ({} accepts anything): a schema is
// configuration, but a recursive codec must not recurse without end
const MAX_DEPTH = 32;

const describe = (codec: unknown, depth: number): JsonSchema => {
  if (depth > MAX_DEPTH || typeof codec !== 'object' || codec === null) return {};
  const c = codec as Tagged;
  switch (c._tag) {
    case 'StringType':
      return { type: 'string' };
    case 'NumberType':
      return { type: 'number' };
    case 'BooleanType':
      return { type: 'boolean' };
    case 'NullType':
      return { type: 'null' };
    case 'LiteralType':
      return { const: c.value };
    case 'KeyofType':
      return { enum: Object.keys(c.keys ?? {}) };
    case 'InterfaceType':
    case 'StrictType':
      return objectOf(c.props ?? {}, true, depth);
    case 'PartialType':
      return objectOf(c.props ?? {}, false, depth);
    case 'ExactType':
    case 'ReadonlyType':
      return describe(c.type, depth + 1);
    case 'RefinementType':
      // t.Int is the one refinement with a JSON Schema of its own
      return c.name === 'Int' ? { type: 'integer' } : describe(c.type, depth + 1);
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return { type: 'array', items: describe(c.type, depth + 1) };
    case 'DictionaryType':
      return { type: 'object', additionalProperties: describe(c.codomain, depth + 1) };
    case 'UnionType': {
      const members = (c.types ?? []).map((m) => describe(m, depth + 1));
      // a union of literals is an enum, as JSON Schema writers expect
      if (members.length > 0 && members.every((m) => 'const' in m && Object.keys(m).length === 1)) return { enum: members.map((m) => m['const']) };
      return { anyOf: members };
    }
    case 'IntersectionType':
      return mergeObjects((c.types ?? []).map((m) => describe(m, depth + 1)));
    case 'AnyDictionaryType': // t.UnknownRecord
    case 'UnknownRecordType':
      return { type: 'object' };
    case 'AnyArrayType': // t.UnknownArray
    case 'UnknownArrayType':
      return { type: 'array' };
    default:
      // unknown, functions, recursive codecs: anything goes
      return {};
  }
};

const objectOf = (props: Record<string, unknown>, required: boolean, depth: number): JsonSchema => {
  const properties: Record<string, JsonSchema> = {};
  const must: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    const schema = describe(v, depth + 1);
    // a member that may be undefined (t.union([x, t.undefined])) is not required
    const optional = (v as Tagged)._tag === 'UnionType' && ((v as Tagged).types ?? []).some((m) => (m as Tagged)._tag === 'UndefinedType' || (m as Tagged)._tag === 'VoidType');
    // the member's own schema, without the undefined it may be (one left: that one alone)
    const defined = optional ? ((schema['anyOf'] as JsonSchema[] | undefined) ?? []).filter((m) => Object.keys(m).length > 0) : [];
    properties[k] = !optional ? schema : defined.length === 1 ? (defined[0] ?? {}) : { anyOf: defined };
    if (required && !optional) must.push(k);
  }
  return must.length === 0 ? { type: 'object', properties } : { type: 'object', properties, required: must };
};

// t.intersection([t.type(...), t.partial(...)]): one object with every member's properties
const mergeObjects = (members: readonly JsonSchema[]): JsonSchema => {
  if (!members.every((m) => m['type'] === 'object')) return { allOf: [...members] };
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const m of members) {
    Object.assign(properties, m['properties']);
    if (Array.isArray(m['required'])) required.push(...(m['required'] as string[]));
  }
  return required.length === 0 ? { type: 'object', properties } : { type: 'object', properties, required };
};

/**
 * The JSON Schema (2020-12) of an io-ts codec: objects (`type`, `partial`, `exact`, `strict`,
 * their intersection), primitives, `Int`, literals and `keyof` (as `enum`), arrays, records,
 * unions; any other codec is described as `{}` (anything), never wrongly.
 *
 * @example
 * ioTsJsonSchema(t.intersection([t.type({ text: t.string }), t.partial({ times: t.Int })]));
 * // { type: 'object', properties: { text: { type: 'string' }, times: { type: 'integer' } }, required: ['text'] }
 */
export const ioTsJsonSchema = (codec: t.Decoder<unknown, unknown>): JsonSchema => describe(codec, 0);
