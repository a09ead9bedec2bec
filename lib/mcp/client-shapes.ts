import * as t from 'io-ts';
import { META_SERVER_INFO } from '../codec/era.js';
import { CreateMessageResult, ElicitResult, ListRootsResult } from './input-responses.js';

// one definition each: the answers to input requests are the server layer's codecs
export { CreateMessageResult, ElicitResult, ListRootsResult };

// The MCP wire shapes (MCP 2025-11-25 and 2026-07-28 schema.ts): what a client reads, and what
// the server layer writes (one definition each). Every codec is permissive: required members are
// checked, any other member passes through untouched, so a peer of a newer revision (or one with
// extensions) is read without loss.

/**
 * A `{ name, version, title?, ... }` software description (`clientInfo`, `serverInfo`).
 *
 * @example
 * Implementation.is({ name: 'app', version: '1.0.0' }); // true
 */
export const Implementation = t.intersection(
  [t.type({ name: t.string, version: t.string }), t.partial({ title: t.string, description: t.string, websiteUrl: t.string, icons: t.array(t.UnknownRecord) })],
  'Implementation',
);
export type Implementation = t.TypeOf<typeof Implementation>;

/**
 * A tool a server offers (`tools/list`).
 *
 * @example
 * Tool.is({ name: 'echo', inputSchema: { type: 'object' } }); // true
 */
export const Tool = t.intersection(
  [t.type({ name: t.string, inputSchema: t.UnknownRecord }), t.partial({ title: t.string, description: t.string, outputSchema: t.UnknownRecord, annotations: t.UnknownRecord })],
  'Tool',
);
export type Tool = t.TypeOf<typeof Tool>;

/**
 * One block of content (`text`, `image`, `audio`, `resource_link`, `resource`, ...): only `type` is checked.
 *
 * @example
 * ContentBlock.is({ type: 'image', data: 'iVBO', mimeType: 'image/png' }); // true
 */
export const ContentBlock = t.intersection([t.type({ type: t.string }), t.partial({ text: t.string }), t.UnknownRecord], 'ContentBlock');
export type ContentBlock = t.TypeOf<typeof ContentBlock>;

/**
 * What `tools/call` answers. A failing tool answers `isError: true` here, not a JSON-RPC error.
 *
 * @example
 * CallToolResult.is({ content: [{ type: 'text', text: 'no such file' }], isError: true }); // true
 */
export const CallToolResult = t.intersection(
  // structuredContent: a JSON value of whatever kind (MCP 2026-07-28; an object in 2025-11-25)
  [t.type({ content: t.array(ContentBlock) }), t.partial({ structuredContent: t.unknown, isError: t.boolean, _meta: t.UnknownRecord })],
  'CallToolResult',
);
export type CallToolResult = t.TypeOf<typeof CallToolResult>;

/**
 * A prompt template a server offers (`prompts/list`).
 *
 * @example
 * Prompt.is({ name: 'review', arguments: [{ name: 'code', required: true }] }); // true
 */
export const Prompt = t.intersection(
  [t.type({ name: t.string }), t.partial({ title: t.string, description: t.string, arguments: t.array(t.intersection([t.type({ name: t.string }), t.partial({ description: t.string, required: t.boolean })])) })],
  'Prompt',
);
export type Prompt = t.TypeOf<typeof Prompt>;

/**
 * What `prompts/get` answers.
 *
 * @example
 * GetPromptResult.is({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }] }); // true
 */
export const GetPromptResult = t.intersection([t.type({ messages: t.array(t.UnknownRecord) }), t.partial({ description: t.string })], 'GetPromptResult');
export type GetPromptResult = t.TypeOf<typeof GetPromptResult>;

/**
 * A resource a server offers (`resources/list`).
 *
 * @example
 * Resource.is({ uri: 'file:///a.txt', name: 'a.txt' }); // true
 */
export const Resource = t.intersection([t.type({ uri: t.string, name: t.string }), t.partial({ title: t.string, description: t.string, mimeType: t.string, size: t.number })], 'Resource');
export type Resource = t.TypeOf<typeof Resource>;

/**
 * A parameterised resource (`resources/templates/list`).
 *
 * @example
 * ResourceTemplate.is({ uriTemplate: 'file:///{path}', name: 'files' }); // true
 */
export const ResourceTemplate = t.intersection([t.type({ uriTemplate: t.string, name: t.string }), t.partial({ title: t.string, description: t.string, mimeType: t.string })], 'ResourceTemplate');
export type ResourceTemplate = t.TypeOf<typeof ResourceTemplate>;

