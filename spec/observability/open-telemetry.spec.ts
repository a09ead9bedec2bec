import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import type { Attributes } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DataPointType, MeterProvider, MetricReader, type CollectionResult } from '@opentelemetry/sdk-metrics';
import { NEVER, Subject, firstValueFrom, of, type Subscription } from 'rxjs';
import { JsonRpcError, createPeer, type PeerEvent, type RequestContext } from '../../lib/index.js';
import type { HttpEvent } from '../../lib/http.js';
import { toOpenTelemetry } from '../../lib/observability/open-telemetry.js';
import { drive, flush, pair, result } from '../helpers.js';

/** A reader that exports nowhere: the test collects when it wants to look. */
class TestReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

interface Point {
  readonly attributes: Attributes;
  readonly value: number;
}

/** The points of one metric: a sum's value, or a histogram's count. */
const points = (r: CollectionResult, name: string): Point[] =>
  r.resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .filter((mt) => mt.descriptor.name === name)
    .flatMap((mt) =>
      mt.dataPoints.map((p) => ({
        attributes: p.attributes,
        value: mt.dataPointType === DataPointType.HISTOGRAM ? (p.value as { count: number }).count : (p.value as number),
      })),
    );

const valueOf = (r: CollectionResult, name: string, where: Attributes): number =>
  points(r, name)
    .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + p.value, 0);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const cleanups: string[] = [];
const handlers = {
  quick: () => of({ ok: true }),
  // never answers: it ends only when cancelled
  slow: (_p: unknown, ctx: RequestContext) => {
    ctx.onCleanup(() => void cleanups.push('slow'));
    return NEVER;
  },
  fragile: (_p: unknown, ctx: RequestContext) => {
    ctx.onCleanup(() => {
      throw new Error('cleanup broke');
    });
    return of({ ok: true });
  },
  boom: () => {
    throw new Error('handler broke');
  },
};

