// The child of the stdio round trips: an MCP server on this process's stdin and stdout (NDJSON
// over pipes), serving the `echo` tool of ./calls.ts. `--side=ours`: our mcpServer over ndjson;
// `--side=sdk`: the SDK v1's Server over its StdioServerTransport.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import * as t from 'io-ts';
import { connect } from '../../lib/index.js';
import { mcpServer, tool } from '../../lib/mcp.js';
import { ndjson } from '../../lib/stdio.js';
import { args } from './child.js';

const side = args().get('side') ?? 'ours';
if (side === 'ours') {
  const server = mcpServer({ info: { name: 'bench', version: '1' }, tools: [tool({ name: 'echo', args: t.UnknownRecord, run: () => Promise.resolve({ content: [] }) })] });
  const limits = { maxInFlight: 10_000, maxPendingRequests: 10_000, security: { maxCancellationsPerSecond: 1e12, burst: 1e12 } };
  const { subscription } = connect(ndjson(process.stdin, process.stdout), { ...server, ...limits });
  process.stdin.on('end', () => subscription.unsubscribe());
} else {
  const server = new Server({ name: 'bench', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(CallToolRequestSchema, async () => ({ content: [] }));
  await server.connect(new StdioServerTransport());
}
