/**
 * The official MCP TypeScript SDK's transports (stdio client and server, Streamable HTTP,
 * in-memory) as transports of this library. Needs `@modelcontextprotocol/sdk` installed.
 *
 * @example
 * ```ts
 * import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
 * import { connect } from 'mcp-rx-cancel';
 * import { fromSdkTransport } from 'mcp-rx-cancel/sdk';
 *
 * const { peer } = connect(fromSdkTransport(new StdioServerTransport()), { handlers });
 * ```
 *
 * @module mcp-rx-cancel/sdk
 */

export { fromSdkTransport, type SdkTransport, type SdkWireTransport, type SdkSendOptions } from './transport/sdk.js';