describe('toOpenTelemetry', () => {
  let exporter: InMemorySpanExporter;
  let tracerProvider: BasicTracerProvider;
  let reader: TestReader;
  let meterProvider: MeterProvider;
  const subs: Subscription[] = [];

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    reader = new TestReader();
    meterProvider = new MeterProvider({ readers: [reader] });
    cleanups.length = 0;
  });
  afterEach(async () => {
    for (const s of subs.splice(0)) s.unsubscribe();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });

  const options = () => ({ tracer: tracerProvider.getTracer('spec'), meter: meterProvider.getMeter('spec'), attributes: { 'service.name': 'spec' } });
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const span = (kind: 'served' | 'sent', method: string): ReadableSpan => {
    const found = spans().filter((s) => s.name === method && s.kind === (kind === 'served' ? 1 : 2));
    expect(found, `${kind} ${method}`).to.have.length(1);
    return found[0] as ReadableSpan;
  };

  it("should record a client's session, from its initialize to its connection's close, as mcp.client.session.duration", async () => {
    const initialize = () => of({ protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 's', version: '1' } });
    const { client, close } = pair({}, { handlers: { ...handlers, initialize } });
    subs.push(toOpenTelemetry(client.events$, options()));
    await firstValueFrom(client.request('quick', {}));
    expect(points(await reader.collect(), 'mcp.client.session.duration'), 'no initialize: no session').to.deep.equal([]);
    await firstValueFrom(client.request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } }));
    await sleep(20);
    close();
    await flush();
    const sessions = points(await reader.collect(), 'mcp.client.session.duration');
    expect(sessions).to.have.length(1);
    expect(sessions[0]?.value).to.equal(1);
    expect(sessions[0]?.attributes).to.include({ 'mcp.protocol.version': '2025-11-25', 'service.name': 'spec' });
  });

  it('should record a completed, a cancelled and a timed-out request as spans and metrics', async () => {
    const { client, server } = pair({}, { handlers, sessionId: 's1' });
    subs.push(toOpenTelemetry(client.events$, options()), toOpenTelemetry(server.events$, options()));

    expect(await firstValueFrom(client.request('quick', {}))).to.deep.equal({ ok: true });

    const sub = client.request('slow', {}, { reason: 'user pressed stop' }).subscribe({ error: () => undefined });
    await flush();
    const mid = await reader.collect();
    expect(valueOf(mid, 'mcp_rx_cancel.requests.in_flight', { 'mcp_rx_cancel.direction': 'sent' })).to.equal(1);
    expect(valueOf(mid, 'mcp_rx_cancel.requests.in_flight', { 'mcp_rx_cancel.direction': 'served' })).to.equal(1);
    sub.unsubscribe();

    const timedOut = await firstValueFrom(client.request('slow', {}, { timeoutMs: 30 })).then(() => 'answered', (e: Error) => e.name);
    expect(timedOut).to.equal('RequestTimeoutError');
    await flush();

    // completed: both halves, no error
    const quickSent = span('sent', 'quick');
    const quickServed = span('served', 'quick');
    for (const s of [quickSent, quickServed]) {
      expect(s.attributes['mcp.method.name']).to.equal('quick');
      expect(s.attributes['jsonrpc.request.id']).to.equal('0');
      expect(s.attributes['mcp_rx_cancel.request.outcome']).to.equal('completed');
      expect(s.attributes['service.name']).to.equal('spec');
      expect(s.status.code).to.equal(0);
    }
    // the server's key carries its session; the client's has none
    expect(quickServed.attributes['mcp.session.id']).to.equal('s1');
    expect(quickSent.attributes).to.not.have.property('mcp.session.id');

    // cancelled by the caller: the sent span says caller, the served one peer, with the reason
    const [slowSent, timeoutSent] = spans().filter((s) => s.name === 'slow' && s.kind === 2);
    const [slowServed, timeoutServed] = spans().filter((s) => s.name === 'slow' && s.kind === 1);
    expect(slowSent?.attributes).to.include({ 'mcp_rx_cancel.request.outcome': 'cancelled', 'mcp_rx_cancel.cancel.source': 'caller', 'mcp_rx_cancel.cancel.reason': 'user pressed stop', 'jsonrpc.request.id': '1' });
    expect(slowServed?.attributes).to.include({ 'mcp_rx_cancel.request.outcome': 'cancelled', 'mcp_rx_cancel.cancel.source': 'peer', 'mcp_rx_cancel.cancel.reason': 'user pressed stop' });
    expect(slowSent?.status.code).to.equal(0);

    // timed out: ERROR on the sender, a peer cancel on the server
    expect(timeoutSent?.attributes).to.include({ 'mcp_rx_cancel.request.outcome': 'timeout', 'mcp_rx_cancel.timeout.ms': 30, 'error.type': 'timeout', 'jsonrpc.request.id': '2' });
    expect(timeoutSent?.status.code).to.equal(2);
    expect(timeoutSent?.status.message).to.match(/timed out after 30 ms/);
    expect(timeoutServed?.attributes).to.include({ 'mcp_rx_cancel.request.outcome': 'cancelled', 'mcp_rx_cancel.cancel.source': 'peer' });
    expect(cleanups).to.deep.equal(['slow', 'slow']);

    const r = await reader.collect();
    expect(valueOf(r, 'mcp_rx_cancel.requests.in_flight', { 'mcp_rx_cancel.direction': 'sent' })).to.equal(0);
    expect(valueOf(r, 'mcp_rx_cancel.requests.in_flight', { 'mcp_rx_cancel.direction': 'served' })).to.equal(0);
    expect(valueOf(r, 'mcp_rx_cancel.cancels', { 'mcp_rx_cancel.direction': 'sent', 'mcp_rx_cancel.cancel.source': 'caller' })).to.equal(1);
    expect(valueOf(r, 'mcp_rx_cancel.cancels', { 'mcp_rx_cancel.direction': 'sent', 'mcp_rx_cancel.cancel.source': 'timeout' })).to.equal(1);
    expect(valueOf(r, 'mcp_rx_cancel.cancels', { 'mcp_rx_cancel.direction': 'served', 'mcp_rx_cancel.cancel.source': 'peer' })).to.equal(2);
    const clientHist = 'mcp.client.operation.duration';
    const serverHist = 'mcp.server.operation.duration';
    expect(valueOf(r, clientHist, { 'mcp.method.name': 'quick', 'mcp_rx_cancel.request.outcome': 'completed' })).to.equal(1);
    expect(valueOf(r, clientHist, { 'mcp_rx_cancel.request.outcome': 'cancelled' })).to.equal(1);
    expect(valueOf(r, clientHist, { 'mcp_rx_cancel.request.outcome': 'timeout', 'error.type': 'timeout' })).to.equal(1);
    expect(valueOf(r, serverHist, { 'mcp_rx_cancel.request.outcome': 'cancelled' })).to.equal(2);
    expect(valueOf(r, clientHist, { 'service.name': 'spec' }) + valueOf(r, serverHist, { 'service.name': 'spec' })).to.equal(6);
    // the conventions' histograms: seconds, the given buckets, and no per-request attribute
    const metricsOf = r.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const hist = metricsOf.find((mt) => mt.descriptor.name === clientHist);
    expect(hist?.descriptor.unit).to.equal('s');
    expect((hist?.dataPoints[0]?.value as { buckets: { boundaries: number[] } }).buckets.boundaries).to.deep.equal([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]);
    for (const p of [...points(r, clientHist), ...points(r, serverHist)]) {
      expect(p.attributes).to.not.have.property('jsonrpc.request.id');
      expect(p.attributes).to.not.have.property('mcp.session.id');
    }
    // a timeout's duration is at least its timer (30 ms on the peer's clock, in seconds)
    const timeoutPoint = hist?.dataPoints.find((p) => p.attributes['mcp_rx_cancel.request.outcome'] === 'timeout');
    expect((timeoutPoint?.value as { min: number }).min).to.be.at.least(0.029).and.below(5);
  });

  it('should mark a failed request ERROR with its code, and put a failed cleanup on a span', async () => {
    const { client, server } = pair({}, { handlers });
    subs.push(toOpenTelemetry(client.events$, options()), toOpenTelemetry(server.events$, options()));
    await firstValueFrom(client.request('boom', {})).catch(() => undefined);
    await firstValueFrom(client.request('fragile', {}));
    await flush();

    const boom = span('served', 'boom');
    expect(boom.attributes['mcp_rx_cancel.request.outcome']).to.equal('failed');
    // the conventions: error.type and rpc.response.status_code are the JSON-RPC code, as a string
    expect(boom.attributes['error.type']).to.equal('-32603');
    expect(boom.attributes['rpc.response.status_code']).to.equal('-32603');
    expect(boom.status.code).to.equal(2);
    expect(span('sent', 'boom').attributes['mcp_rx_cancel.request.outcome']).to.equal('failed');
    expect(span('sent', 'boom').status.code).to.equal(2);

    // the cleanup fails after the outcome: on the span while open, else on one linked to it
    const fragile = span('served', 'fragile');
    const linked = spans().find((s) => s.name === 'cleanup-failed');
    expect(linked?.links[0]?.context.spanId).to.equal(fragile.spanContext().spanId);
    expect(linked?.events[0]?.attributes?.['error.message']).to.equal('cleanup broke');
    expect(linked?.attributes['jsonrpc.request.id']).to.equal(fragile.attributes['jsonrpc.request.id']);
    const r = await reader.collect();
    expect(valueOf(r, 'mcp_rx_cancel.cleanup.failures', { 'mcp.method.name': 'fragile' })).to.equal(1);
  });

  it('should add a cancel-ignored event with its why, and count it', async () => {
    const incoming = new Subject<unknown>();
    const peer = createPeer(incoming, { handlers });
    peer.outgoing$.subscribe();
    subs.push(toOpenTelemetry(peer.events$, options()));
    incoming.next({ jsonrpc: '2.0', id: 7, method: 'slow' });
    incoming.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 8 } });
    incoming.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'go' } });
    incoming.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } });
    incoming.complete();
    await flush();
    const r = await reader.collect();
    expect(valueOf(r, 'mcp_rx_cancel.cancels.ignored', {})).to.be.at.least(2);
    const whys = points(r, 'mcp_rx_cancel.cancels.ignored').map((p) => p.attributes['mcp_rx_cancel.cancel.ignored.why']);
    expect(whys).to.include('unknown');
    expect(span('served', 'slow').attributes['mcp_rx_cancel.cancel.reason']).to.equal('go');
  });

  it('should put a late response on a span linked to its timed-out one, and count it', async () => {
    const d = drive();
    subs.push(toOpenTelemetry(d.peer.events$, options()));
    d.peer.request('x', {}, { timeoutMs: 10 }).subscribe({ error: () => undefined });
    await sleep(30);
    d.incoming.next(result(0));
    await flush();
    const timedOut = span('sent', 'x');
    const late = spans().find((s) => s.name === 'late-response-dropped');
    expect(late?.links[0]?.context.spanId).to.equal(timedOut.spanContext().spanId);
    expect(late?.attributes['mcp_rx_cancel.late_response.why']).to.equal('timeout');
    expect(late?.attributes['mcp.method.name']).to.equal('x');
    const r = await reader.collect();
    expect(valueOf(r, 'mcp_rx_cancel.responses.late', { 'mcp_rx_cancel.late_response.why': 'timeout' })).to.equal(1);
  });

  it('should end the spans of a connection that closes, and take them out of in-flight', async () => {
    const { client, server, close } = pair({}, { handlers });
    subs.push(toOpenTelemetry(client.events$, options()), toOpenTelemetry(server.events$, options()));
    client.request('slow', {}).subscribe({ error: () => undefined });
    await flush();
    expect(spans()).to.have.length(0);
    close();
    await flush();
    const sent = span('sent', 'slow');
    expect(sent.attributes['mcp_rx_cancel.request.outcome']).to.equal('closed');
    expect(sent.status.code).to.equal(2);
    expect(span('served', 'slow').attributes['mcp_rx_cancel.request.outcome']).to.equal('closed');
    const r = await reader.collect();
    expect(valueOf(r, 'mcp_rx_cancel.requests.in_flight', {})).to.equal(0);
  });

  it('should track at most maxOpenSpans requests, and count the ones past it', async () => {
    const { client, server } = pair({}, { handlers });
    subs.push(toOpenTelemetry(server.events$, { ...options(), maxOpenSpans: 2 }));
    const s = [1, 2, 3, 4].map(() => client.request('slow', {}).subscribe({ error: () => undefined }));
    await flush();
    let r = await reader.collect();
    expect(valueOf(r, 'mcp_rx_cancel.requests.in_flight', { 'mcp_rx_cancel.direction': 'served' })).to.equal(2);
    expect(valueOf(r, 'mcp_rx_cancel.requests.untracked', { 'mcp_rx_cancel.direction': 'served' })).to.equal(2);
    for (const x of s) x.unsubscribe();
    await flush();
    expect(spans()).to.have.length(2);
    r = await reader.collect();
    expect(valueOf(r, 'mcp_rx_cancel.requests.in_flight', { 'mcp_rx_cancel.direction': 'served' })).to.equal(0);
  });

  it('should end the open spans when unsubscribed', async () => {
    const { client } = pair({}, { handlers });
    const otel = toOpenTelemetry(client.events$, options());
    client.request('slow', {}).subscribe({ error: () => undefined });
    await flush();
    otel.unsubscribe();
    expect(span('sent', 'slow').attributes['mcp_rx_cancel.request.outcome']).to.equal('unobserved');
    const r = await reader.collect();
    expect(valueOf(r, 'mcp_rx_cancel.requests.in_flight', {})).to.equal(0);
  });

  it('should never throw into the stream when the tracer throws', async () => {
    const { client, server } = pair({}, { handlers });
    const errors: unknown[] = [];
    const tracer = tracerProvider.getTracer('spec');
    const broken = { startSpan: () => { throw new Error('tracer broke'); }, startActiveSpan: tracer.startActiveSpan.bind(tracer) };
    subs.push(toOpenTelemetry(server.events$, { tracer: broken as never, meter: meterProvider.getMeter('spec'), onError: (e) => errors.push(e) }));
    expect(await firstValueFrom(client.request('quick', {}))).to.deep.equal({ ok: true });
    expect(errors).to.have.length(1);
    await sleep(0);
  });

  it('should name and describe spans as the MCP conventions say: target, tool, prompt, protocol version, transport', async () => {
    const mcp = {
      initialize: () => of({ protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 's', version: '1' } }),
      'tools/call': (p: unknown) => of((p as { name: string }).name === 'broken' ? { content: [], isError: true } : { content: [] }),
      'prompts/get': () => of({ messages: [] }),
      'tools/list': () => of({ tools: [] }),
    };
    const { client, server } = pair({}, { handlers: mcp, sessionId: 's1' });
    subs.push(toOpenTelemetry(client.events$, { ...options(), transport: 'stdio' }), toOpenTelemetry(server.events$, { ...options(), transport: 'streamable-http' }));
    await firstValueFrom(client.request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } }));
    await firstValueFrom(client.request('tools/call', { name: 'get-weather', arguments: {} }));
    await firstValueFrom(client.request('tools/call', { name: 'broken' }));
    await firstValueFrom(client.request('prompts/get', { name: 'summarize' }));
    await firstValueFrom(client.request('tools/list', {}));
    await flush();

    for (const kind of ['served', 'sent'] as const) {
      const call = span(kind, 'tools/call get-weather');
      expect(call.attributes).to.include({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'get-weather',
        'gen_ai.operation.name': 'execute_tool',
        'jsonrpc.request.id': '1',
        // negotiated by the initialize before it
        'mcp.protocol.version': '2025-06-18',
      });
      expect(call.attributes).to.not.have.property('error.type');
      expect(call.status.code).to.equal(0);
      // a tool error: the call succeeded, the tool failed
      const broken = span(kind, 'tools/call broken');
      expect(broken.attributes).to.include({ 'error.type': 'tool_error', 'mcp_rx_cancel.request.outcome': 'completed' });
      expect(broken.status.code).to.equal(2);
      const prompt = span(kind, 'prompts/get summarize');
      expect(prompt.attributes['gen_ai.prompt.name']).to.equal('summarize');
      expect(prompt.attributes).to.not.have.property('gen_ai.operation.name');
      expect(span(kind, 'tools/list').attributes).to.not.have.property('gen_ai.tool.name');
      expect(span(kind, 'initialize').attributes['mcp.protocol.version']).to.equal('2025-06-18');
    }
    expect(span('sent', 'tools/list').attributes['network.transport']).to.equal('pipe');
    expect(span('served', 'tools/list').attributes).to.include({ 'network.transport': 'tcp', 'network.protocol.name': 'http' });
    const r = await reader.collect();
    expect(valueOf(r, 'mcp.server.operation.duration', { 'gen_ai.tool.name': 'get-weather', 'mcp.protocol.version': '2025-06-18', 'network.transport': 'tcp' })).to.equal(1);
    expect(valueOf(r, 'mcp.client.operation.duration', { 'gen_ai.tool.name': 'broken', 'error.type': 'tool_error' })).to.equal(1);
  });

  it('should record an error response with its code, as error.type and rpc.response.status_code, and its message as the status', async () => {
    const { client, server } = pair({}, { handlers });
    subs.push(toOpenTelemetry(client.events$, options()), toOpenTelemetry(server.events$, options()));
    await firstValueFrom(client.request('nope', {})).catch(() => undefined);
    await flush();
    for (const kind of ['served', 'sent'] as const) {
      const nope = span(kind, 'nope');
      expect(nope.attributes).to.include({ 'error.type': '-32601', 'rpc.response.status_code': '-32601', 'mcp_rx_cancel.request.outcome': 'failed' });
      expect(nope.status).to.deep.equal({ code: 2, message: 'Method not found: nope' });
    }
    const r = await reader.collect();
    expect(valueOf(r, 'mcp.client.operation.duration', { 'error.type': '-32601', 'rpc.response.status_code': '-32601' })).to.equal(1);
  });

  it('should keep every value from the peer bounded, and its names from growing a metric past maxNames', async () => {
    const incoming = new Subject<unknown>();
    const peer = createPeer(incoming, { handlers: { 'tools/call': () => of({ content: [] }) } });
    peer.outgoing$.subscribe();
    subs.push(toOpenTelemetry(peer.events$, { ...options(), maxNames: 2, maxAttributeLength: 16 }));
    const long = 'x'.repeat(5_000);
    incoming.next({ jsonrpc: '2.0', id: long.slice(0, 1_000), method: 'tools/call', params: { name: 'a' } });
    for (const [i, name] of ['a', 'b', 'c', 'd', long].entries()) incoming.next({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name } });
    // methods too: MCP's own always pass, a peer's own count against the budget
    for (const [i, method] of ['m1', 'm2', 'm3', `m${long}`].entries()) incoming.next({ jsonrpc: '2.0', id: 100 + i, method, params: {} });
    await flush();
    for (const sp of spans()) {
      expect(sp.name.length, sp.name).to.be.at.most('tools/call '.length + 17);
      for (const v of Object.values(sp.attributes)) if (typeof v === 'string') expect(v.length).to.be.at.most(17);
    }
    expect(spans().filter((sp) => sp.name === 'tools/call a')).to.have.length(2);
    expect(spans().filter((sp) => sp.name === 'tools/call b')).to.have.length(1);
    // past the budget: the method alone names the span, the tool (bounded) stays an attribute
    const c = spans().find((sp) => sp.attributes['gen_ai.tool.name'] === 'c');
    expect(c?.name).to.equal('tools/call');
    expect(spans().find((sp) => sp.attributes['jsonrpc.request.id'] === '4')?.attributes['gen_ai.tool.name']).to.equal(`${'x'.repeat(16)}…`);
    const r = await reader.collect();
    const tools = new Set(points(r, 'mcp.server.operation.duration').map((p) => p.attributes['gen_ai.tool.name']));
    expect([...tools].sort()).to.deep.equal(['_OTHER', 'a', 'b', undefined].sort());
    const methods = new Set(points(r, 'mcp.server.operation.duration').map((p) => p.attributes['mcp.method.name']));
    expect([...methods].sort()).to.deep.equal(['_OTHER', 'm1', 'm2', 'tools/call'].sort());
    incoming.complete();
  });

  it('should bound the error codes a peer answers with by maxNames, on both duration metrics, known codes passing as themselves', async () => {
    // a hostile server answers every request with a code of its own: each would be a new attribute set
    let n = 0;
    const { client, server } = pair({}, { handlers: { ...handlers, odd: () => { throw new JsonRpcError(1_000 + n++, 'odd'); } } });
    subs.push(toOpenTelemetry(client.events$, { ...options(), maxNames: 4 }), toOpenTelemetry(server.events$, { ...options(), maxNames: 4 }));
    for (let i = 0; i < 50; i++) await firstValueFrom(client.request('odd', {})).catch(() => undefined);
    await firstValueFrom(client.request('nope', {})).catch(() => undefined);
    await flush();
    const r = await reader.collect();
    for (const metric of ['mcp.client.operation.duration', 'mcp.server.operation.duration']) {
      const codes = new Set(points(r, metric).map((p) => p.attributes['error.type']));
      const statuses = new Set(points(r, metric).map((p) => p.attributes['rpc.response.status_code']));
      expect([...codes].sort(), metric).to.deep.equal(['-32601', '1000', '1001', '1002', '1003', '_OTHER'].sort());
      expect([...statuses].sort(), metric).to.deep.equal([...codes].sort());
      expect(points(r, metric).length, metric).to.be.at.most(6);
      expect(valueOf(r, metric, { 'error.type': '_OTHER' }), metric).to.equal(46);
    }
    // error.type stays low-cardinality on the span too; the span keeps the real code in rpc.response.status_code
    const last = spans().filter((sp) => sp.name === 'odd' && sp.kind === 2).at(-1);
    expect(last?.attributes).to.include({ 'error.type': '_OTHER', 'rpc.response.status_code': '1049' });
  });

  it('should turn the HTTP transport events into metrics of bounded attributes, and sessions into mcp.server.session.duration', async () => {
    const events = new Subject<PeerEvent | HttpEvent>();
    subs.push(toOpenTelemetry(events, { ...options(), transport: 'streamable-http' }));
    events.next({ type: 'session-opened', at: 1_000, sessionId: 'a' });
    events.next({ type: 'session-opened', at: 1_000, sessionId: 'b' });
    events.next({ type: 'request-received', at: 1_100, sender: 'a', key: { sessionId: 'a', requestId: 0 }, method: 'initialize' });
    events.next({ type: 'request-completed', at: 1_200, sender: 'a', key: { sessionId: 'a', requestId: 0 }, method: 'initialize', protocolVersion: '2025-11-25' });
    events.next({ type: 'request-received', at: 1_300, sender: 'a', key: { sessionId: 'a', requestId: 1 }, method: 'slow' });
    events.next({ type: 'http-rejected', at: 1_400, status: 404, code: -32001, why: 'Session not found: /some/path?x=1' });
    events.next({ type: 'http-rejected', at: 1_400, status: 415, why: 'Unsupported Media Type: text/evil' });
    events.next({ type: 'http-failed', at: 1_400, what: 'on-session', why: 'onSession threw: secret detail' });
    events.next({ type: 'stream-closed', at: 1_400, era: '2026-07-28', cancelled: true, requestId: 3 });
    events.next({ type: 'message-dropped', at: 1_400, sessionId: 'a', why: 'no-stream' });
    let r = await reader.collect();
    expect(valueOf(r, 'mcp_rx_cancel.http.sessions.active', {})).to.equal(2);
    events.next({ type: 'session-closed', at: 3_500, sessionId: 'a', why: 'delete' });
    r = await reader.collect();
    expect(valueOf(r, 'mcp_rx_cancel.http.sessions.active', {})).to.equal(1);
    const session = points(r, 'mcp.server.session.duration');
    expect(session).to.have.length(1);
    expect(session[0]?.attributes).to.include({ 'mcp_rx_cancel.session.close_reason': 'delete', 'mcp.protocol.version': '2025-11-25', 'network.transport': 'tcp' });
    const hist = r.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((mt) => mt.descriptor.name === 'mcp.server.session.duration');
    expect(hist?.descriptor.unit).to.equal('s');
    expect((hist?.dataPoints[0]?.value as { sum: number }).sum).to.equal(2.5);
    // the session's open request ended with it
    expect(span('served', 'slow').attributes).to.include({ 'error.type': 'session_closed', 'mcp.protocol.version': '2025-11-25' });
    expect(valueOf(r, 'mcp_rx_cancel.http.rejected', { 'http.response.status_code': 404, 'rpc.response.status_code': '-32001' })).to.equal(1);
    expect(valueOf(r, 'mcp_rx_cancel.http.rejected', { 'http.response.status_code': 415 })).to.equal(1);
    expect(valueOf(r, 'mcp_rx_cancel.http.failures', { 'mcp_rx_cancel.http.failure': 'on-session' })).to.equal(1);
    expect(valueOf(r, 'mcp_rx_cancel.http.streams.closed', { 'mcp_rx_cancel.http.stream.cancelled': true, 'mcp_rx_cancel.era': '2026-07-28' })).to.equal(1);
    expect(valueOf(r, 'mcp_rx_cancel.http.messages.dropped', { 'mcp_rx_cancel.http.dropped.why': 'no-stream' })).to.equal(1);
    // no raw path, header, reason or session id ever becomes a metric attribute value
    const values = r.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).flatMap((mt) => mt.dataPoints.flatMap((p) => Object.values(p.attributes)));
    for (const v of values) expect(String(v)).to.not.match(/path|evil|secret|^a$|^b$/);
    // unsubscribing takes the sessions it still counts out of the gauge
    for (const x of subs.splice(0)) x.unsubscribe();
    r = await reader.collect();
    expect(valueOf(r, 'mcp_rx_cancel.http.sessions.active', {})).to.equal(0);
  });

  it('should keep the main entry free of @opentelemetry: no module it reaches imports it, not even its types', () => {
    const seen = new Set<string>();
    const otel: string[] = [];
    const walk = (url: URL): void => {
      if (seen.has(url.href)) return;
      seen.add(url.href);
      const source = readFileSync(url, 'utf8');
      for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        if (spec === undefined) continue;
        if (spec.startsWith('@opentelemetry/')) otel.push(`${url.pathname}: ${spec}`);
        else if (spec.startsWith('.')) walk(new URL(spec.replace(/\.js$/, '.ts'), url));
      }
    };
    walk(new URL('../../lib/index.ts', import.meta.url));
    expect(seen.size).to.be.above(30);
    expect([...seen].some((u) => u.includes('/observability/'))).to.equal(false);
    expect(otel).to.deep.equal([]);
    // and the subpath does load the api at run time (it is why the subpath is apart): a module it
    // loads imports it for a value, not only for types (followed through the transpiled imports)
    const loaded = new Set<string>();
    const runtime: string[] = [];
    const load = (url: URL): void => {
      if (loaded.has(url.href)) return;
      loaded.add(url.href);
      const js = ts.transpileModule(readFileSync(url, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      if (/^import[^;]*['"]@opentelemetry\/api['"]/m.test(js)) runtime.push(url.pathname);
      for (const [, spec] of js.matchAll(/^import[^;]*['"](\.[^'"]+)['"]/gm)) if (spec !== undefined) load(new URL(spec.replace(/\.js$/, '.ts'), url));
    };
    load(new URL('../../lib/observability/open-telemetry.ts', import.meta.url));
    expect(runtime).to.not.deep.equal([]);
  });

  it('should refuse options with neither a tracer nor a meter', () => {
    expect(() => toOpenTelemetry(NEVER, {})).to.throw(TypeError);
    expect(() => toOpenTelemetry(NEVER, { ...options(), maxOpenSpans: -1 })).to.throw(TypeError);
  });
});
