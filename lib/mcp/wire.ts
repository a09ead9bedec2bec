import * as t from 'io-ts';
import { LoggingLevel, type ContentBlock } from './client-shapes.js';

// The MCP shapes the server reads and writes (MCP 2025-11-25 and 2026-07-28 schema.ts). What
// comes in is decoded with these codecs; what goes out is typed, and open to fields we do not
// name (every MCP object may carry more: `_meta`, `icons`, annotations).

export { Implementation, ContentBlock, CallToolResult, GetPromptResult, LoggingLevel, LOG_LEVELS } from './client-shapes.js';

/**
 * The contents of a resource: text or base64 `blob` (MCP `TextResourceContents | BlobResourceContents`).
 *
 * @example
 * const logo: ResourceContents = { uri: 'file:///logo.png', mimeType: 'image/png', blob: png.toString('base64') };
 * resource({ uri: logo.uri, name: 'logo', read: () => Promise.resolve([logo]) });
 */
export type ResourceContents =
  | { readonly uri: string; readonly mimeType?: string; readonly text: string; readonly _meta?: Record<string, unknown> }
  | { readonly uri: string; readonly mimeType?: string; readonly blob: string; readonly _meta?: Record<string, unknown> };

/**
 * One message of a prompt (MCP `PromptMessage`). A type rather than an interface, so that a
 * `PromptMessage[]` is a `GetPromptResult`'s messages as it is (an interface has no index signature).
 *
 * @example
 * const textOf = (m: PromptMessage): string => m.content.text ?? `[${m.content.type}]`;
 * textOf({ role: 'user', content: { type: 'text', text: 'Review this code.' } }); // 'Review this code.'
 */
export type PromptMessage = {
  readonly role: 'user' | 'assistant';
  readonly content: ContentBlock;
};

const Cursor = t.partial({ cursor: t.string });

/** `tools/call` params. */
export const CallToolParams = t.intersection([t.type({ name: t.string }), t.partial({ arguments: t.union([t.UnknownRecord, t.undefined]) })], 'CallToolParams');
/** `prompts/get` params. */
export const GetPromptParams = t.intersection([t.type({ name: t.string }), t.partial({ arguments: t.union([t.record(t.string, t.unknown), t.undefined]) })], 'GetPromptParams');
/** `resources/read` params (and `resources/subscribe`). */
export const ReadResourceParams = t.type({ uri: t.string }, 'ReadResourceParams');
/** `logging/setLevel` params. */
export const SetLevelParams = t.type({ level: LoggingLevel }, 'SetLevelParams');
/** The params of a list request: an optional cursor. */
export const ListParams = t.union([Cursor, t.undefined], 'ListParams');
/** `completion/complete` params. */
export const CompleteParams = t.intersection(
  [
    t.type({
      ref: t.union([t.type({ type: t.literal('ref/prompt'), name: t.string }), t.type({ type: t.literal('ref/resource'), uri: t.string })]),
      argument: t.type({ name: t.string, value: t.string }),
    }),
    t.partial({ context: t.partial({ arguments: t.record(t.string, t.string) }) }),
  ],
  'CompleteParams',
);
/** `initialize` params: what a 2025 client asks for. */
export const InitializeParams = t.type({ protocolVersion: t.string }, 'InitializeParams');