/**
 * What `resources/read` answers: each content has its `uri`, and `text` or `blob`.
 *
 * @example
 * ReadResourceResult.is({ contents: [{ uri: 'file:///a.txt', text: 'hello' }] }); // true
 */
export const ReadResourceResult = t.type({ contents: t.array(t.intersection([t.type({ uri: t.string }), t.partial({ mimeType: t.string, text: t.string, blob: t.string })])) }, 'ReadResourceResult');
export type ReadResourceResult = t.TypeOf<typeof ReadResourceResult>;

/**
 * What `completion/complete` answers.
 *
 * @example
 * Completion.is({ values: ['python', 'pytorch'], hasMore: false }); // true
 */
export const Completion = t.intersection([t.type({ values: t.array(t.string) }), t.partial({ total: t.number, hasMore: t.boolean })], 'Completion');
export type Completion = t.TypeOf<typeof Completion>;
/**
 * The `completion/complete` result around a {@link Completion}.
 *
 * @example
 * CompleteResult.is({ completion: { values: [] } }); // true
 */
export const CompleteResult = t.type({ completion: Completion }, 'CompleteResult');
export type CompleteResult = t.TypeOf<typeof CompleteResult>;

/**
 * The reference `completion/complete` completes an argument of: a prompt, or a resource template.
 *
 * @example
 * CompleteRef.is({ type: 'ref/prompt', name: 'review' }); // true
 */
export const CompleteRef = t.union([t.type({ type: t.literal('ref/prompt'), name: t.string }), t.type({ type: t.literal('ref/resource'), uri: t.string })], 'CompleteRef');
export type CompleteRef = t.TypeOf<typeof CompleteRef>;

/**
 * What every page of a list result may carry: the cursor of the next page (MCP `server/utilities/pagination`).
 *
 * @example
 * Paginated.is({ nextCursor: 'page-2' }); // true
 */
export const Paginated = t.partial({ nextCursor: t.string }, 'Paginated');

/**
 * One page of `tools/list`.
 *
 * @example
 * ListToolsResult.is({ tools: [], nextCursor: 'c2' }); // true
 */
export const ListToolsResult = t.intersection([t.type({ tools: t.array(Tool) }), Paginated], 'ListToolsResult');
/**
 * One page of `prompts/list`.
 *
 * @example
 * ListPromptsResult.is({ prompts: [] }); // true
 */
export const ListPromptsResult = t.intersection([t.type({ prompts: t.array(Prompt) }), Paginated], 'ListPromptsResult');
/**
 * One page of `resources/list`.
 *
 * @example
 * ListResourcesResult.is({ resources: [] }); // true
 */
export const ListResourcesResult = t.intersection([t.type({ resources: t.array(Resource) }), Paginated], 'ListResourcesResult');
/**
 * One page of `resources/templates/list`.
 *
 * @example
 * ListResourceTemplatesResult.is({ resourceTemplates: [] }); // true
 */
export const ListResourceTemplatesResult = t.intersection([t.type({ resourceTemplates: t.array(ResourceTemplate) }), Paginated], 'ListResourceTemplatesResult');

/**
 * What a 2025-11-25 `initialize` answers.
 *
 * @example
 * InitializeResult.is({ protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 's', version: '1' } }); // true
 */
export const InitializeResult = t.intersection(
  [t.type({ protocolVersion: t.string, capabilities: t.UnknownRecord, serverInfo: Implementation }), t.partial({ instructions: t.string })],
  'InitializeResult',
);
export type InitializeResult = t.TypeOf<typeof InitializeResult>;


/**
 * What a 2026-07-28 `server/discover` answers (`server/discover.mdx`).
 *
 * @example
 * DiscoverResult.is({ supportedVersions: ['2026-07-28'], capabilities: { tools: {} } }); // true
 */
export const DiscoverResult = t.intersection(
  [t.type({ supportedVersions: t.array(t.string), capabilities: t.UnknownRecord }), t.partial({ instructions: t.string, _meta: t.partial({ [META_SERVER_INFO]: Implementation }) })],
  'DiscoverResult',
);
export type DiscoverResult = t.TypeOf<typeof DiscoverResult>;

/**
 * An error's `data` of -32022 `UnsupportedProtocolVersionError`: the versions the server speaks.
 *
 * @example
 * UnsupportedVersionData.is({ supported: ['2026-07-28'], requested: '1900-01-01' }); // true
 */
