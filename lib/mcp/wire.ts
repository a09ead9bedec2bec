import * as t from 'io-ts';

// The MCP shapes the server reads and writes (MCP 2025-11-25 and 2026-07-28 schema.ts). What
// comes in is decoded with these codecs; what goes out is typed, and open to fields we do not
// name (every MCP object may carry more: `_meta`, `icons`, annotations).

/** A server's or client's name and version (MCP `Implementation`). */
export interface Implementation {
  readonly name: string;
  readonly version: string;
  readonly title?: string;
  readonly description?: string;
  readonly websiteUrl?: string;
  readonly icons?: readonly Record<string, unknown>[];
}

/** One block of content: text, image, audio, a resource link, an embedded resource (MCP `ContentBlock`). */
export type ContentBlock =
  | { readonly type: 'text'; readonly text: string; readonly annotations?: Record<string, unknown>; readonly _meta?: Record<string, unknown> }
  | { readonly type: 'image' | 'audio'; readonly data: string; readonly mimeType: string; readonly annotations?: Record<string, unknown>; readonly _meta?: Record<string, unknown> }
  | { readonly type: 'resource_link'; readonly uri: string; readonly name: string; readonly mimeType?: string; readonly description?: string; readonly [key: string]: unknown }
  | { readonly type: 'resource'; readonly resource: ResourceContents; readonly annotations?: Record<string, unknown>; readonly _meta?: Record<string, unknown> };

/** What a tool call answers (MCP `CallToolResult`). */
export interface CallToolResult {
  readonly content: readonly ContentBlock[];
  readonly structuredContent?: unknown;
  readonly isError?: boolean;
  readonly _meta?: Record<string, unknown>;
}

/** The contents of a resource: text or base64 `blob` (MCP `TextResourceContents | BlobResourceContents`). */
export type ResourceContents =
  | { readonly uri: string; readonly mimeType?: string; readonly text: string; readonly _meta?: Record<string, unknown> }
  | { readonly uri: string; readonly mimeType?: string; readonly blob: string; readonly _meta?: Record<string, unknown> };

/** One message of a prompt (MCP `PromptMessage`). */
export interface PromptMessage {
  readonly role: 'user' | 'assistant';
  readonly content: ContentBlock;
}

/** What `prompts/get` answers (MCP `GetPromptResult`). */
export interface GetPromptResult {
  readonly description?: string;
  readonly messages: readonly PromptMessage[];
  readonly _meta?: Record<string, unknown>;
}

/** MCP's log levels, least severe first (RFC 5424's, as MCP `LoggingLevel`). */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/**
 * A log level, decoded.
 *
 * @example
 * LogLevel.is('warning'); // true
 */
export const LogLevel = t.keyof(Object.fromEntries(LOG_LEVELS.map((l) => [l, null])) as Record<LogLevel, null>, 'LogLevel');

const Cursor = t.partial({ cursor: t.string });

/** `tools/call` params. */
export const CallToolParams = t.intersection([t.type({ name: t.string }), t.partial({ arguments: t.union([t.UnknownRecord, t.undefined]) })], 'CallToolParams');
/** `prompts/get` params. */
export const GetPromptParams = t.intersection([t.type({ name: t.string }), t.partial({ arguments: t.union([t.record(t.string, t.unknown), t.undefined]) })], 'GetPromptParams');
/** `resources/read` params (and `resources/subscribe`). */
export const ReadResourceParams = t.type({ uri: t.string }, 'ReadResourceParams');
/** `logging/setLevel` params. */
export const SetLevelParams = t.type({ level: LogLevel }, 'SetLevelParams');
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
