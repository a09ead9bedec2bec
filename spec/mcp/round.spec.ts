import { expect } from 'chai';
import * as t from 'io-ts';
import { Observable, asyncScheduler, finalize, of, type SchedulerLike } from 'rxjs';
import { createPeer, ErrorCodes } from '../../lib/index.js';
import type { JsonRpcMessage, RequestId } from '../../lib/codecs.js';
import { inputRequired, mcpServer, prompt, requestStateCodec, resource, tool, type McpServerOptions, type ToolOutput } from '../../lib/mcp.js';
import { afterFlush, cancel, drive, flush, m, req, testScheduler } from '../helpers.js';

const SECRET = 's'.repeat(32);
const ALL = { elicitation: {}, sampling: {}, roots: {} };
const meta = (capabilities: Record<string, unknown> = ALL) => ({
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': capabilities,
});
const call = (id: RequestId, name: string, extra: Record<string, unknown> = {}, capabilities?: Record<string, unknown>): JsonRpcMessage =>
  req(id, 'tools/call', { name, arguments: {}, _meta: meta(capabilities), ...extra });

const askName = inputRequired.elicit({ message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });
const Named = t.type({ name: t.string });

// a greeter that keeps a state between its rounds, and counts its runs
const greeter = (runs: { n: number }) =>
  tool({
    name: 'greet',
    run: (_args, ctx) => {
      runs.n++;
      const name = ctx.inputResponses.accepted('user_name', Named)?.name;
      if (ctx.requestState !== undefined && name !== undefined) return of(`Hello, ${name}! (state ${JSON.stringify(ctx.requestState)})`);
      return of(inputRequired({ inputRequests: { user_name: askName }, requestState: { asked: 'user_name' } }));
    },
  });

const served = (options: Partial<McpServerOptions>, era: '2026-07-28' | '2025-11-25' = '2026-07-28') => {
  const server = mcpServer({ info: { name: 't', version: '1' }, ...options });
  return drive({ handlers: server.handlers, notifications: server.notifications, era });
};

type Response = { id: RequestId; result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } };
const responseTo = (out: readonly JsonRpcMessage[], id: RequestId): Response => {
  const found = out.find((x) => 'id' in x && x.id === id && !('method' in x));
  if (found === undefined) throw new Error(`no response to ${String(id)}`);
  return found as unknown as Response;
};

