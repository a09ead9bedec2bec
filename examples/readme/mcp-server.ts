import * as t from 'io-ts';
import { connect } from '../../lib/index.js';
import { mcpServer, tool } from '../../lib/mcp.js';
import { ndjson } from '../../lib/stdio.js';

// arguments checked by an io-ts codec (or zod, or any Standard Schema); the JSON Schema follows
const echo = tool({
  name: 'echo',
  description: 'Says the text back',
  args: t.type({ text: t.string }),
  run: ({ text }, ctx) => (ctx.onCleanup(() => void process.stderr.write(`echo #${ctx.requestId} ended\n`)), Promise.resolve(text)),
});

// both protocol eras on stdio; `streamableHttp(server).handle` serves the same over HTTP
const server = mcpServer({ info: { name: 'echo-server', version: '1.0.0' }, tools: [echo] });
connect(ndjson(process.stdin, process.stdout), server);
