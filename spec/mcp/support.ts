// What the MCP client specs share: the library's public surface, and the event filter of spec/.
export * from '../../lib/index.js';
export * from '../../lib/mcp.js';
export * from '../../lib/codecs.js';
export * from '../../lib/http.js';
export * from '../../lib/stdio.js';
export { ofType } from '../helpers.js';
