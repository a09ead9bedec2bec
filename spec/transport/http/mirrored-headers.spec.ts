import { expect } from 'chai';
import { ErrorCodes } from '../../../lib/index.js';
import { encodeHeaderValue } from '../../../lib/http.js';
import { mcpServer, tool, type McpServer } from '../../../lib/mcp.js';
import { post, rec, request2026, start, type Running } from './server.js';

// Mcp-Param-* headers (docs/protocol.md M7; MCP 2026-07-28 basic/transports/streamable-http,
// "Custom Headers from Tool Parameters"): what an McpServer says a tools/call mirrors, checked by
// streamableHttp over real HTTP on 127.0.0.1, on both faces (node and fetch).

const server = (): McpServer =>
  mcpServer({
    info: { name: 'mirrored', version: '1.0.0' },
    tools: [
      tool({
        name: 'sql',
        description: 'Runs where it is told',
        inputSchema: {
          type: 'object',
          properties: {
            region: { type: 'string', 'x-mcp-header': 'Region' },
            shard: { type: 'integer', 'x-mcp-header': 'Shard' },
            dry: { type: 'boolean', 'x-mcp-header': 'Dry' },
            where: { type: 'object', properties: { zone: { type: ['string', 'null'], 'x-mcp-header': 'Zone' } } },
            query: { type: 'string' },
          },
        },
        run: (args) => Promise.resolve(JSON.stringify(args)),
      }),
      tool({ name: 'plain', description: 'Mirrors nothing', run: () => Promise.resolve('plain') }),
    ],
  });

const call = (id: number, name: string, args: Record<string, unknown>, extra: Record<string, string> = {}) => {
  const { body, headers } = request2026(id, 'tools/call', { name, arguments: args }, name);
  return { body, headers: { ...headers, ...extra } };
};

