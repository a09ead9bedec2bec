/**
 * The gateway: an MCP front (any transport of this library, both eras) that forwards to one
 * upstream MCP server (a stdio child, a Streamable HTTP server of either era, an SDK server in
 * the same process) and carries cancellation hop by hop. A forwarded request is the upstream
 * client's cold Observable, so every end of the front request cancels the upstream one, the
 * upstream's way, once.
 *
 * @example
 * ```ts
 * import { spawn } from 'node:child_process';
 * import { createServer } from 'node:http';
 * import { mcpGateway } from 'mcp-rx-cancel/gateway';
 * import { streamableHttp } from 'mcp-rx-cancel/http';
 * import { ndjson } from 'mcp-rx-cancel/stdio';
 *
 * const gateway = mcpGateway({
 *   upstream: () => {
 *     const child = spawn('node', ['server.js'], { stdio: ['pipe', 'pipe', 'inherit'] });
 *     return ndjson(child.stdout, child.stdin);
 *   },
 *   era: '2025-11-25',
 * });
 * createServer(streamableHttp(gateway).handle).listen(3000, '127.0.0.1');
 * ```
 *
 * @module mcp-rx-cancel/gateway
 */

// the gateway
export { mcpGateway, type McpGateway, type McpGatewayOptions } from './gateway/gateway.js';
export { type UpstreamSource } from './gateway/upstream.js';
export { FORWARDED_METHODS, frontError } from './gateway/forward.js';
export { frontCapabilities } from './gateway/front.js';

// admission: what is forwarded, and what is refused before it is
export {
  Admission,
  decideAdmission,
  refusalError,
  DEFAULT_GATEWAY_MAX_IN_FLIGHT,
  DEFAULT_GATEWAY_MAX_IN_FLIGHT_PER_SENDER,
  type AdmissionOptions,
  type AdmissionRefusal,
  type AdmissionFacts,
} from './gateway/admission.js';

// upstream tasks: followed for a front that cannot take them, kept to the front that got them
export { TASK_METHODS, declaringTasks, withTasksWhenRequired, upstreamTask, taskHandler, type UpstreamTaskInit } from './gateway/tasks.js';
export { TaskOwners, DEFAULT_GATEWAY_MAX_TASKS_PER_SENDER, DEFAULT_GATEWAY_TASK_TTL_MS } from './gateway/task-owners.js';

// what it tells
export { type GatewayEvent } from './gateway/events.js';
