import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import type { Attributes } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DataPointType, MeterProvider, MetricReader, type CollectionResult } from '@opentelemetry/sdk-metrics';
import { NEVER, Subject, firstValueFrom, of, type Subscription } from 'rxjs';
import { createPeer, type RequestContext } from '../../lib/index.js';
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

  it('should record a completed, a cancelled and a timed-out request as spans and metrics', async () => {
    const { client, server } = pair({}, { handlers, sessionId: 's1' });
    subs.push(toOpenTelemetry(client.events$, options()), toOpenTelemetry(server.events$, options()));

    expect(await firstValueFrom(client.request('quick', {}))).to.deep.equal({ ok: true });

    const sub = client.request('slow', {}, { reason: 'user pressed stop' }).subscribe({ error: () => undefined });
    await flush();
    const mid = await reader.collect();
    expect(valueOf(mid, 'mcp.requests.in_flight', { direction: 'sent' })).to.equal(1);
    expect(valueOf(mid, 'mcp.requests.in_flight', { direction: 'served' })).to.equal(1);
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
      expect(s.attributes['mcp.request.outcome']).to.equal('completed');
      expect(s.attributes['service.name']).to.equal('spec');
      expect(s.status.code).to.equal(0);
    }
    // the server's key carries its session; the client's has none
    expect(quickServed.attributes['mcp.session.id']).to.equal('s1');
    expect(quickSent.attributes).to.not.have.property('mcp.session.id');

    // cancelled by the caller: the sent span says caller, the served one peer, with the reason
    const [slowSent, timeoutSent] = spans().filter((s) => s.name === 'slow' && s.kind === 2);
    const [slowServed, timeoutServed] = spans().filter((s) => s.name === 'slow' && s.kind === 1);
    expect(slowSent?.attributes).to.include({ 'mcp.request.outcome': 'cancelled', 'mcp.cancel.source': 'caller', 'mcp.cancel.reason': 'user pressed stop', 'jsonrpc.request.id': '1' });
    expect(slowServed?.attributes).to.include({ 'mcp.request.outcome': 'cancelled', 'mcp.cancel.source': 'peer', 'mcp.cancel.reason': 'user pressed stop' });
    expect(slowSent?.status.code).to.equal(0);

    // timed out: ERROR on the sender, a peer cancel on the server
    expect(timeoutSent?.attributes).to.include({ 'mcp.request.outcome': 'timeout', 'mcp.request.timeout_ms': 30, 'error.type': 'timeout', 'jsonrpc.request.id': '2' });
    expect(timeoutSent?.status.code).to.equal(2);
    expect(timeoutSent?.status.message).to.match(/timed out after 30 ms/);
    expect(timeoutServed?.attributes).to.include({ 'mcp.request.outcome': 'cancelled', 'mcp.cancel.source': 'peer' });
    expect(cleanups).to.deep.equal(['slow', 'slow']);

    const r = await reader.collect();
    expect(valueOf(r, 'mcp.requests.in_flight', { direction: 'sent' })).to.equal(0);
    expect(valueOf(r, 'mcp.requests.in_flight', { direction: 'served' })).to.equal(0);
    expect(valueOf(r, 'mcp.cancels', { direction: 'sent', 'mcp.cancel.source': 'caller' })).to.equal(1);
    expect(valueOf(r, 'mcp.cancels', { direction: 'sent', 'mcp.cancel.source': 'timeout' })).to.equal(1);
    expect(valueOf(r, 'mcp.cancels', { direction: 'served', 'mcp.cancel.source': 'peer' })).to.equal(2);
    expect(valueOf(r, 'mcp.request.duration', { direction: 'sent', 'mcp.request.outcome': 'completed' })).to.equal(1);
    expect(valueOf(r, 'mcp.request.duration', { direction: 'sent', 'mcp.request.outcome': 'cancelled' })).to.equal(1);
    expect(valueOf(r, 'mcp.request.duration', { direction: 'sent', 'mcp.request.outcome': 'timeout' })).to.equal(1);
    expect(valueOf(r, 'mcp.request.duration', { direction: 'served', 'mcp.request.outcome': 'cancelled' })).to.equal(2);
    expect(valueOf(r, 'mcp.request.duration', { 'service.name': 'spec' })).to.equal(6);
    // a timeout's duration is at least its timer (ms on the peer's clock)
    const hist = r.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((mt) => mt.descriptor.name === 'mcp.request.duration');
    expect(hist?.descriptor.unit).to.equal('ms');
    const timeoutPoint = hist?.dataPoints.find((p) => p.attributes['mcp.request.outcome'] === 'timeout' && p.attributes['direction'] === 'sent');
    expect((timeoutPoint?.value as { min: number }).min).to.be.at.least(29);
  });

  it('should mark a failed request ERROR with its code, and put a failed cleanup on a span', async () => {
    const { client, server } = pair({}, { handlers });
    subs.push(toOpenTelemetry(client.events$, options()), toOpenTelemetry(server.events$, options()));
    await firstValueFrom(client.request('boom', {})).catch(() => undefined);
    await firstValueFrom(client.request('fragile', {}));
    await flush();

    const boom = span('served', 'boom');
    expect(boom.attributes['mcp.request.outcome']).to.equal('failed');
    expect(boom.attributes['rpc.jsonrpc.error_code']).to.be.a('number');
    expect(boom.status.code).to.equal(2);
    expect(span('sent', 'boom').attributes['mcp.request.outcome']).to.equal('failed');
    expect(span('sent', 'boom').status.code).to.equal(2);

    // the cleanup fails after the outcome: on the span while open, else on one linked to it
    const fragile = span('served', 'fragile');
    const linked = spans().find((s) => s.name === 'cleanup-failed');
    expect(linked?.links[0]?.context.spanId).to.equal(fragile.spanContext().spanId);
    expect(linked?.events[0]?.attributes?.['error.message']).to.equal('cleanup broke');
    expect(linked?.attributes['jsonrpc.request.id']).to.equal(fragile.attributes['jsonrpc.request.id']);
    const r = await reader.collect();
    expect(valueOf(r, 'mcp.cleanup.failures', { 'mcp.method.name': 'fragile' })).to.equal(1);
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
    expect(valueOf(r, 'mcp.cancels.ignored', {})).to.be.at.least(2);
    const whys = points(r, 'mcp.cancels.ignored').map((p) => p.attributes['mcp.cancel.ignored.why']);
    expect(whys).to.include('unknown');
    expect(span('served', 'slow').attributes['mcp.cancel.reason']).to.equal('go');
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
    expect(late?.attributes['mcp.late_response.why']).to.equal('timeout');
    expect(late?.attributes['mcp.method.name']).to.equal('x');
    const r = await reader.collect();
    expect(valueOf(r, 'mcp.responses.late', { 'mcp.late_response.why': 'timeout' })).to.equal(1);
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
    expect(sent.attributes['mcp.request.outcome']).to.equal('closed');
    expect(sent.status.code).to.equal(2);
    expect(span('served', 'slow').attributes['mcp.request.outcome']).to.equal('closed');
    const r = await reader.collect();
    expect(valueOf(r, 'mcp.requests.in_flight', {})).to.equal(0);
  });

  it('should track at most maxOpenSpans requests, and count the ones past it', async () => {
    const { client, server } = pair({}, { handlers });
    subs.push(toOpenTelemetry(server.events$, { ...options(), maxOpenSpans: 2 }));
    const s = [1, 2, 3, 4].map(() => client.request('slow', {}).subscribe({ error: () => undefined }));
    await flush();
    let r = await reader.collect();
    expect(valueOf(r, 'mcp.requests.in_flight', { direction: 'served' })).to.equal(2);
    expect(valueOf(r, 'mcp.requests.untracked', { direction: 'served' })).to.equal(2);
    for (const x of s) x.unsubscribe();
    await flush();
    expect(spans()).to.have.length(2);
    r = await reader.collect();
    expect(valueOf(r, 'mcp.requests.in_flight', { direction: 'served' })).to.equal(0);
  });

  it('should end the open spans when unsubscribed', async () => {
    const { client } = pair({}, { handlers });
    const otel = toOpenTelemetry(client.events$, options());
    client.request('slow', {}).subscribe({ error: () => undefined });
    await flush();
    otel.unsubscribe();
    expect(span('sent', 'slow').attributes['mcp.request.outcome']).to.equal('unobserved');
    const r = await reader.collect();
    expect(valueOf(r, 'mcp.requests.in_flight', {})).to.equal(0);
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

  it('should not load @opentelemetry/api at run time (types only: it is an optional peer)', () => {
    const source = readFileSync(new URL('../../lib/observability/open-telemetry.ts', import.meta.url), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    expect(js).to.not.match(/^\s*import[^;]*['"]@opentelemetry\//m);
    expect(js).to.not.match(/import\(\s*['"]@opentelemetry/);
  });

  it('should refuse options with neither a tracer nor a meter', () => {
    expect(() => toOpenTelemetry(NEVER, {})).to.throw(TypeError);
    expect(() => toOpenTelemetry(NEVER, { ...options(), maxOpenSpans: -1 })).to.throw(TypeError);
  });
});
