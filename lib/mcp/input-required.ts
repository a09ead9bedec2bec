import type { RequestState } from './request-state.js';
import { isUnknownRecord } from '../codec/unknown-record.js';

// MCP 2026-07-28 multi-round-trip requests (SEP-2322): instead of sending the client a request
// of its own (sampling, elicitation, roots) in the middle of a call, a server answers the call
// with what it needs, and the client calls again with the answers.

/**
 * The params of an `elicitation/create` input request: a form (the default) or a URL to visit (MCP `ElicitRequestParams`).
 *
 * @example
 * const form: ElicitParams = { message: 'Your e-mail?', requestedSchema: { type: 'object', properties: { email: { type: 'string', format: 'email' } }, required: ['email'] } };
 * const visit: ElicitParams = { mode: 'url', message: 'Sign in to GitHub', url: authorizeUrl, elicitationId: 'gh-1' };
 * inputRequired({ inputRequests: { email: inputRequired.elicit(form), login: inputRequired.elicit(visit) } });
 */
export type ElicitParams =
  | { readonly mode?: 'form'; readonly message: string; readonly requestedSchema: Readonly<Record<string, unknown>>; readonly [key: string]: unknown }
  | { readonly mode: 'url'; readonly message: string; readonly url: string; readonly elicitationId: string; readonly [key: string]: unknown };

/**
 * One message of a sampling request (MCP `SamplingMessage`).
 *
 * @example
 * const question: SamplingMessage = { role: 'user', content: { type: 'text', text: 'What is the capital of France?' } };
 * inputRequired.createMessage({ messages: [question], maxTokens: 50 });
 */
export interface SamplingMessage {
  readonly role: 'user' | 'assistant';
  readonly content: Readonly<Record<string, unknown>> | readonly Readonly<Record<string, unknown>>[];
}

/**
 * The params of a `sampling/createMessage` input request (MCP `CreateMessageRequestParams`).
 *
 * @example
 * const params: CreateMessageParams = { messages: [{ role: 'user', content: { type: 'text', text: `Summarise:\n${text}` } }], maxTokens: 200, systemPrompt: 'Be brief.' };
 * inputRequired({ inputRequests: { summary: inputRequired.createMessage(params) } });
 */
export interface CreateMessageParams {
  readonly messages: readonly SamplingMessage[];
  readonly maxTokens: number;
  readonly systemPrompt?: string;
  readonly [key: string]: unknown;
}

/**
 * One thing a server asks of the client (MCP `InputRequest`): the method and params of the request it would have sent.
 *
 * @example
 * const askConfirm = (name: string): InputRequest =>
 *   inputRequired.elicit({ message: `Book a table for ${name}?`, requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } });
 * inputRequired({ inputRequests: { confirm: askConfirm('Ada') } });
 */
export type InputRequest =
  | { readonly method: 'elicitation/create'; readonly params: ElicitParams }
  | { readonly method: 'sampling/createMessage'; readonly params: CreateMessageParams }
  | { readonly method: 'roots/list'; readonly params?: Readonly<Record<string, unknown>> };

const TAG: unique symbol = Symbol('mcp-rx-cancel/input-required');

/**
 * A handler's answer that it needs more before it can finish: what to ask the client (by keys
 * the handler chooses, each answered under the same key on the retry), and the state to get back
 * with the answers. Built with {@link inputRequired}; the server writes it as an
 * `InputRequiredResult` (`resultType: 'input_required'`), sealing the state.
 *
 * @example
 * const askName = (): InputRequired => inputRequired({ inputRequests: { who: inputRequired.elicit({ message: 'Who is it for?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } }) } });
 * tool({ name: 'book', run: (_args, ctx) => of(ctx.inputResponses.accepted('who', t.type({ name: t.string }))?.name ?? askName()) });
 */
export interface InputRequired {
  readonly [TAG]: true;
  readonly inputRequests?: Readonly<Record<string, InputRequest>>;
  readonly requestState?: RequestState;
}

/**
 * What {@link inputRequired} takes: at least one of the two.
 *
 * @example
 * // nothing to ask: the client calls again at once, with the state (load shedding)
 * const later: InputRequiredInit = { requestState: { step: 2 } };
 * tool({ name: 'export', run: (_args, ctx) => (ctx.requestState === undefined ? of(inputRequired(later)) : exportAll(ctx.signal)) });
 */
export interface InputRequiredInit {
  readonly inputRequests?: Readonly<Record<string, InputRequest>>;
  readonly requestState?: RequestState;
}

