import { expect } from 'chai';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';
import type { Subscription } from 'rxjs';
import { toOpenTelemetry } from '../../lib/observability/open-telemetry.js';
import { post, start, until, type Running } from '../transport/http/server.js';

class TestReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'spec', version: '0' } } };
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

// toOpenTelemetry on a real Streamable HTTP server (127.0.0.1): a 2025 session's spans, its
// duration, and the transport's refusals as metrics.
describe('toOpenTelemetry over a real Streamable HTTP server', function () {
  this.timeout(20_000);
  let s: Running;
  let otel: Subscription;
  const exporter = new InMemorySpanExporter();
  const reader = new TestReader();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const meterProvider = new MeterProvider({ readers: [reader] });
  before(async () => {
    s = await start();
    otel = toOpenTelemetry(s.http.events$, { tracer: tracerProvider.getTracer('spec'), meter: meterProvider.getMeter('spec'), transport: 'streamable-http' });
  });
  after(async () => {
    otel.unsubscribe();
    await s.stop();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });

  it("should trace a session's tool call under the client's traceparent, count a refusal, and measure the session", async () => {
    const init = await post(s.url, INIT);
    const session = init.headers.get('mcp-session-id') ?? '';
    const call = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' }, _meta: { traceparent: TRACEPARENT } } }, { 'mcp-session-id': session });
    expect(call.status).to.equal(200);
    expect((await post(s.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': 'no-such-session' })).status).to.equal(404);
    expect((await fetch(s.url, { method: 'DELETE', headers: { 'mcp-session-id': session } })).status).to.be.within(200, 299);
    await until(() => s.events.some((e) => e.type === 'session-closed'), 'the session to close');

    const echo = exporter.getFinishedSpans().find((sp) => sp.name === 'tools/call echo');
    expect(echo?.kind).to.equal(1);
    expect(echo?.parentSpanContext?.spanId).to.equal('00f067aa0ba902b7');
    expect(echo?.spanContext().traceId).to.equal('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(echo?.attributes).to.include({ 'mcp.session.id': session, 'mcp.protocol.version': '2025-06-18', 'network.transport': 'tcp', 'network.protocol.name': 'http', 'gen_ai.tool.name': 'echo' });

    const r = await reader.collect();
    const metrics = r.resourceMetrics.scopeMetrics.flatMap((x) => x.metrics);
    const pointsOf = (name: string): Array<{ attributes: Attributes; value: unknown }> =>
      metrics.filter((mt) => mt.descriptor.name === name).flatMap((mt) => mt.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value as unknown })));
    expect(pointsOf('mcp_rx_cancel.http.rejected').map((p) => [p.attributes['http.response.status_code'], p.value])).to.deep.include([404, 1]);
    const sessions = pointsOf('mcp.server.session.duration');
    expect(sessions).to.have.length(1);
    expect(sessions[0]?.attributes).to.include({ 'mcp_rx_cancel.session.close_reason': 'delete', 'mcp.protocol.version': '2025-06-18' });
    expect(pointsOf('mcp_rx_cancel.http.sessions.active').map((p) => p.value)).to.deep.equal([0]);
  });
});
