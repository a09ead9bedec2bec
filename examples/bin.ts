#!/usr/bin/env node
// `mcp-rx-cancel-example`: the example MCP server, for any MCP client's configuration, from any
// folder, with no tsx: stdio by default (examples/stdio-server.ts), or Streamable HTTP with
// `--http [port]` (examples/http-server.ts, both eras; default port 3000).
//
//   { "command": "npx", "args": ["-y", "mcp-rx-cancel-example"] }
const http = process.argv.indexOf('--http');
if (http === -1) {
  await import('./stdio-server.js');
} else {
  const given = process.argv[http + 1];
  const port = given !== undefined && /^\d+$/.test(given) ? given : '3000';
  // the HTTP server reads `--port N`
  process.argv.splice(2, process.argv.length - 2, '--port', port);
  await import('./http-server.js');
}
