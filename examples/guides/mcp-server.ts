import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import * as t from 'io-ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { interval, last, map, take, tap } from 'rxjs';
import { z } from 'zod';
import { streamableHttp } from '../../lib/http.js';
import { mcpServer, prompt, resource, resourceTemplate, tool } from '../../lib/mcp.js';

// An MCP server built on mcpServer: two tools (arguments checked by io-ts and by zod), a prompt
// with completion, a resource and a template, served in both eras on one HTTP endpoint. The
// official SDK clients use it: v1 in 2025-11-25, v2 pinned to 2026-07-28; each cancels a long
// tool call midway, and the tool's cleanup runs once.
// Run: npx tsx examples/guides/mcp-server.ts

const print = (line: string): void => void process.stdout.write(`${line}\n`);

// the cleanups that ran, so the clients below can wait for the server's
let cleanups = 0;
const cleaned = async (n: number): Promise<void> => {
  while (cleanups < n) await new Promise((r) => setTimeout(r, 5));
};

// a tool whose arguments an io-ts codec checks: its JSON Schema is derived from the codec
const count = tool({
  name: 'count',
  description: 'Counts to `to`, one step every 20 ms, reporting progress',
  args: t.type({ to: t.number }),
  run: ({ to }, ctx) => {
    ctx.onCleanup(() => {
      cleanups += 1;
      print(`server  count #${String(ctx.requestId)} cleaned up (${ctx.signal.aborted ? `cancelled, source: ${(ctx.signal.reason as { source: string }).source}` : 'done'})`);
    });
    return interval(20).pipe(
      take(to),
      tap((i) => ctx.progress(i + 1, to)),
      last(),
      map(() => `counted to ${to}`),
    );
  },
});

// a tool whose arguments zod checks (any Standard Schema validator fits); zod 4.2+ gives its JSON Schema too
const forecast = tool({
  name: 'forecast',
  description: 'The weather to come in a city',
  args: z.object({ city: z.string().min(1), days: z.number().int().min(1).max(7).default(1) }),
  run: ({ city, days }) => Promise.resolve(`${city}: sunny for ${days} day(s)`),
});

const greeting = prompt({
  name: 'greeting',
  description: 'Greets someone in a language',
  args: t.type({ name: t.string, language: t.string }),
  complete: { language: (value) => ['English', 'French', 'German'].filter((l) => l.toLowerCase().startsWith(value.toLowerCase())) },
  get: ({ name, language }) => Promise.resolve(`Greet ${name} in ${language}.`),
});

const server = mcpServer({
  info: { name: 'guide-server', version: '1.0.0' },
  tools: [count, forecast],
  prompts: [greeting],
  resources: [resource({ uri: 'guide://readme', name: 'readme', mimeType: 'text/plain', read: () => Promise.resolve('Read me first.') })],
  resourceTemplates: [resourceTemplate({ uriTemplate: 'guide://cities/{city}', name: 'city', mimeType: 'text/plain', read: (_uri, { city }) => Promise.resolve(`All about ${city ?? ''}`) })],
});

const mcp = streamableHttp(server);
const http = createServer((req, res) => void mcp.handle(req, res));
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
print(`server  listening on ${url.href}`);

/** What both SDK clients share: call a tool with a signal and progress. */
interface Caller {
  callTool(params: { name: string; arguments: Record<string, unknown> }, options: { signal: AbortSignal; onprogress: (p: { progress: number }) => void }): Promise<unknown>;
}

// start `count` to 100 and abort it at its third progress: the cancel, in the client's era
const cancelMidway = async (client: Caller, who: string): Promise<void> => {
  const ac = new AbortController();
  const outcome = await client.callTool({ name: 'count', arguments: { to: 100 } }, { signal: ac.signal, onprogress: (p) => void (p.progress >= 3 && ac.abort('enough')) }).then(
    () => 'answered',
    () => 'aborted',
  );
  print(`${who}  count: ${outcome} at progress 3`);
};

// 2025-11-25: the official SDK v1 client (initialize, a session, notifications/cancelled)
const v1 = new ClientV1({ name: 'guide-v1', version: '1.0.0' });
await v1.connect(new HttpV1(url));
print(`2025  tools: ${(await v1.listTools()).tools.map((x) => x.name).join(', ')}`);
print(`2025  forecast: ${JSON.stringify((await v1.callTool({ name: 'forecast', arguments: { city: 'Paris' } })).content)}`);
print(`2025  bad arguments: ${JSON.stringify(await v1.callTool({ name: 'forecast', arguments: { city: '' } }))}`);
print(`2025  completion: ${(await v1.complete({ ref: { type: 'ref/prompt', name: 'greeting' }, argument: { name: 'language', value: 'fr' } })).completion.values.join(', ')}`);
print(`2025  template: ${JSON.stringify((await v1.readResource({ uri: 'guide://cities/Lyon' })).contents)}`);
await cancelMidway({ callTool: (p, o) => v1.callTool(p, undefined, o) }, '2025');
await cleaned(1);
await v1.close();

// 2026-07-28: the official SDK v2 client, pinned (server/discover, _meta on every request, and a
// cancel closes the request's stream)
const v2 = new ClientV2({ name: 'guide-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
await v2.connect(new HttpV2(url));
print(`2026  prompt: ${JSON.stringify((await v2.getPrompt({ name: 'greeting', arguments: { name: 'Ada', language: 'French' } })).messages)}`);
await cancelMidway({ callTool: (p, o) => v2.callTool(p, o) }, '2026');
await cleaned(2);
await v2.close();

// every cleanup ran once, and nothing is left in flight
print(`server  in flight: ${mcp.inFlight()}`);
await mcp.close();
http.close();