export const UnsupportedVersionData = t.intersection([t.type({ supported: t.array(t.string) }), t.partial({ requested: t.string })], 'UnsupportedVersionData');
export type UnsupportedVersionData = t.TypeOf<typeof UnsupportedVersionData>;

/**
 * A result's kind in 2026-07-28 (`Result.resultType`); absent means `"complete"` (an earlier revision's server).
 *
 * @example
 * ResultKind.is({ resultType: 'input_required' }); // true
 */
export const ResultKind = t.partial({ resultType: t.string }, 'ResultKind');

/**
 * One request a server embeds in an `input_required` result, as a client reads it off the wire: a
 * method (`elicitation/create`, `sampling/createMessage`, `roots/list`, or one it does not know)
 * and its params. A server builds the typed `InputRequest` with `inputRequired` instead.
 *
 * @example
 * WireInputRequest.is({ method: 'roots/list' }); // true
 */
export const WireInputRequest = t.intersection([t.type({ method: t.string }), t.partial({ params: t.UnknownRecord })], 'WireInputRequest');
export type WireInputRequest = t.TypeOf<typeof WireInputRequest>;

/**
 * A 2026-07-28 `InputRequiredResult` (`basic/patterns/mrtr.mdx`): the requests to fulfil, by key,
 * and the opaque state to echo back untouched. At least one of the two is present (checked by
 * `inputRequiredOf`, not here: io-ts has no "one of").
 *
 * @example
 * InputRequiredResult.is({ resultType: 'input_required', requestState: 'opaque' }); // true
 */
export const InputRequiredResult = t.intersection(
  [t.type({ resultType: t.literal('input_required') }), t.partial({ inputRequests: t.record(t.string, WireInputRequest), requestState: t.string })],
  'InputRequiredResult',
);
export type InputRequiredResult = t.TypeOf<typeof InputRequiredResult>;

/**
 * The client's answers to an `input_required` result, by the keys of its `inputRequests`.
 *
 * @example
 * const responses: InputResponseMap = { confirm: { action: 'accept', content: { ok: true } } };
 */
export type InputResponseMap = Readonly<Record<string, unknown>>;

/**
 * What `elicitation/create` asks (form or URL mode).
 *
 * @example
 * ElicitRequestParams.is({ message: 'Your GitHub login?', requestedSchema: { type: 'object' } }); // true
 */
export const ElicitRequestParams = t.intersection(
  [t.type({ message: t.string }), t.partial({ mode: t.string, requestedSchema: t.UnknownRecord, url: t.string, elicitationId: t.string })],
  'ElicitRequestParams',
);
export type ElicitRequestParams = t.TypeOf<typeof ElicitRequestParams>;


/**
 * What `sampling/createMessage` asks.
 *
 * @example
 * CreateMessageRequestParams.is({ messages: [], maxTokens: 100 }); // true
 */
export const CreateMessageRequestParams = t.intersection(
  [t.type({ messages: t.array(t.UnknownRecord), maxTokens: t.number }), t.partial({ systemPrompt: t.string, modelPreferences: t.UnknownRecord, temperature: t.number, stopSequences: t.array(t.string) })],
  'CreateMessageRequestParams',
);
export type CreateMessageRequestParams = t.TypeOf<typeof CreateMessageRequestParams>;


/**
 * What `roots/list` asks: nothing but `_meta`.
 *
 * @example
 * ListRootsRequestParams.is({}); // true
 */
export const ListRootsRequestParams = t.UnknownRecord;
export type ListRootsRequestParams = t.TypeOf<typeof ListRootsRequestParams>;


/**
 * The eight syslog levels of `logging/setLevel` (2025-11-25).
 *
 * @example
 * LoggingLevel.is('warning'); // true
 */
export const LoggingLevel = t.keyof({ debug: null, info: null, notice: null, warning: null, error: null, critical: null, alert: null, emergency: null }, 'LoggingLevel');
/**
 * The log levels, least severe first (RFC 5424's): a message is sent when it is at least the level asked for.
 *
 * @example
 * const atLeast = (level: LoggingLevel, min: LoggingLevel): boolean => LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(min);
 * LOG_LEVELS.indexOf('error') > LOG_LEVELS.indexOf('warning'); // true
 */
export const LOG_LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
export type LoggingLevel = t.TypeOf<typeof LoggingLevel>;