const make = (init: InputRequiredInit): InputRequired => {
  const { inputRequests, requestState } = init;
  // MCP: at least one of the two, else the client has nothing to do and nothing to echo
  if (inputRequests === undefined && requestState === undefined) throw new TypeError('inputRequired: give inputRequests, requestState or both');
  if (inputRequests !== undefined && (!isUnknownRecord(inputRequests) || Object.keys(inputRequests).some((k) => k.length === 0)))
    throw new TypeError('inputRequired: inputRequests must be an object of input requests under non-empty keys');
  if (requestState !== undefined && typeof requestState !== 'string' && !isUnknownRecord(requestState))
    throw new TypeError('inputRequired: requestState must be a string or an object');
  return Object.freeze({
    [TAG]: true as const,
    ...(inputRequests === undefined ? {} : { inputRequests }),
    ...(requestState === undefined ? {} : { requestState }),
  });
};

/**
 * Answer a 2026-07-28 `tools/call`, `prompts/get` or `resources/read` with what the handler still
 * needs (SEP-2322). Return it from a tool's `run`, a prompt's `get` or a resource's `read`; on the
 * retry, `ctx.inputResponses` has the client's answers and `ctx.requestState` the verified state.
 * The helpers build each kind of input request.
 *
 * @example
 * run: (_args, ctx) => {
 *   const name = ctx.inputResponses.accepted('user_name', t.type({ name: t.string }))?.name;
 *   if (name !== undefined) return Promise.resolve(`Hello, ${name}!`);
 *   return Promise.resolve(inputRequired({
 *     inputRequests: { user_name: inputRequired.elicit({ message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } }) },
 *   }));
 * },
 */
export const inputRequired = Object.assign(make, {
  /**
   * An `elicitation/create` input request.
   *
   * @example
   * inputRequired.elicit({ message: 'Please confirm', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } });
   */
  elicit: (params: ElicitParams): InputRequest => ({ method: 'elicitation/create', params }),
  /**
   * A `sampling/createMessage` input request.
   *
   * @example
   * inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Summarise this' } }], maxTokens: 100 });
   */
  createMessage: (params: CreateMessageParams): InputRequest => ({ method: 'sampling/createMessage', params }),
  /**
   * A `roots/list` input request.
   *
   * @example
   * inputRequired.listRoots();
   */
  listRoots: (): InputRequest => ({ method: 'roots/list', params: {} }),
  /**
   * Whether a handler's answer is an {@link InputRequired}.
   *
   * @example
   * inputRequired.is(inputRequired({ requestState: 'x' })); // true
   */
  is: (u: unknown): u is InputRequired => isUnknownRecord(u) && (u as { [TAG]?: unknown })[TAG] === true,
});

/**
 * The client capabilities an input request needs (MCP 2026-07-28: a server asks only for what the
 * request's `_meta` declares): `elicitation` (with `url` for a URL elicitation), `sampling`
 * (with `tools` when the request offers tools), `roots`.
 *
 * @example
 * capabilityNeeded(inputRequired.listRoots()); // { roots: {} }
 */
export const capabilityNeeded = (r: InputRequest): Readonly<Record<string, Readonly<Record<string, unknown>>>> => {
  switch (r.method) {
    case 'elicitation/create':
      return { elicitation: r.params.mode === 'url' ? { url: {} } : {} };
    case 'sampling/createMessage':
      return { sampling: r.params['tools'] === undefined ? {} : { tools: {} } };
    case 'roots/list':
      return { roots: {} };
  }
};

/**
 * The capabilities `requests` need that `declared` lacks, merged into one ClientCapabilities
 * object (the `requiredCapabilities` of a -32021), or `undefined` when all are declared. An
 * `elicitation: {}` declares form elicitation (MCP: an empty object means form only).
 *
 * @example
 * missingCapabilities({ a: inputRequired.listRoots() }, { sampling: {} }); // { roots: {} }
 */
export const missingCapabilities = (
  requests: Readonly<Record<string, InputRequest>>,
  declared: Readonly<Record<string, unknown>>,
): Record<string, Record<string, unknown>> | undefined => {
  const missing: Record<string, Record<string, unknown>> = {};
  for (const r of Object.values(requests)) {
    for (const [cap, subs] of Object.entries(capabilityNeeded(r))) {
      const has = declared[cap];
      const lacking = !isUnknownRecord(has) ? Object.keys(subs) : Object.keys(subs).filter((s) => has[s] === undefined);
      if (isUnknownRecord(has) && lacking.length === 0) continue;
      missing[cap] = { ...missing[cap], ...Object.fromEntries(lacking.map((s) => [s, {}])) };
    }
  }
  return Object.keys(missing).length === 0 ? undefined : missing;
};
