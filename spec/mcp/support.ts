// What the MCP client specs share: the library's public surface, and the event filter of spec/.
export * from '../../lib/index.js';
export { ofType } from '../helpers.js';
