// Public surface only.
export { ErrorCodes, type ErrorCode } from './codec/error-codes.js';
export {
  MAX_ID_LENGTH,
  RequestId,
  Method,
  JsonRpcRequest,
  JsonRpcNotification,
  JsonRpcResponse,
  JsonRpcErrorResponse,
  JsonRpcErrorObject,
  JsonRpcMessage,
} from './codec/messages.js';
export { CANCELLED, CancelledParams, CancelledNotification } from './codec/cancelled.js';
export { PROGRESS, ProgressToken, ProgressParams, ProgressNotification } from './codec/progress.js';
export { decodeMessage, classifyMessage, type DecodeError, type Decoded, type MessageShape } from './codec/decode.js';
export { relatedRequestId } from './handler/related.js';
export {
  CancellationError,
  CancellationErrorResult,
  JsonRpcError,
  RequestTimeoutError,
  RequestCancelledError,
  ConnectionClosedError,
  InvalidResponseError,
  RequestSendError,
  TiedRequestRefusedError,
  type TiedRequestRefusal,
} from './errors.js';
export { CancellationManager, type CancellationManagerOptions, type CancelOptions, type CancelResult } from './manager/cancellation-manager.js';
export { RequestKey, CancelReason } from './manager/request-key.js';
export type { CancellationBus, BusCancellation } from './manager/bus.js';
export {
  CancellationSecurity,
  SECURITY_DEFAULTS,
  type SecurityOptions,
  type Sender,
} from './security/cancellation-security.js';
export { decideCancel, type CancelDecision, type CancelFacts, type CancelInput } from './security/cancel-decision.js';
export { runRequest, type Handler, type RunRequestInit } from './handler/run-request.js';
export { untilCancelled, type CancelListener } from './handler/until-cancelled.js';
export { RequestHandler, type HandleOptions } from './handler/request-handler.js';
export type { RequestContext } from './handler/context.js';
export type { RequestOutcome } from './handler/outcome.js';
export { createPeer, type Peer, type PeerOptions } from './peer/create-peer.js';
export { serve, type ServeOptions, type EventsSubject } from './peer/serve.js';
export { DEFAULT_TIMEOUT_MS, DEFAULT_MAX_PENDING, DEFAULT_MAX_TOTAL_TIMEOUT_MS, type RequestOptions } from './peer/request-options.js';
export { DEFAULT_MAX_IN_FLIGHT } from './peer/options.js';
export { DEFAULT_MAX_BATCH_SIZE } from './peer/batch.js';
export { monotonicNow } from './peer/clock.js';
export { REPEAT_INTERVAL_MS } from './peer/repeats.js';
export type { PeerEvent, PeerEventType, CancelIgnoredWhy } from './peer/events.js';
export type { OutgoingRequest, RequestMetaHook } from './peer/request-meta.js';
export { TraceParent, traceContextOf, META_TRACEPARENT, META_TRACESTATE, MAX_TRACEPARENT_LENGTH, MAX_TRACESTATE_LENGTH, type TraceContext, type TraceParentFields } from './codec/trace-context.js';
export { requestTarget, isToolError, type RequestTarget } from './codec/target.js';
export { WireFault, FailedSend, type WireFaultKind } from './peer/wire-fault.js';
export type { WireTransport, WireSendOptions } from './transport/wire.js';
export { ndjson, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_HELD_BYTES, type NdjsonOptions } from './transport/ndjson.js';
export { fromSdkTransport, type SdkTransport, type SdkWireTransport, type SdkSendOptions } from './transport/sdk.js';
export { connect, type Connection, type ConnectTransport } from './transport/connect.js';
export { DEFAULT_MAX_RETRY_BYTES, redisBus, type RedisBusOptions, type RedisCancellationBus, type RedisPublisher, type RedisSubscriber, type BusEvent } from './manager/redis-bus.js';
export type { RetryBound, RetryStats } from './manager/bus-retries.js';
export { ERA_VERSIONS, META_PROTOCOL_VERSION, META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_SERVER_INFO, requestVersion, eraOfVersion, spokenVersion, type ProtocolEra } from './codec/era.js';
export { cancelledRequestId } from './codec/cancelled.js';
export { streamableHttpClient, DEFAULT_MAX_MESSAGE_CHARS, type StreamableHttpClientOptions } from './transport/http-client.js';
export { encodeHeaderValue, decodeHeaderValue } from './transport/header-value.js';
export { PARAM_HEADER_PREFIX, type MirroredHeader } from './codec/mirrored-header.js';
export { DEFAULT_KEEP_ALIVE_MS, DEFAULT_MAX_BUFFERED_BYTES } from './transport/http/exchange.js';
export { DEFAULT_MAX_REPLAY_BYTES, DEFAULT_MAX_REPLAY_EVENTS } from './transport/http/replay-log.js';
export { DEFAULT_RETRY_MS } from './transport/http/resumable-stream.js';
export { streamableHttp, DEFAULT_MAX_BODY_BYTES, DEFAULT_SESSION_IDLE_MS, type StreamableHttp, type StreamableHttpOptions } from './transport/http/streamable-http.js';
export { type MirroredHeaders } from './transport/http/validate.js';
export { memorySessions, DEFAULT_MAX_SESSIONS, type SessionStore, type SessionRecord } from './transport/http/sessions.js';
export { DEFAULT_SESSION_CHECK_MS } from './transport/http/session-check.js';
export type { HttpEvent } from './transport/http/events.js';
export type { AnswerMode } from './transport/http/answer.js';
export { redisSessions, decodeSessionRecord, DEFAULT_REDIS_NAMESPACE, DEFAULT_SESSION_TTL_MS, type RedisSessionClient, type RedisSessionsOptions } from './transport/http/redis-sessions.js';