for (const face of ['node', 'fetch'] as const) {
  describe(`streamableHttp(mcpServer), Mcp-Param-* headers (${face} face)`, function () {
    this.timeout(10_000);
    let s: Running;
    beforeEach(async () => (s = await start(server(), face)));
    afterEach(async () => s.stop());

    const send = async (c: { body: unknown; headers: Record<string, string> }): Promise<{ status: number; message: Record<string, unknown> }> => {
      const r = await post(s.url, c.body, c.headers);
      return { status: r.status, message: rec(JSON.parse(r.text)) };
    };
    const expectRefused = async (c: { body: unknown; headers: Record<string, string> }, why: RegExp): Promise<void> => {
      const { status, message } = await send(c);
      expect(status, JSON.stringify(message)).to.equal(400);
      expect(rec(message['error'])['code']).to.equal(ErrorCodes.HeaderMismatch);
      expect(String(rec(message['error'])['message'])).to.match(why);
      expect(message['id']).to.equal(c.body !== null && typeof c.body === 'object' ? rec(c.body)['id'] : undefined);
    };
    const expectServed = async (c: { body: unknown; headers: Record<string, string> }): Promise<void> => {
      const { status, message } = await send(c);
      expect(status, JSON.stringify(message)).to.equal(200);
      expect(message['error']).to.equal(undefined);
      expect(rec(message['result'])['isError']).to.equal(undefined);
    };

    it('should serve a call whose headers mirror its arguments, plain or Base64, names in any case', async () => {
      await expectServed(call(1, 'sql', { region: 'us-west1', shard: 7, dry: true, where: { zone: 'b' } }, { 'Mcp-Param-Region': 'us-west1', 'mcp-param-shard': '7', 'MCP-PARAM-DRY': 'true', 'Mcp-Param-Zone': 'b' }));
      await expectServed(call(2, 'sql', { region: 'Hello, 世界' }, { 'mcp-param-region': encodeHeaderValue('Hello, 世界') }));
      await expectServed(call(3, 'sql', { region: 'Hello' }, { 'mcp-param-region': '=?base64?SGVsbG8=?=' }));
    });

    it('should read a value without both markers as literal', async () => {
      await expectServed(call(1, 'sql', { region: 'SGVsbG8=' }, { 'mcp-param-region': 'SGVsbG8=' }));
      await expectServed(call(2, 'sql', { region: '=?base64?SGVsbG8=' }, { 'mcp-param-region': '=?base64?SGVsbG8=' }));
    });

    it('should compare an integer numerically', async () => {
      await expectServed(call(1, 'sql', { shard: 42 }, { 'mcp-param-shard': '42.0' }));
      await expectRefused(call(2, 'sql', { shard: 42 }, { 'mcp-param-shard': '0x2a' }), /Mcp-Param-Shard header value '0x2a' does not match body value '42'/);
    });

    it('should expect no header for a value that is null or absent', async () => {
      await expectServed(call(1, 'sql', { query: 'select 1' }));
      await expectServed(call(2, 'sql', { region: null, where: { zone: null } }));
      await expectServed(call(3, 'sql', {}));
    });

    it('should refuse a value in the body without its header', async () => {
      await expectRefused(call(1, 'sql', { region: 'test-value' }), /the Mcp-Param-Region header is required/);
      await expectRefused(call(2, 'sql', { where: { zone: 'b' } }), /the Mcp-Param-Zone header is required/);
    });

    it('should refuse a header whose value the body does not have', async () => {
      await expectRefused(call(1, 'sql', {}, { 'mcp-param-region': 'eu' }), /Mcp-Param-Region header value 'eu' has no value in the body/);
      await expectRefused(call(2, 'sql', { region: null }, { 'mcp-param-region': 'eu' }), /has no value in the body/);
    });

    it('should refuse a header that differs from its value, once decoded', async () => {
      await expectRefused(call(1, 'sql', { region: 'us-west1' }, { 'mcp-param-region': 'us-east1' }), /Mcp-Param-Region header value 'us-east1' does not match body value 'us-west1'/);
      await expectRefused(call(2, 'sql', { region: 'Hello' }, { 'mcp-param-region': encodeHeaderValue('Hellö') }), /does not match/);
      await expectRefused(call(3, 'sql', { dry: false }, { 'mcp-param-dry': 'False' }), /does not match/);
    });

    it('should refuse Base64 that is not strict', async () => {
      await expectRefused(call(1, 'sql', { region: 'Hello' }, { 'mcp-param-region': '=?base64?SGVsbG8?=' }), /Mcp-Param-Region header is not a valid value/);
      await expectRefused(call(2, 'sql', { region: 'Hello' }, { 'mcp-param-region': '=?base64?SGVs!!!bG8=?=' }), /not a valid value/);
    });

    it('should refuse a value no header could mirror', async () => {
      await expectRefused(call(1, 'sql', { region: { nested: true } }, { 'mcp-param-region': 'x' }), /not a string, integer or boolean/);
    });

    it('should ignore Mcp-Param-* headers a tool does not declare, and check nothing for other methods', async () => {
      await expectServed(call(1, 'plain', { region: 'eu' }, { 'mcp-param-region': 'elsewhere' }));
      const list = request2026(2, 'tools/list');
      const r = await post(s.url, list.body, { ...list.headers, 'mcp-param-region': 'x' });
      expect(r.status).to.equal(200);
    });

    it('should refuse a header far longer than its value, quoting it bounded', async () => {
      // 12 KB: under node's 16 KiB header limit, so both faces read it, and neither decodes it
      const long = `=?base64?${'QUFB'.repeat(3_000)}?=`;
      const { status, message } = await send(call(1, 'sql', { region: 'Hello' }, { 'mcp-param-region': long }));
      expect(status).to.equal(400);
      expect(rec(message['error'])['code']).to.equal(ErrorCodes.HeaderMismatch);
      expect(String(rec(message['error'])['message']).length).to.be.below(300);
    });
  });
}
