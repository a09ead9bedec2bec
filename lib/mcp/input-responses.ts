import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

// What a client answers to each kind of input request (MCP 2026-07-28 schema: ElicitResult,
// CreateMessageResult, ListRootsResult), decoded where a handler reads them: the map itself says
// nothing of which key holds which kind, the handler that asked does.

/**
 * A client's answer to an `elicitation/create` input request (MCP `ElicitResult`).
 *
 * @example
 * ElicitResult.is({ action: 'accept', content: { name: 'Alice' } }); // true
 */
export const ElicitResult = t.intersection(
  [
    t.type({ action: t.keyof({ accept: null, decline: null, cancel: null }) }),
    t.partial({ content: t.record(t.string, t.union([t.string, t.number, t.boolean, t.array(t.string)])), _meta: t.UnknownRecord }),
  ],
  'ElicitResult',
);
/** A client's answer to an elicitation. */
export type ElicitResult = t.TypeOf<typeof ElicitResult>;

const Content = t.intersection([t.type({ type: t.string }), t.UnknownRecord]);

/**
 * A client's answer to a `sampling/createMessage` input request (MCP `CreateMessageResult`): one
 * content block or several.
 *
 * @example
 * CreateMessageResult.is({ role: 'assistant', content: { type: 'text', text: 'Paris' }, model: 'm' }); // true
 */
export const CreateMessageResult = t.intersection(
  [
    t.type({ role: t.keyof({ user: null, assistant: null }), content: t.union([Content, t.array(Content)]), model: t.string }),
    t.partial({ stopReason: t.string, _meta: t.UnknownRecord }),
  ],
  'CreateMessageResult',
);
/** A client's answer to a sampling request. */
export type CreateMessageResult = t.TypeOf<typeof CreateMessageResult>;

/**
 * A client's answer to a `roots/list` input request (MCP `ListRootsResult`).
 *
 * @example
 * ListRootsResult.is({ roots: [{ uri: 'file:///work', name: 'work' }] }); // true
 */
export const ListRootsResult = t.intersection(
  [t.type({ roots: t.array(t.intersection([t.type({ uri: t.string }), t.partial({ name: t.string })])) }), t.partial({ _meta: t.UnknownRecord })],
  'ListRootsResult',
);
/** A client's answer to a roots request. */
export type ListRootsResult = t.TypeOf<typeof ListRootsResult>;

/**
 * The answers a retried 2026-07-28 request carries (`params.inputResponses`), read by the key the
 * handler asked under and decoded as the kind it asked for. An answer that is absent, or does not
 * decode as that kind, is `undefined`: the handler asks again (MCP: missing information is a new
 * `input_required`, not an error). Keys the handler does not read are ignored, as MCP asks.
 *
 * @example
 * const nameOf = (answers: InputResponses): string | undefined => answers.accepted('who', t.type({ name: t.string }))?.name;
 * nameOf(inputResponsesOf({ who: { action: 'accept', content: { name: 'Ada' } } })); // 'Ada'
 * nameOf(inputResponsesOf({ who: { action: 'decline' } })); // undefined
 */
export interface InputResponses {
  /** The keys the client answered under (decoded or not). */
  readonly keys: readonly string[];
  /** The answer to the elicitation asked under `key`. */
  elicit(key: string): ElicitResult | undefined;
  /** The content of an accepted elicitation under `key`, decoded with `content`; `undefined` if declined, cancelled, absent or not of that shape. */
  accepted<C>(key: string, content: t.Decoder<unknown, C>): C | undefined;
  /** The answer to the sampling request asked under `key`. */
  createMessage(key: string): CreateMessageResult | undefined;
  /** The answer to the roots request asked under `key`. */
  listRoots(key: string): ListRootsResult | undefined;
}

const decoded = <A>(codec: t.Decoder<unknown, A>, u: unknown): A | undefined => {
  if (u === undefined) return undefined;
  const d = codec.decode(u);
  return E.isRight(d) ? d.right : undefined;
};

/**
 * The {@link InputResponses} of a request's `inputResponses` map (none: an empty one).
 *
 * @example
 * inputResponsesOf({ user_name: { action: 'accept', content: { name: 'Alice' } } }).elicit('user_name')?.action; // 'accept'
 * inputResponsesOf({ user_name: 12345 }).elicit('user_name'); // undefined
 */
export const inputResponsesOf = (map: Readonly<Record<string, unknown>> | undefined): InputResponses => {
  const given = map ?? {};
  // own keys only: a key named like Object.prototype's members is just a key
  const at = (key: string): unknown => (Object.prototype.hasOwnProperty.call(given, key) ? given[key] : undefined);
  const elicit = (key: string): ElicitResult | undefined => decoded(ElicitResult, at(key));
  return {
    keys: Object.keys(given),
    elicit,
    accepted: (key, content) => {
      const r = elicit(key);
      return r?.action === 'accept' ? decoded(content, r.content) : undefined;
    },
    createMessage: (key) => decoded(CreateMessageResult, at(key)),
    listRoots: (key) => decoded(ListRootsResult, at(key)),
  };
};
