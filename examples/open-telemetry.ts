/**
 * Two MCP peers in one process, traced and measured with OpenTelemetry as its MCP semantic
 * conventions say: a tool call that completes, one the caller cancels and one that times out,
 * each a CLIENT span on the client and a SERVER span on the server, in one trace (the client
 * span's `traceparent` travels in the request's `params._meta`). It prints one line per span
 * (kind, name, trace, parent, outcome) and one per metric point, after the peers are done.
 * Run: `npm run demo:open-telemetry` (or `npx tsx examples/open-telemetry.ts`).
 */
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NEVER, Subject, firstValueFrom, of, timer } from 'rxjs';
import { createPeer } from '../lib/index.js';
import { toOpenTelemetry, tracePropagation } from '../lib/observability/open-telemetry.js';

const KIND: readonly string[] = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

/** A reader that exports nowhere: the example collects once, when the peers are done. */
class CollectOnce extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
const print = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new CollectOnce();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const telemetry = { tracer: tracerProvider.getTracer('mcp-rx-cancel-example'), meter: meterProvider.getMeter('mcp-rx-cancel-example') };

  const toServer = new Subject<unknown>();
  const toClient = new Subject<unknown>();
  const server = createPeer(toServer, {
    sessionId: 'example-session',
    handlers: {
      'tools/call': (params) => ((params as { name?: string }).name === 'slow' ? NEVER : of({ content: [{ type: 'text', text: 'done' }] })),
    },
  });
  // the client's spans' trace context goes into each request's _meta
  const propagation = tracePropagation();
  const client = createPeer(toClient, { requestMeta: propagation.requestMeta });
  // one call per peer: a peer's connection-closed ends the spans that call holds
  const otel = [toOpenTelemetry(server.events$, telemetry), toOpenTelemetry(client.events$, { ...telemetry, propagation })];
  // through JSON, as on a wire
  server.outgoing$.subscribe((m) => toClient.next(JSON.parse(JSON.stringify(m))));
  client.outgoing$.subscribe((m) => toServer.next(JSON.parse(JSON.stringify(m))));

  await firstValueFrom(client.request('tools/call', { name: 'get-weather', arguments: { city: 'Paris' } }));
  const cancelled = client.request('tools/call', { name: 'slow' }, { reason: 'user pressed stop' }).subscribe({ error: () => undefined });
  await firstValueFrom(timer(20));
  cancelled.unsubscribe();
  await firstValueFrom(client.request('tools/call', { name: 'slow' }, { timeoutMs: 50 })).catch((e: Error) => print(`timed out as expected: ${e.name}`));
  await firstValueFrom(timer(10));

  for (const s of otel) s.unsubscribe();
  toServer.complete();
  toClient.complete();
  // read before shutdown: the in-memory exporters forget what they hold when shut down
  const finished = spans.getFinishedSpans();
  const { resourceMetrics } = await reader.collect();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();

  for (const s of finished) {
    const a = s.attributes;
    const parent = s.parentSpanContext?.spanId ?? '-';
    print(`span ${KIND[s.kind] ?? s.kind} "${s.name}" trace=${s.spanContext().traceId} span=${s.spanContext().spanId} parent=${parent} outcome=${String(a['mcp_rx_cancel.request.outcome'])}${a['error.type'] === undefined ? '' : ` error.type=${String(a['error.type'])}`}${a['mcp_rx_cancel.cancel.source'] === undefined ? '' : ` cancel.source=${String(a['mcp_rx_cancel.cancel.source'])}`}`);
  }
  for (const sm of resourceMetrics.scopeMetrics)
    for (const mt of sm.metrics)
      for (const p of mt.dataPoints) {
        const value = mt.dataPointType === DataPointType.HISTOGRAM ? `count=${(p.value as { count: number }).count}` : `value=${String(p.value)}`;
        print(`metric ${mt.descriptor.name} ${JSON.stringify(p.attributes)} ${value}`);
      }
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
