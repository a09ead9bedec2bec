import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { ROOT, example, tsNode } from '../transport/support.js';

// examples/open-telemetry.ts claims: three tool calls (completed, cancelled by the caller, timed
// out), each a CLIENT span and a SERVER span in one trace, the server's the child of the client's
// (the traceparent went in _meta), and the conventions' duration metrics beside ours.

interface SpanLine {
  readonly kind: string;
  readonly name: string;
  readonly trace: string;
  readonly span: string;
  readonly parent: string;
  readonly rest: string;
}

describe('examples/open-telemetry.ts', function () {
  this.timeout(30_000);

  it('should print a client and a server span per call, in one trace with the right parent, and the metrics it claims', () => {
    const { command, args } = tsNode(example('open-telemetry.ts'));
    const r = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 25_000 });
    expect(r.status, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).to.include('timed out as expected: RequestTimeoutError');
    const spans: SpanLine[] = lines.flatMap((l) => {
      const m = /^span (\w+) "([^"]+)" trace=(\w+) span=(\w+) parent=([\w-]+) (.*)$/.exec(l);
      return m === null ? [] : [{ kind: m[1] ?? '', name: m[2] ?? '', trace: m[3] ?? '', span: m[4] ?? '', parent: m[5] ?? '', rest: m[6] ?? '' }];
    });
    expect(spans).to.have.length(6);
    const clients = spans.filter((s) => s.kind === 'CLIENT');
    expect(clients.map((s) => [s.name, s.rest])).to.deep.equal([
      ['tools/call get-weather', 'outcome=completed'],
      ['tools/call slow', 'outcome=cancelled cancel.source=caller'],
      ['tools/call slow', 'outcome=timeout error.type=timeout'],
    ]);
    for (const c of clients) {
      const served = spans.filter((s) => s.kind === 'SERVER' && s.parent === c.span);
      expect(served, c.rest).to.have.length(1);
      expect(served[0]?.trace).to.equal(c.trace);
      expect(served[0]?.name).to.equal(c.name);
    }
    expect(new Set(clients.map((c) => c.trace)).size).to.equal(3);
    const metrics = lines.filter((l) => l.startsWith('metric '));
    const has = (name: string, attrs: Record<string, unknown>, value: string): boolean =>
      metrics.some((l) => {
        const m = /^metric (\S+) (\{.*\}) (\S+)$/.exec(l);
        if (m === null || m[1] !== name || m[3] !== value) return false;
        const a = JSON.parse(m[2] ?? '{}') as Record<string, unknown>;
        return Object.entries(attrs).every(([k, v]) => a[k] === v);
      });
    expect(has('mcp.client.operation.duration', { 'gen_ai.tool.name': 'get-weather', 'mcp_rx_cancel.request.outcome': 'completed' }, 'count=1')).to.equal(true);
    expect(has('mcp.client.operation.duration', { 'error.type': 'timeout' }, 'count=1')).to.equal(true);
    expect(has('mcp.server.operation.duration', { 'gen_ai.tool.name': 'slow', 'mcp_rx_cancel.request.outcome': 'cancelled' }, 'count=2')).to.equal(true);
    expect(has('mcp_rx_cancel.requests.in_flight', { 'mcp_rx_cancel.direction': 'sent' }, 'value=0')).to.equal(true);
    expect(has('mcp_rx_cancel.requests.in_flight', { 'mcp_rx_cancel.direction': 'served' }, 'value=0')).to.equal(true);
    expect(has('mcp_rx_cancel.cancels', { 'mcp_rx_cancel.direction': 'sent', 'mcp_rx_cancel.cancel.source': 'caller' }, 'value=1')).to.equal(true);
    expect(has('mcp_rx_cancel.cancels', { 'mcp_rx_cancel.direction': 'sent', 'mcp_rx_cancel.cancel.source': 'timeout' }, 'value=1')).to.equal(true);
    expect(has('mcp_rx_cancel.cancels', { 'mcp_rx_cancel.direction': 'served', 'mcp_rx_cancel.cancel.source': 'peer' }, 'value=2')).to.equal(true);
  });
});
