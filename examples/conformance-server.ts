import { randomBytes } from 'node:crypto';
import * as t from 'io-ts';
import { concat, delay, from, last, map, of, tap, timer } from 'rxjs';
import { ErrorCodes, JsonRpcError } from '../lib/index.js';
import { streamableHttp } from '../lib/http.js';
import { inputRequired, mcpServer, prompt, resource, resourceTemplate, tool, toolError, type InputRequest, type McpContext } from '../lib/mcp.js';
import { portArgument, serveHttp } from './http-main.js';

// The fixtures of the official MCP conformance suite (@modelcontextprotocol/conformance), served
// in both eras on one endpoint, on the library's public MCP API only: the suite's test tools,
// prompts, resources, a template, completion, input rounds and the tasks extension's tools. Run
// by scripts/conformance.sh:
//
//   node --import tsx examples/conformance-server.ts [--port N]     (default 3000; 0 picks a free one)
//
// stdout says `listening on http://127.0.0.1:PORT/mcp` when ready; events go to stderr.

const log = (line: string): void => {
  process.stderr.write(`[conformance-server] ${line}\n`);
};

const port = portArgument(log);

// a 1x1 PNG and a short WAV, as the suite expects them
const IMAGE = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const AUDIO = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';


const tools = [
  // listed first: the suite's header checks call the first tool with no arguments
  tool({
    name: 'test_x_mcp_header',
    description: 'Answers with the region it was given; the region is mirrored into the Mcp-Param-Region header',
    args: t.partial({ region: t.string, level: t.number }),
    inputSchema: { type: 'object', properties: { region: { type: 'string', description: 'mirrored into Mcp-Param-Region', 'x-mcp-header': 'Region' }, level: { type: 'integer' } } },
    run: ({ region }) => Promise.resolve(`region=${region ?? '<none>'}`),
  }),
  tool({ name: 'test_simple_text', description: 'Answers with a simple text', run: () => Promise.resolve('This is a simple text response for testing.') }),
  tool({ name: 'test_image_content', description: 'Answers with an image', run: () => Promise.resolve({ content: [{ type: 'image' as const, data: IMAGE, mimeType: 'image/png' }] }) }),
  tool({ name: 'test_audio_content', description: 'Answers with audio', run: () => Promise.resolve({ content: [{ type: 'audio' as const, data: AUDIO, mimeType: 'audio/wav' }] }) }),
  tool({
    name: 'test_embedded_resource',
    description: 'Answers with an embedded resource',
    run: () => Promise.resolve({ content: [{ type: 'resource' as const, resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }] }),
  }),
  tool({
    name: 'test_multiple_content_types',
    description: 'Answers with text, an image and a resource',
    run: () =>
      Promise.resolve({
        content: [
          { type: 'text' as const, text: 'Multiple content types test:' },
          { type: 'image' as const, data: IMAGE, mimeType: 'image/png' },
          { type: 'resource' as const, resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: '{"test":"data","value":123}' } },
        ],
      }),
  }),
  tool({
    name: 'test_error_handling',
    description: 'Fails, as a tool execution error',
    run: () => Promise.reject(new Error('This tool intentionally returns an error for testing')),
  }),
  tool({
    name: 'test_tool_with_progress',
    description: 'Reports progress three times, then answers with its progress token',
    run: (_args, ctx: McpContext) => {
      const token = ctx.progressToken;
      const step = (n: number) => of(n).pipe(tap(() => ctx.progress(n, 100, `Completed step ${n} of 100`)));
      return concat(step(0), step(50).pipe(delay(50)), step(100).pipe(delay(50))).pipe(last(), map(() => String(token ?? 'no token')));
    },
  }),
  tool({
    name: 'test_tool_with_logging',
    description: 'Logs three messages while it runs',
    run: (_args, ctx) =>
      concat(
        of('Tool execution started'),
        of('Tool processing data').pipe(delay(50)),
        of('Tool execution completed').pipe(delay(50)),
      ).pipe(
        tap((m) => ctx.log('info', m, 'conformance-test-server')),
        last(),
        map(() => 'Tool with logging executed successfully'),
      ),
  }),
  tool({
    name: 'test_logging_tool',
    description: 'Logs one message, if the request asked for log messages',
    run: (_args, ctx) => {
      ctx.log('info', 'test_logging_tool ran', 'conformance-test-server');
      return Promise.resolve('logged');
    },
  }),
  tool({
    // SEP-1699 "SSE polling": the call's connection is closed mid-call (not its stream, and no
    // cancel); the client resumes with GET + Last-Event-ID and gets the result there
    name: 'test_reconnection',
    description: 'Closes its SSE stream mid-call, then answers once the client has reconnected (SEP-1699)',
    run: (_args, ctx) => {
      if (ctx.sessionId !== undefined) mcp.closeStream(ctx.sessionId, ctx.requestId);
      return new Promise<string>((resolve) =>
        setTimeout(() => resolve('Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.'), 200),
      );
    },
  }),
  tool({ name: 'test_streaming_elicitation', description: 'Answers at once, asking nothing', run: () => Promise.resolve('done') }),
  tool({
    name: 'test_missing_capability',
    description: 'Needs the client to support sampling',
    run: (_args, ctx) => {
      if (ctx.clientCapabilities['sampling'] === undefined)
        throw new JsonRpcError(ErrorCodes.MissingRequiredClientCapability, 'This tool needs the sampling capability', { requiredCapabilities: { sampling: {} } });
      return Promise.resolve('Success');
    },
  }),
  tool({
    name: 'json_schema_2020_12_tool',
    description: 'A tool whose input schema uses JSON Schema 2020-12 keywords',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' }, contactMethod: { type: 'string', enum: ['phone', 'email'] }, phone: { type: 'string' }, email: { type: 'string' } },
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
      then: { required: ['phone'] },
      else: { required: ['email'] },
      additionalProperties: false,
    },
    run: (args) => Promise.resolve(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  }),
];