// the MCP layer: a server of tools, prompts and resources, both eras
export { MAX_SUBSCRIPTIONS_PER_CONNECTION } from './mcp/subscriptions.js';
export { mcpServer, type McpServer, type McpServerOptions } from './mcp/server.js';
export { type CacheHint } from './mcp/modern-result.js';
export { tool, toolError, type McpTool, type ToolDefinition, type ToolOutput } from './mcp/tool.js';
export { type HeaderParam } from './mcp/header-params.js';
export { prompt, type McpPrompt, type PromptDefinition, type PromptArgument, type PromptOutput } from './mcp/prompt.js';
export { resource, resourceTemplate, uriTemplate, MAX_URI_LENGTH, type McpResource, type McpResourceTemplate, type ResourceInfo, type ResourceOutput } from './mcp/resource.js';
export { MAX_COMPLETIONS, type Completer } from './mcp/completion.js';
export { META_LOG_LEVEL, type McpContext } from './mcp/context.js';
export { inputRequired, capabilityNeeded, missingCapabilities, type InputRequired, type InputRequiredInit, type InputRequest, type ElicitParams, type CreateMessageParams, type SamplingMessage } from './mcp/input-required.js';
export { ElicitResult, CreateMessageResult, ListRootsResult, inputResponsesOf, type InputResponses } from './mcp/input-responses.js';
export { requestStateCodec, MAX_REQUEST_STATE_LENGTH, DEFAULT_STATE_TTL_MS, type RequestState, type RequestStateCodec, type RequestStateOptions, type StateBinding, type StateRefusal } from './mcp/request-state.js';
export { INVALID_REQUEST_STATE } from './mcp/round.js';
export { DEFAULT_PAGE_SIZE } from './mcp/paginate.js';
export { type ConnectionRef } from './handler/connection-ref.js';
export { type TiedSend } from './handler/tied-request.js';
export { type ArgsSchema, type ArgsOf, type StandardSchemaV1, type StandardResult, type StandardIssue } from './mcp/schema.js';
export { type JsonSchema } from './mcp/json-schema.js';
export { type ResourceContents, type PromptMessage } from './mcp/wire.js';
export { mcpClient, DEFAULT_PROBE_TIMEOUT_MS, type McpClient, type McpClientOptions } from './mcp/client.js';
export { McpClientError, type McpClientErrorCode } from './mcp/client-errors.js';
export { classifyProbe, type ServerDescription, type ProbeVerdict } from './mcp/client-handshake.js';
export { mcpClientHandlers, fulfilInputRequests, type McpClientHandlers, type ClientHandler, type ClientHandlerContext } from './mcp/client-handlers.js';
export { paginate, type PageOf } from './mcp/client-paginate.js';
export { withInputRounds, DEFAULT_MAX_INPUT_ROUNDS, type RoundParams } from './mcp/client-input-rounds.js';
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
