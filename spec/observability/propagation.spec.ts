import { expect } from 'chai';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NEVER, Subject, firstValueFrom, of, type Subscription } from 'rxjs';
import { createPeer } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { toOpenTelemetry, tracePropagation } from '../../lib/observability/open-telemetry.js';
import { flush, ofType, pair, req } from '../helpers.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
/** The `_meta` of each request of `method` on the wire (undefined: it had none). */
const metas = (wire: readonly JsonRpcMessage[], method: string): Array<Record<string, unknown> | undefined> =>
  wire.flatMap((m) => ('method' in m && m.method === method && 'id' in m ? [m.params?.['_meta'] as Record<string, unknown> | undefined] : []));

const handlers = { 'tools/call': () => of({ content: [] }), quick: () => of({ ok: true }), slow: () => NEVER };

describe('trace context across the wire', () => {
  let exporter: InMemorySpanExporter;
  let provider: BasicTracerProvider;
  const subs: Subscription[] = [];
  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterEach(async () => {
    for (const s of subs.splice(0)) s.unsubscribe();
    await provider.shutdown();
  });
  const tracer = () => provider.getTracer('spec');
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const byKind = (kind: 1 | 2): ReadableSpan[] => spans().filter((s) => s.kind === kind);

  it('should put the client span and the server span in one trace, the server span a remote child of the client span', async () => {
    const propagation = tracePropagation();
    const { client, server, wire } = pair({ requestMeta: propagation.requestMeta }, { handlers });
    subs.push(toOpenTelemetry(client.events$, { tracer: tracer(), propagation }), toOpenTelemetry(server.events$, { tracer: tracer() }));
    await firstValueFrom(client.request('tools/call', { name: 'echo', _meta: { mine: 1 } }));
    await flush();
    const [sent] = byKind(2);
    const [served] = byKind(1);
    expect(sent?.name).to.equal('tools/call echo');
    expect(served?.name).to.equal('tools/call echo');
    expect(served?.spanContext().traceId).to.equal(sent?.spanContext().traceId);
    expect(served?.parentSpanContext?.spanId).to.equal(sent?.spanContext().spanId);
    expect(served?.parentSpanContext?.isRemote).to.equal(true);
    // on the wire: the client span's traceparent, beside the caller's own member
    expect(metas(wire, 'tools/call')[0]).to.deep.equal({ mine: 1, traceparent: `00-${sent?.spanContext().traceId}-${sent?.spanContext().spanId}-01` });
  });

  it("should let the caller's own _meta.traceparent win, and keep the 2026-07-28 stamp", async () => {
    const propagation = tracePropagation();
    const { client, wire } = pair({ requestMeta: propagation.requestMeta, era: '2026-07-28' }, { handlers });
    subs.push(toOpenTelemetry(client.events$, { tracer: tracer(), propagation }));
    await firstValueFrom(client.request('quick', {}));
    await firstValueFrom(client.request('quick', { _meta: { traceparent: VALID } }));
    const [first, second] = metas(wire, 'quick');
    const [s0] = byKind(2);
    expect(first?.['traceparent']).to.equal(`00-${s0?.spanContext().traceId}-${s0?.spanContext().spanId}-01`);
    expect(first?.['io.modelcontextprotocol/protocolVersion']).to.equal('2026-07-28');
    expect(second?.['traceparent']).to.equal(VALID);
    expect(second?.['io.modelcontextprotocol/protocolVersion']).to.equal('2026-07-28');
    expect(second).to.have.property('io.modelcontextprotocol/clientCapabilities');
    // the version a 2026-07-28 client stamps is the span's mcp.protocol.version
    expect(s0?.attributes['mcp.protocol.version']).to.equal('2026-07-28');
  });

  it("should carry a tracestate along, and honour a sampled-out parent's flags", async () => {
    const incoming = new Subject<unknown>();
    const peer = createPeer(incoming, { handlers });
    peer.outgoing$.subscribe();
    subs.push(toOpenTelemetry(peer.events$, { tracer: tracer() }));
    incoming.next(req(1, 'quick', { _meta: { traceparent: VALID, tracestate: 'rojo=00f067aa0ba902b7' } }));
    // flags 00: the default (parent-based) sampler records nothing for it
    incoming.next(req(2, 'quick', { _meta: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' } }));
    await flush();
    const served = byKind(1);
    expect(served).to.have.length(1);
    expect(served[0]?.parentSpanContext?.spanId).to.equal('00f067aa0ba902b7');
    expect(served[0]?.parentSpanContext?.traceState?.get('rojo')).to.equal('00f067aa0ba902b7');
    incoming.complete();
  });

  it('should ignore garbage traceparents cheaply: too long, bad hex, zero ids, version ff, not a string', async () => {
    const incoming = new Subject<unknown>();
    const peer = createPeer(incoming, { handlers });
    const events: unknown[] = [];
    peer.events$.subscribe((e) => events.push(e));
    peer.outgoing$.subscribe();
    subs.push(toOpenTelemetry(peer.events$, { tracer: tracer() }));
    const garbage: unknown[] = [
      `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01${'x'.repeat(10_000_000)}`,
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      `${VALID}-extra`,
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
      42,
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736' },
      null,
    ];
    const t0 = Date.now();
    garbage.forEach((traceparent, i) => incoming.next(req(i, 'quick', { _meta: { traceparent, tracestate: 'rojo=1' } })));
    await flush();
    expect(Date.now() - t0).to.be.below(1_000);
    const served = byKind(1);
    expect(served).to.have.length(garbage.length);
    for (const s of served) {
      expect(s.parentSpanContext, s.attributes['jsonrpc.request.id'] as string).to.equal(undefined);
      expect(s.spanContext().traceId).to.not.equal('4bf92f3577b34da6a3ce929d0e0e4736');
    }
    const received = ofType(events as never[], 'request-received');
    expect(received).to.have.length(garbage.length);
    for (const e of received) expect(e).to.not.have.property('trace');
    // a later version may append fields: its first four are read
    incoming.next(req(99, 'quick', { _meta: { traceparent: 'cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next' } }));
    await flush();
    expect(byKind(1).find((s) => s.attributes['jsonrpc.request.id'] === '99')?.parentSpanContext?.spanId).to.equal('00f067aa0ba902b7');
    incoming.complete();
  });

  it('should not use the remote parent when extractTraceContext is false', async () => {
    const incoming = new Subject<unknown>();
    const peer = createPeer(incoming, { handlers });
    peer.outgoing$.subscribe();
    subs.push(toOpenTelemetry(peer.events$, { tracer: tracer(), extractTraceContext: false }));
    incoming.next(req(1, 'quick', { _meta: { traceparent: VALID } }));
    await flush();
    expect(byKind(1)[0]?.parentSpanContext).to.equal(undefined);
    incoming.complete();
  });

  it('should add nothing before it is bound, nor after its call is unsubscribed, and refuse a second binding', async () => {
    const propagation = tracePropagation();
    const { client, wire } = pair({ requestMeta: propagation.requestMeta }, { handlers });
    await firstValueFrom(client.request('quick', {}));
    const otel = toOpenTelemetry(client.events$, { tracer: tracer(), propagation });
    expect(() => toOpenTelemetry(client.events$, { tracer: tracer(), propagation })).to.throw(TypeError, /bound/);
    await firstValueFrom(client.request('quick', {}));
    otel.unsubscribe();
    await firstValueFrom(client.request('quick', {}));
    const sent = metas(wire, 'quick');
    expect(sent[0]).to.equal(undefined);
    expect(sent[1]).to.have.property('traceparent');
    expect(sent[2]).to.equal(undefined);
    // unbound again: another call may take it
    subs.push(toOpenTelemetry(client.events$, { tracer: tracer(), propagation }));
  });

  it('should send the request as it was, and report callback-failed, when a requestMeta hook throws', async () => {
    const { client, wire, clientEvents } = pair({ requestMeta: () => { throw new Error('hook broke'); } }, { handlers });
    expect(await firstValueFrom(client.request('quick', { a: 1 }))).to.deep.equal({ ok: true });
    expect(wire.find((m) => 'method' in m && m.method === 'quick')).to.deep.equal(req(0, 'quick', { a: 1 }) as JsonRpcMessage);
    expect(ofType(clientEvents, 'callback-failed')[0]?.error.message).to.match(/hook broke/);
  });
});