// 2025-11-25: tools that ask the client, with a request tied to the call (it goes on the call's
// stream, and cancelling the call cancels it); a 2026 client is asked with input rounds instead
const elicitText = (ctx: McpContext, params: object, label: string) =>
  ctx.request<{ action: string; content?: unknown }>('elicitation/create', params).pipe(map((r) => `${label}: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`));
const askingTools = [
  tool({
    name: 'test_sampling',
    description: 'Asks the client for an LLM completion of a prompt',
    args: t.type({ prompt: t.string }),
    inputSchema: { type: 'object', properties: { prompt: { type: 'string', description: 'The prompt to send to the LLM' } }, required: ['prompt'] },
    run: ({ prompt: text }, ctx) =>
      ctx
        .request<{ content?: { text?: string } }>('sampling/createMessage', { messages: [{ role: 'user', content: { type: 'text', text } }], maxTokens: 100 })
        .pipe(map((r) => `LLM response: ${r.content?.text ?? ''}`)),
  }),
  tool({
    name: 'test_elicitation',
    description: 'Asks the user for a name and an email',
    args: t.type({ message: t.string }),
    inputSchema: { type: 'object', properties: { message: { type: 'string', description: 'The message to show the user' } }, required: ['message'] },
    run: ({ message }, ctx) =>
      elicitText(ctx, {
        message,
        requestedSchema: { type: 'object', properties: { username: { type: 'string', description: "User's response" }, email: { type: 'string', description: "User's email address" } }, required: ['username', 'email'] },
      }, 'User response'),
  }),
  tool({
    name: 'test_elicitation_sep1034_defaults',
    description: 'Asks the user for fields that have defaults',
    run: (_args, ctx) =>
      elicitText(ctx, {
        message: 'Please review and update the form fields with defaults',
        requestedSchema: {
          type: 'object',
          properties: {
            name: { type: 'string', description: 'User name', default: 'John Doe' },
            age: { type: 'integer', description: 'User age', default: 30 },
            score: { type: 'number', description: 'User score', default: 95.5 },
            status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
            verified: { type: 'boolean', description: 'Verification status', default: true },
          },
          required: [],
        },
      }, 'Elicitation completed'),
  }),
  tool({
    name: 'test_elicitation_sep1330_enums',
    description: 'Asks the user to choose among enumerated options',
    run: (_args, ctx) =>
      elicitText(ctx, {
        message: 'Please select options from the enum fields',
        requestedSchema: {
          type: 'object',
          properties: {
            untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
            titledSingle: { type: 'string', description: 'Select one option with titles', oneOf: [{ const: 'value1', title: 'First Option' }, { const: 'value2', title: 'Second Option' }, { const: 'value3', title: 'Third Option' }] },
            legacyEnum: { type: 'string', description: 'Select one option (legacy)', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
            untitledMulti: { type: 'array', description: 'Select multiple options', minItems: 1, maxItems: 3, items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
            titledMulti: { type: 'array', description: 'Select multiple options with titles', minItems: 1, maxItems: 3, items: { anyOf: [{ const: 'value1', title: 'First Choice' }, { const: 'value2', title: 'Second Choice' }, { const: 'value3', title: 'Third Choice' }] } },
          },
          required: [],
        },
      }, 'Elicitation completed'),
  }),
];

// ---- 2026-07-28 multi-round-trip requests (SEP-2322): answer with what is needed, finish on the retry
const askName = inputRequired.elicit({ message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });
const askConfirm = inputRequired.elicit({ message: 'Please confirm', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } });
const Named = t.type({ name: t.string });
const Confirmed = t.type({ ok: t.literal(true) });
const sampled = (ctx: McpContext, key: string): string | undefined => {
  const content = ctx.inputResponses.createMessage(key)?.content;
  const first = Array.isArray(content) ? content[0] : content;
  return typeof first?.['text'] === 'string' ? first['text'] : undefined;
};
// what each kind of input request needs the client to declare, for the tool that asks only for those
const declares = (ctx: McpContext, capability: string): boolean => ctx.clientCapabilities[capability] !== undefined;
const Round = t.type({ round: t.number });
const Round2 = t.type({ round: t.literal(2), name: t.string });

const inputTools = [
  tool({
    name: 'test_input_required_result_elicitation',
    description: 'Asks for a name, then greets it',
    run: (_args, ctx) => {
      const name = ctx.inputResponses.accepted('user_name', Named)?.name;
      // anything but a usable answer (none, another key, a malformed one) asks again: not an error
      return Promise.resolve(name === undefined ? inputRequired({ inputRequests: { user_name: askName } }) : `Hello, ${name}!`);
    },
  }),
  tool({
    name: 'test_input_required_result_sampling',
    description: 'Asks the client to sample an answer',
    run: (_args, ctx) => {
      const text = sampled(ctx, 'capital_question');
      const ask = inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 });
      return Promise.resolve(text === undefined ? inputRequired({ inputRequests: { capital_question: ask } }) : `Sampling response: ${text}`);
    },
  }),
  tool({
    name: 'test_input_required_result_list_roots',
    description: "Asks for the client's roots",
    run: (_args, ctx) => {
      const roots = ctx.inputResponses.listRoots('client_roots')?.roots;
      return Promise.resolve(
        roots === undefined ? inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } }) : `Client exposed ${roots.length} root(s): ${roots.map((r) => r.uri).join(', ')}`,
      );
    },
  }),
  tool({
    name: 'test_input_required_result_request_state',
    description: 'Asks for a confirmation, keeping a state between the rounds',
    run: (_args, ctx) => {
      const ok = ctx.inputResponses.accepted('confirm', Confirmed) !== undefined;
      if (ctx.requestState === 'awaiting-confirm' && ok) return Promise.resolve('state-ok: the request state came back intact');
      return Promise.resolve(inputRequired({ inputRequests: { confirm: askConfirm }, requestState: 'awaiting-confirm' }));
    },
  }),
  tool({
    name: 'test_input_required_result_multiple_inputs',
    description: 'Asks for a name, a sampled greeting and the roots at once',
    run: (_args, ctx) => {
      const name = ctx.inputResponses.accepted('user_name', Named)?.name;
      const greeting = sampled(ctx, 'greeting');
      const roots = ctx.inputResponses.listRoots('client_roots')?.roots;
      if (ctx.requestState !== undefined && name !== undefined && greeting !== undefined && roots !== undefined)
        return Promise.resolve(`Name: ${name}; Greeting: ${greeting}; Roots: ${roots.length}`);
      const inputRequests: Record<string, InputRequest> = {
        user_name: askName,
        greeting: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
        client_roots: inputRequired.listRoots(),
      };
      return Promise.resolve(inputRequired({ inputRequests, requestState: { asked: Object.keys(inputRequests) } }));
    },
  }),
  tool({
    name: 'test_input_required_result_multi_round',
    description: 'Asks for a name, then a colour, in two rounds',
    run: (_args, ctx) => {
      const state = ctx.requestState;
      if (Round2.is(state)) {
        const color = ctx.inputResponses.accepted('step2', t.type({ color: t.string }))?.color;
        if (color !== undefined) return Promise.resolve(`Multi-round complete for ${state.name} who likes ${color}`);
      }
      const name = Round.is(state) && state.round === 1 ? ctx.inputResponses.accepted('step1', Named)?.name : undefined;
      if (name !== undefined || Round2.is(state)) {
        const step2 = inputRequired.elicit({ message: 'Step 2: What is your favorite color?', requestedSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] } });
        return Promise.resolve(inputRequired({ inputRequests: { step2 }, requestState: { round: 2, name: name ?? (Round2.is(state) ? state.name : '') } }));
      }
      const step1 = inputRequired.elicit({ message: 'Step 1: What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });
      return Promise.resolve(inputRequired({ inputRequests: { step1 }, requestState: { round: 1 } }));
    },
  }),
  tool({
    name: 'test_input_required_result_tampered_state',
    description: 'Asks for a confirmation under a sealed state; a tampered state is refused before it runs',
    run: (_args, ctx) => {
      const ok = ctx.inputResponses.accepted('confirm', Confirmed) !== undefined;
      if (ctx.requestState !== undefined && ok) return Promise.resolve(`integrity-ok: ${JSON.stringify(ctx.requestState)}`);
      return Promise.resolve(inputRequired({ inputRequests: { confirm: askConfirm }, requestState: { issued: 'tampered-state-fixture' } }));
    },
  }),
  tool({
    name: 'test_input_required_result_capabilities',
    description: 'Asks only for what the request declares it can answer',
    run: (_args, ctx) => {
      if (ctx.inputResponses.keys.length > 0) return Promise.resolve(`Received ${ctx.inputResponses.keys.length} input response(s)`);
      const inputRequests: Record<string, InputRequest> = {
        ...(declares(ctx, 'elicitation') ? { user_name: askName } : {}),
        ...(declares(ctx, 'sampling') ? { sample_input: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Say something' } }], maxTokens: 50 }) } : {}),
        ...(declares(ctx, 'roots') ? { client_roots: inputRequired.listRoots() } : {}),
      };
      return Promise.resolve(Object.keys(inputRequests).length === 0 ? 'The client declares nothing to ask for' : inputRequired({ inputRequests }));
    },
  }),
];

const prompts = [
  prompt({ name: 'test_simple_prompt', description: 'A simple prompt without arguments', get: () => Promise.resolve('This is a simple prompt for testing.') }),
  prompt({
    name: 'test_prompt_with_arguments',
    description: 'A prompt with two required arguments',
    args: t.type({ arg1: t.string, arg2: t.string }),
    arguments: [
      { name: 'arg1', description: 'First test argument', required: true },
      { name: 'arg2', description: 'Second test argument', required: true },
    ],
    complete: { arg1: (value) => ['test', 'testValue1', 'other'].filter((v) => v.startsWith(value)) },
    get: ({ arg1, arg2 }) => Promise.resolve(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`),
  }),
  prompt({
    name: 'test_prompt_with_embedded_resource',
    description: 'A prompt with an embedded resource',
    args: t.type({ resourceUri: t.string }),
    arguments: [{ name: 'resourceUri', description: 'The URI of the resource to embed', required: true }],
    get: ({ resourceUri }) =>
      Promise.resolve({
        messages: [
          { role: 'user' as const, content: { type: 'resource' as const, resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
          { role: 'user' as const, content: { type: 'text' as const, text: 'Please process the embedded resource above.' } },
        ],
      }),
  }),
  prompt({
    name: 'test_prompt_with_image',
    description: 'A prompt with an image',
    get: () =>
      Promise.resolve({
        messages: [
          { role: 'user' as const, content: { type: 'image' as const, data: IMAGE, mimeType: 'image/png' } },
          { role: 'user' as const, content: { type: 'text' as const, text: 'Please analyze the image above.' } },
        ],
      }),
  }),
];

// The tasks extension's fixtures (MCP 2026-07-28, io.modelcontextprotocol/tasks; the suite's
// tasks-* scenarios): a tool that never runs as a task, and tools that do for a request that
// declares the extension (`failing_job` and `test_tool_with_task` need it: -32021 without).
const seconds = (u: number | undefined): number => (u !== undefined && Number.isFinite(u) && u > 0 ? Math.min(u, 3_600) : 0);
// any accepted answer will do: the suite answers each with a different content
const Answered = t.UnknownRecord;
const taskTools = [
  tool({ name: 'greet', description: 'Greets by name; never a task', args: t.partial({ name: t.string }), run: ({ name }) => Promise.resolve(`Hello, ${name ?? 'World'}!`) }),
  tool({
    name: 'slow_compute',
    description: 'Computes for `seconds` seconds; a task for a client that declares the tasks extension, cancelled by tasks/cancel',
    args: t.partial({ seconds: t.number, label: t.string }),
    task: 'optional',
    run: (args) => timer(seconds(args.seconds) * 1000).pipe(map(() => `Computed ${args.label ?? 'a result'} after ${seconds(args.seconds)} s`)),
  }),
  tool({ name: 'failing_job', description: 'A task that ends with a tool error after a second; needs the tasks extension', task: 'required', run: () => timer(1000).pipe(map(() => toolError('The job failed: a tool execution error'))) }),
  tool({ name: 'protocol_error_job', description: 'A task that ends with a protocol error', task: 'optional', run: () => Promise.reject(new JsonRpcError(ErrorCodes.InternalError, 'The job crashed: a protocol error')) }),
  tool({
    name: 'confirm_delete',
    description: 'A task that asks for a confirmation (tasks/update) before it deletes',
    args: t.partial({ filename: t.string }),
    task: 'optional',
    run: ({ filename }, ctx) =>
      Promise.resolve(
        ctx.inputResponses.accepted('confirm', Answered) === undefined
          ? inputRequired({ inputRequests: { confirm: inputRequired.elicit({ message: `Delete ${filename ?? 'the file'}?`, requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] } }) } })
          : `Deleted ${filename ?? 'the file'}`,
      ),
  }),
  tool({
    name: 'multi_input',
    description: 'A task that asks two things at once',
    task: 'optional',
    run: (_args, ctx) => {
      const first = ctx.inputResponses.accepted('first', Answered);
      const second = ctx.inputResponses.accepted('second', Answered);
      if (first !== undefined && second !== undefined) return Promise.resolve('Both answered');
      const ask = (what: string): InputRequest => inputRequired.elicit({ message: `The ${what} answer?`, requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } });
      return Promise.resolve(inputRequired({ inputRequests: { first: ask('first'), second: ask('second') } }));
    },
  }),
  tool({
    name: 'test_tool_with_task',
    description: 'Asks for a name on the call itself (an input round), then greets it from a task',
    task: 'required',
    beforeTask: (_args, ctx) => (ctx.inputResponses.accepted('user_name', Named) === undefined ? inputRequired({ inputRequests: { user_name: askName } }) : undefined),
    run: (_args, ctx) => Promise.resolve(`Hello, ${ctx.inputResponses.accepted('user_name', Named)?.name ?? '?'}, from a task!`),
  }),
];

const inputPrompt = prompt({
  name: 'test_input_required_result_prompt',
  description: 'Asks for the context the prompt uses (a multi-round prompts/get)',
  get: (_args, ctx) => {
    const context = ctx.inputResponses.accepted('user_context', t.type({ context: t.string }))?.context;
    const ask = inputRequired.elicit({ message: 'What context should the prompt use?', requestedSchema: { type: 'object', properties: { context: { type: 'string' } }, required: ['context'] } });
    return Promise.resolve(context === undefined ? inputRequired({ inputRequests: { user_context: ask } }) : `Prompt with context: ${context}`);
  },
});

const resources = [
  resource({ uri: 'test://static-text', name: 'static-text', title: 'Static Text Resource', description: 'A static text resource for testing', mimeType: 'text/plain', read: () => Promise.resolve('This is the content of the static text resource.') }),
  resource({
    uri: 'test://static-binary',
    name: 'static-binary',
    title: 'Static Binary Resource',
    description: 'A static binary resource (an image) for testing',
    mimeType: 'image/png',
    read: () => Promise.resolve([{ uri: 'test://static-binary', mimeType: 'image/png', blob: IMAGE }]),
  }),
  resource({ uri: 'test://watched-resource', name: 'watched-resource', description: 'A resource to watch', mimeType: 'text/plain', read: () => Promise.resolve('Watched resource content') }),
];

const template = resourceTemplate({
  uriTemplate: 'test://template/{id}/data',
  name: 'template',
  title: 'Resource Template',
  description: 'A resource template with parameter substitution',
  mimeType: 'application/json',
  read: (_uri, { id }) => from([JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id ?? ''}` })]),
});

const server = mcpServer({
  info: { name: 'mcp-rx-cancel-conformance', version: '0.1.0' },
  instructions: 'The fixtures of the MCP conformance suite.',
  tools: [...tools, ...askingTools, ...inputTools, ...taskTools],
  prompts: [...prompts, inputPrompt],
  resources,
  resourceTemplates: [template],
  // the key of the sealed requestState: one per process here; a fleet behind one endpoint shares one
  requestState: { secret: randomBytes(32), ttlMs: 300_000 },
});

const mcp = streamableHttp(server);
serveHttp(mcp, port, log, () => server.close());
