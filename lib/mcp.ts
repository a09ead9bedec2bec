/**
 * The MCP layer, both protocol eras: `mcpServer` serves tools, prompts, resources and completions
 * from plain definitions (input rounds, logging, subscriptions, pagination handled), and
 * `mcpClient` calls them, with every call a cold Observable whose unsubscribe is the cancel.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { connect } from 'mcp-rx-cancel';
 * import { mcpServer, tool } from 'mcp-rx-cancel/mcp';
 * import { ndjson } from 'mcp-rx-cancel/stdio';
 *
 * const echo = tool({
 *   name: 'echo',
 *   description: 'Says the text back',
 *   args: z.object({ text: z.string() }),
 *   run: ({ text }) => Promise.resolve(text),
 * });
 * connect(ndjson(process.stdin, process.stdout), mcpServer({ info: { name: 'echo', version: '1.0.0' }, tools: [echo] }));
 * ```
 *
 * @module mcp-rx-cancel/mcp
 */

// the server
export { mcpServer, type McpServer, type McpServerOptions } from './mcp/server.js';
export { META_LOG_LEVEL, type McpContext, type Round } from './mcp/context.js';
export { type CacheHint } from './mcp/modern-result.js';
export { MAX_SUBSCRIPTIONS_PER_CONNECTION } from './mcp/subscriptions.js';
export { DEFAULT_PAGE_SIZE } from './mcp/paginate.js';

// what it serves: tools, prompts, resources, completions
export { tool, toolError, type McpTool, type ToolDefinition, type ToolOutput, type TaskSupport } from './mcp/tool.js';
export { type HeaderParam } from './mcp/header-params.js';
export { prompt, type McpPrompt, type PromptDefinition, type PromptArgument, type PromptOutput } from './mcp/prompt.js';
export { resource, resourceTemplate, uriTemplate, MAX_URI_LENGTH, type McpResource, type McpResourceTemplate, type ResourceInfo, type ResourceOutput } from './mcp/resource.js';
export { MAX_COMPLETIONS, type Completer } from './mcp/completion.js';
export { type ArgsSchema, type ArgsOf, type StandardSchemaV1, type StandardResult, type StandardIssue } from './mcp/schema.js';
export { type JsonSchema } from './mcp/json-schema.js';
export { type ResourceContents, type PromptMessage } from './mcp/wire.js';

// asking the client for input: elicitation, sampling, roots, in rounds
export { inputRequired, capabilityNeeded, missingCapabilities, type InputRequired, type InputRequiredInit, type InputRequest, type ElicitParams, type CreateMessageParams, type SamplingMessage } from './mcp/input-required.js';
export { ElicitResult, CreateMessageResult, ListRootsResult, inputResponsesOf, type InputResponses } from './mcp/input-responses.js';
export { requestStateCodec, MAX_REQUEST_STATE_LENGTH, DEFAULT_STATE_TTL_MS, type RequestState, type RequestStateCodec, type RequestStateOptions, type StateBinding, type StateRefusal } from './mcp/request-state.js';
export { INVALID_REQUEST_STATE } from './mcp/round.js';

// the client
export { mcpClient, type McpClient } from './mcp/client.js';
export { DEFAULT_PROBE_TIMEOUT_MS, type McpClientOptions } from './mcp/client-options.js';
export { McpClientError, type McpClientErrorCode } from './mcp/client-errors.js';
export { classifyProbe, type ServerDescription, type ProbeVerdict } from './mcp/client-handshake.js';
export { mcpClientHandlers, fulfilInputRequests, type McpClientHandlers, type ClientHandler, type ClientHandlerContext } from './mcp/client-handlers.js';
export { paginate, type PageOf } from './mcp/client-paginate.js';
export { withInputRounds, DEFAULT_MAX_INPUT_ROUNDS, type RoundParams } from './mcp/client-input-rounds.js';

// the wire shapes of MCP results, as io-ts codecs
export {
  Tool,
  CallToolResult,
  ContentBlock,
  Prompt,
  GetPromptResult,
  Resource,
  ResourceTemplate,
  ReadResourceResult,
  Completion,
  CompleteRef,
  InputRequiredResult,
  WireInputRequest,
  ElicitRequestParams,
  CreateMessageRequestParams,
  LoggingLevel,
  LOG_LEVELS,
  type Implementation,
  type InputResponseMap,
} from './mcp/client-shapes.js';

// tasks (the io.modelcontextprotocol/tasks extension of 2026-07-28): run, stored, read, cancelled
export { taskRuntime, type TaskRuntime } from './mcp/tasks.js';
export { taskKey, TASK_CANCELLED, TASK_SCOPE_PREFIX } from './mcp/task-key.js';
export { tasksRequired } from './mcp/task-handlers.js';
export { ANONYMOUS_OWNER, MAX_OWNER_LENGTH } from './mcp/task-owner.js';
export {
  DEFAULT_TASK_TTL_MS,
  MAX_TASK_TTL_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_MAX_TASKS_PER_OWNER,
  DEFAULT_MAX_RUNNING_TASKS,
  type TasksOptions,
  type TaskEvent,
} from './mcp/task-options.js';
export { taskChanges } from './mcp/task-changes.js';
export { memoryTaskStore, type MemoryTaskStoreOptions } from './mcp/memory-task-store.js';
export { applyTaskChange, type TaskChange } from './mcp/task-change.js';
export { detailedTask, TaskRecord } from './mcp/task-record.js';
export type { TaskStore, TaskUpdate } from './mcp/task-store.js';
export {
  TASKS_EXTENSION,
  META_TASK_PROGRESS,
  TaskProgress,
  Task,
  TaskStatus,
  TaskError,
  TaskId,
  TaskParams,
  UpdateTaskParams,
  SubscriptionFilter,
  ListenParams,
  META_SUBSCRIPTION_ID,
  MAX_TASK_ID_LENGTH,
  MAX_LISTEN_TASK_IDS,
  MAX_INPUT_RESPONSES,
  TASKS_REQUIRED,
  isTerminal,
  declaresTasks,
  type TaskIdBrand,
} from './mcp/task-wire.js';

// the client's side of tasks and listen
export { followTask, type FollowOptions, type FollowInit } from './mcp/client-tasks.js';
export { listenRouter, LISTEN_NOTIFICATIONS, type ListenFilter, type ListenNotification, type ListenRouter } from './mcp/client-listen.js';
export { pollDelay, POLL_MIN_MS, POLL_MAX_MS } from './mcp/client-poll.js';