describe('mcpServer multi-round requests (2026-07-28, SEP-2322)', () => {
  it('should answer input_required with a sealed state, then complete on the retry that echoes it', async () => {
    const runs = { n: 0 };
    const d = served({ tools: [greeter(runs)], requestState: { secret: SECRET } });
    d.incoming.next(call(1, 'greet'));
    await flush();
    const first = responseTo(d.out, 1).result ?? {};
    expect(first['resultType']).to.equal('input_required');
    expect(first['inputRequests']).to.deep.equal({ user_name: askName });
    expect(first['requestState']).to.be.a('string').and.not.include('asked');
    // an interim answer is not cacheable: no hints
    expect(first).to.not.have.any.keys('ttlMs', 'cacheScope');
    // nothing is kept between the rounds
    expect(d.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });

    d.incoming.next(call(2, 'greet', { inputResponses: { user_name: { action: 'accept', content: { name: 'Alice' } } }, requestState: first['requestState'] }));
    await flush();
    expect(responseTo(d.out, 2).result).to.deep.include({ resultType: 'complete', content: [{ type: 'text', text: 'Hello, Alice! (state {"asked":"user_name"})' }] });
    expect(runs.n).to.equal(2);
  });

  it('should write the inputRequired of a tool whose run gives a Promise, its state sealed', async () => {
    const asking = tool({ name: 'asking', run: () => Promise.resolve(inputRequired({ inputRequests: { user_name: askName }, requestState: { asked: 'user_name' } })) });
    const d = served({ tools: [asking], requestState: { secret: SECRET } });
    d.incoming.next(call(1, 'asking'));
    await flush();
    const r = responseTo(d.out, 1).result;
    expect(r?.['resultType']).to.equal('input_required');
    expect(r?.['inputRequests']).to.deep.equal({ user_name: askName });
    expect(r?.['requestState']).to.be.a('string');
  });

  it('should refuse a tampered state with -32602 invalid_request_state before the handler runs', async () => {
    const runs = { n: 0 };
    const d = served({ tools: [greeter(runs)], requestState: { secret: SECRET } });
    d.incoming.next(call(1, 'greet'));
    await flush();
    const sealed = String(responseTo(d.out, 1).result?.['requestState']);
    d.incoming.next(call(2, 'greet', { inputResponses: { user_name: { action: 'accept', content: { name: 'A' } } }, requestState: `${sealed}-TAMPERED` }));
    await flush();
    expect(responseTo(d.out, 2).error).to.deep.equal({ code: ErrorCodes.InvalidParams, message: 'requestState integrity check failed', data: { reason: 'invalid_request_state' } });
    expect(runs.n).to.equal(1);
  });

  it('should refuse a state issued for another tool', async () => {
    const codec = requestStateCodec({ secret: SECRET });
    const d = served({ tools: [greeter({ n: 0 })], requestState: codec });
    d.incoming.next(call(1, 'greet', { requestState: codec.seal({ asked: 'user_name' }, { method: 'tools/call', name: 'delete_everything' }) }));
    await flush();
    expect(responseTo(d.out, 1).error?.data).to.deep.equal({ reason: 'invalid_request_state' });
  });

  it('should refuse an expired state', async () => {
    const clock = { at: 0, now: () => clock.at, schedule: asyncScheduler.schedule.bind(asyncScheduler) };
    const d = served({ tools: [greeter({ n: 0 })], requestState: { secret: SECRET, ttlMs: 1_000, scheduler: clock as SchedulerLike } });
    d.incoming.next(call(1, 'greet'));
    await flush();
    clock.at = 1_000;
    d.incoming.next(call(2, 'greet', { inputResponses: { user_name: { action: 'accept', content: { name: 'A' } } }, requestState: responseTo(d.out, 1).result?.['requestState'] }));
    await flush();
    expect(responseTo(d.out, 2).error?.code).to.equal(ErrorCodes.InvalidParams);
  });

  it('should answer -32021 with the capabilities the request lacks when a handler asks for one it does not declare', async () => {
    const d = served({ tools: [greeter({ n: 0 })], requestState: { secret: SECRET } });
    d.incoming.next(call(1, 'greet', {}, { sampling: {} }));
    await flush();
    expect(responseTo(d.out, 1).error).to.deep.include({ code: ErrorCodes.MissingRequiredClientCapability, data: { requiredCapabilities: { elicitation: {} } } });
  });

  it('should refuse inputResponses that are not an object of results with -32602', async () => {
    const d = served({ tools: [greeter({ n: 0 })], requestState: { secret: SECRET } });
    d.incoming.next(call(1, 'greet', { inputResponses: null }));
    d.incoming.next(call(2, 'greet', { inputResponses: [1] }));
    await flush();
    expect(responseTo(d.out, 1).error?.code).to.equal(ErrorCodes.InvalidParams);
    expect(responseTo(d.out, 2).error?.code).to.equal(ErrorCodes.InvalidParams);
  });

  it('should never send a state unsealed: without a secret, returning one is -32603, echoing one is -32602', async () => {
    const d = served({ tools: [greeter({ n: 0 })] });
    d.incoming.next(call(1, 'greet'));
    d.incoming.next(call(2, 'greet', { requestState: 'anything' }));
    await flush();
    const refused = responseTo(d.out, 1).error;
    expect(refused?.code).to.equal(ErrorCodes.InternalError);
    expect(refused?.message).to.include('requestState: { secret }');
    expect(responseTo(d.out, 2).error?.data).to.deep.equal({ reason: 'invalid_request_state' });
  });

  it('should serve inputRequests alone without a secret', async () => {
    const ask = tool({ name: 'ask', run: (_a, ctx) => of(ctx.inputResponses.keys.length > 0 ? 'done' : inputRequired({ inputRequests: { roots: inputRequired.listRoots() } })) });
    const d = served({ tools: [ask] });
    d.incoming.next(call(1, 'ask'));
    d.incoming.next(call(2, 'ask', { inputResponses: { roots: { roots: [] } } }));
    await flush();
    expect(responseTo(d.out, 1).result).to.deep.include({ resultType: 'input_required', inputRequests: { roots: { method: 'roots/list', params: {} } } });
    expect(responseTo(d.out, 2).result?.['resultType']).to.equal('complete');
  });

  it('should serve rounds on prompts/get and resources/read, each state bound to its own name', async () => {
    const codec = requestStateCodec({ secret: SECRET });
    const p = prompt({ name: 'ctx', get: (_a, ctx) => of(ctx.requestState === 'p' ? 'with context' : inputRequired({ requestState: 'p' })) });
    const r = resource({ uri: 'test://r', name: 'r', read: (ctx) => of(ctx.requestState === 'r' ? 'read' : inputRequired({ requestState: 'r' })) });
    const d = served({ prompts: [p], resources: [r], requestState: codec });
    d.incoming.next(req(1, 'prompts/get', { name: 'ctx', _meta: meta() }));
    d.incoming.next(req(2, 'resources/read', { uri: 'test://r', _meta: meta() }));
    await flush();
    const ps = responseTo(d.out, 1).result?.['requestState'];
    const rs = responseTo(d.out, 2).result?.['requestState'];
    expect(responseTo(d.out, 2).result).to.not.have.any.keys('ttlMs', 'cacheScope', 'contents');
    d.incoming.next(req(3, 'prompts/get', { name: 'ctx', requestState: ps, _meta: meta() }));
    d.incoming.next(req(4, 'resources/read', { uri: 'test://r', requestState: rs, _meta: meta() }));
    d.incoming.next(req(5, 'resources/read', { uri: 'test://r', requestState: ps, _meta: meta() }));
    await flush();
    expect(responseTo(d.out, 3).result?.['messages']).to.deep.equal([{ role: 'user', content: { type: 'text', text: 'with context' } }]);
    expect(responseTo(d.out, 4).result).to.deep.include({ resultType: 'complete', contents: [{ uri: 'test://r', text: 'read' }] });
    expect(responseTo(d.out, 5).error?.data).to.deep.equal({ reason: 'invalid_request_state' });
  });

  describe('the same handler in 2025-11-25: its rounds played by the server, with requests tied to the call', () => {
    const initialize = (d: ReturnType<typeof served>, capabilities: Record<string, unknown>) =>
      d.incoming.next(req(0, 'initialize', { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'c', version: '1' } }));
    const asked = (d: ReturnType<typeof served>) => d.out.filter((x): x is JsonRpcMessage & { id: RequestId; method: string; params: unknown } => 'method' in x && 'id' in x);

    it('should ask the client with an elicitation/create tied to the call, and run the handler again with its answer and state', async () => {
      const runs = { n: 0 };
      const d = served({ tools: [greeter(runs)] }, '2025-11-25');
      initialize(d, { elicitation: {} });
      // the 2026 params mean nothing here: not checked, not read
      d.incoming.next(req(1, 'tools/call', { name: 'greet', arguments: {}, requestState: 'not checked in this era' }));
      await flush();
      const [elicit] = asked(d);
      expect(elicit?.method).to.equal('elicitation/create');
      expect(elicit?.params).to.deep.equal(askName.params);
      d.incoming.next({ jsonrpc: '2.0', id: elicit!.id, result: { action: 'accept', content: { name: 'Alice' } } });
      await flush();
      expect(responseTo(d.out, 1).result).to.deep.equal({ content: [{ type: 'text', text: 'Hello, Alice! (state {"asked":"user_name"})' }] });
      expect(runs.n).to.equal(2);
      expect(d.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });

    it('should cancel the pending elicitation once when the call is cancelled, and answer nothing', async () => {
      const d = served({ tools: [greeter({ n: 0 })] }, '2025-11-25');
      initialize(d, { elicitation: {} });
      d.incoming.next(req(1, 'tools/call', { name: 'greet', arguments: {} }));
      await flush();
      const [elicit] = asked(d);
      d.incoming.next(cancel(1, 'stop'));
      await flush();
      const cancels = d.out.filter((x) => 'method' in x && x.method === 'notifications/cancelled');
      expect(cancels.map((x) => ('params' in x ? x.params : undefined))).to.deep.equal([{ requestId: elicit!.id }]);
      expect(d.out.some((x) => 'id' in x && x.id === 1 && !('method' in x))).to.equal(false);
      expect(d.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });

    // a tool whose run gives a Promise answers through the core with no Observable: its rounds start only on inputRequired
    const promised = (log: string[]) =>
      tool({
        name: 'promised',
        run: (_args, ctx) => {
          const name = ctx.inputResponses.accepted('user_name', Named)?.name;
          if (name === undefined) return Promise.resolve(inputRequired({ inputRequests: { user_name: askName }, requestState: { asked: 'user_name' } }));
          // round 2 runs until cancelled: its stop and its cleanup are recorded in order
          ctx.onCleanup(() => void log.push('cleanup 2'));
          return new Observable<string>(() => () => void log.push('round 2 stopped'));
        },
      });

    it('should play the rounds of a tool whose run gives a Promise, and stop round 2 before the cleanups when cancelled', async () => {
      const log: string[] = [];
      const d = served({ tools: [promised(log)] }, '2025-11-25');
      initialize(d, { elicitation: {} });
      d.incoming.next(req(1, 'tools/call', { name: 'promised', arguments: {} }));
      await flush();
      const [elicit] = asked(d);
      expect(elicit?.method).to.equal('elicitation/create');
      d.incoming.next({ jsonrpc: '2.0', id: elicit!.id, result: { action: 'accept', content: { name: 'Alice' } } });
      await flush();
      d.incoming.next(cancel(1, 'stop'));
      await flush();
      expect(log).to.deep.equal(['round 2 stopped', 'cleanup 2']);
      expect(d.out.some((x) => 'id' in x && x.id === 1 && !('method' in x))).to.equal(false);
      expect(d.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });

    it('should start no round when the call is cancelled before its Promise answers inputRequired', async () => {
      let answer: (v: ToolOutput) => void = () => undefined;
      const waiting = tool({ name: 'waiting', run: () => new Promise<ToolOutput>((resolve) => (answer = resolve)) });
      const d = served({ tools: [waiting] }, '2025-11-25');
      initialize(d, { elicitation: {} });
      d.incoming.next(req(1, 'tools/call', { name: 'waiting', arguments: {} }));
      await flush();
      d.incoming.next(cancel(1, 'stop'));
      answer(inputRequired({ inputRequests: { user_name: askName } }));
      await flush();
      expect(asked(d)).to.deep.equal([]);
      expect(d.peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
    });

    it('should refuse, with -32602 and what is missing, input the client did not declare in its initialize', async () => {
      const d = served({ tools: [greeter({ n: 0 })] }, '2025-11-25');
      initialize(d, { sampling: {} });
      d.incoming.next(req(1, 'tools/call', { name: 'greet', arguments: {} }));
      await flush();
      const e = responseTo(d.out, 1).error;
      expect(e?.code).to.equal(ErrorCodes.InvalidParams);
      expect(e?.data).to.deep.equal({ requiredCapabilities: { elicitation: {} } });
      expect(asked(d)).to.deep.equal([]);
    });
  });

  it('should leave nothing in flight when the client cancels the retry between rounds', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      // a fixed clock: the sealed state of round 1 is known in advance, so round 2 can echo it
      const codec = requestStateCodec({ secret: SECRET, scheduler: { now: () => 0, schedule: asyncScheduler.schedule.bind(asyncScheduler) } });
      const sealed = codec.seal({ asked: 'user_name' }, { method: 'tools/call', name: 'slow' });
      let cleaned = 0;
      const work = cold('-----r|', { r: 'Hello!' });
      const slow = tool({
        name: 'slow',
        run: (_a, ctx) => (ctx.requestState === undefined ? of(inputRequired({ inputRequests: { user_name: askName }, requestState: { asked: 'user_name' } })) : work.pipe(finalize(() => cleaned++))),
      });
      const server = mcpServer({ info: { name: 't', version: '1' }, tools: [slow], requestState: codec });
      const answer = { user_name: { action: 'accept', content: { name: 'A' } } };
      const incoming = hot('-a--b-c---', m({ a: call(1, 'slow'), b: call(2, 'slow', { inputResponses: answer, requestState: sealed }), c: cancel(2) }));
      const peer = createPeer(incoming, { handlers: server.handlers, era: '2026-07-28' });
      expectObservable(peer.outgoing$).toBe('-r--------', m({
        r: { jsonrpc: '2.0', id: 1, result: { resultType: 'input_required', inputRequests: { user_name: askName }, requestState: sealed, _meta: { 'io.modelcontextprotocol/serverInfo': { name: 't', version: '1' } } } },
      }));
      expectSubscriptions(work.subscriptions).toBe('----^-!');
      // once flushed: the cancel ended round 2, and nothing of either round stays
      afterFlush(() => {
        expect(peer.inFlight()).to.deep.equal({ serving: 0, sending: 0 });
        expect(cleaned).to.equal(1);
      });
    });
  });
});
