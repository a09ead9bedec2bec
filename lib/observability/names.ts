// Bounded names: a peer that invents method or tool names, or error codes, must not grow span names
// and metric attributes without end.
import { ErrorCodes } from '../codec/error-codes.js';

/**
 * The value a name past {@link OpenTelemetryOptions.maxNames} is recorded as (the conventions' fallback).
 *
 * @example
 * points.filter((p) => p.attributes['gen_ai.tool.name'] === OTHER); // the tools past the budget
 */
export const OTHER = '_OTHER';

// the methods MCP defines (the conventions' well-known values): always themselves, never _OTHER
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'completion/complete', 'elicitation/create', 'initialize', 'logging/setLevel', 'notifications/cancelled',
  'notifications/initialized', 'notifications/message', 'notifications/progress', 'notifications/prompts/list_changed',
  'notifications/resources/list_changed', 'notifications/resources/updated', 'notifications/roots/list_changed',
  'notifications/tools/list_changed', 'ping', 'prompts/get', 'prompts/list', 'resources/list', 'resources/read',
  'resources/subscribe', 'resources/templates/list', 'resources/unsubscribe', 'roots/list', 'sampling/createMessage',
  'tools/call', 'tools/list', 'server/discover',
]);

// the codes JSON-RPC and MCP define (ours included, and MCP's -32002 resource not found and -32042
// URL elicitation required): always themselves, as `error.type` and `rpc.response.status_code`
export const KNOWN_CODES: ReadonlySet<string> = new Set([...Object.values(ErrorCodes), -32002, -32042].map(String));

/** A set of names that stops growing at `max`: a name past it is {@link OTHER}; MCP's own methods always pass. */
export const nameBudget = (max: number, known: ReadonlySet<string>): ((name: string) => string) => {
  const seen = new Set<string>();
  return (name) => {
    if (known.has(name) || seen.has(name)) return name;
    if (seen.size >= max) return OTHER;
    seen.add(name);
    return name;
  };
};
