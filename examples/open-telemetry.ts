/**
 * Two MCP peers in one process, traced and measured with OpenTelemetry: a request that
 * completes, one the caller cancels and one that times out, each a span on both sides (printed
 * by the console exporter), then the metrics (in flight back to 0, cancels by source, durations).
 * Run: `npx tsx examples/open-telemetry.ts`.
 */
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NEVER, Subject, firstValueFrom, of, timer } from 'rxjs';
import { createPeer } from '../lib/index.js';
import { toOpenTelemetry } from '../lib/observability/open-telemetry.js';

async function main(): Promise<void> {
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
  // exports once, at shutdown below: the long interval never fires
  const reader = new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const telemetry = { tracer: tracerProvider.getTracer('mcp-rx-cancel-example'), meter: meterProvider.getMeter('mcp-rx-cancel-example') };

  const toServer = new Subject<unknown>();
  const toClient = new Subject<unknown>();
  const server = createPeer(toServer, {
    sessionId: 'example-session',
    handlers: { 'tools/call': () => of({ content: [{ type: 'text', text: 'done' }] }), 'tools/slow': () => NEVER },
  });
  const client = createPeer(toClient);
  // one call per peer: a peer's connection-closed ends the spans that call holds
  const otel = [toOpenTelemetry(server.events$, telemetry), toOpenTelemetry(client.events$, telemetry)];
  server.outgoing$.subscribe((m) => toClient.next(JSON.parse(JSON.stringify(m))));
  client.outgoing$.subscribe((m) => toServer.next(JSON.parse(JSON.stringify(m))));

  await firstValueFrom(client.request('tools/call', { name: 'quick' }));
  const cancelled = client.request('tools/slow', {}, { reason: 'user pressed stop' }).subscribe({ error: () => undefined });
  await firstValueFrom(timer(20));
  cancelled.unsubscribe();
  await firstValueFrom(client.request('tools/slow', {}, { timeoutMs: 50 })).catch((e: Error) => process.stdout.write(`timed out as expected: ${e.name}\n`));

  for (const s of otel) s.unsubscribe();
  toServer.complete();
  toClient.complete();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
