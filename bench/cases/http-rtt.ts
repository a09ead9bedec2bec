// The HTTP round trip: one side's Streamable HTTP server on node:http at 127.0.0.1, and in the
// same process the one load generator of ./support/http.ts (node's `http.request`, keep-alive,
// one socket per call in flight), `inflight` echo `tools/call` POSTs kept in flight: each answer
// starts the next. `--era=2026`: each POST carries the 2026-07-28 headers and `_meta`, no session;
// `--era=2025`: one `initialize` + `notifications/initialized` opens a 2025-11-25 session, then
// every call is a POST with its `Mcp-Session-Id`. Client and server share the process's CPU: the
// figure is µs per call of both, and only the server differs between the sides.
import { args, fullGc, intArg, main, now, report, sideOf } from '../support/child.js';
import { HttpLoad, Tally, echoWindow, floorServer, makeHttpServer, type HttpEra } from '../support/http.js';

main(async () => {
  const a = args();
  const side = sideOf(a);
  const era = (a.get('era') ?? '2026') as HttpEra;
  if (era !== '2026' && era !== '2025') throw new Error(`--era=2026|2025, got ${era}`);
  const inflight = intArg(a, 'inflight', 16);
  const count = intArg(a, 'count', 5_000);
  const warmup = intArg(a, 'warmup', 2_000);
  // `--server=floor`: bare node:http instead of the side's MCP server (see floorServer)
  const floor = a.get('server') === 'floor';
  const server = floor ? await floorServer(new Tally()) : await makeHttpServer(side, era, new Tally());
  const load = new HttpLoad(server.port, era, inflight);
  if (era === '2025') await load.open();
  // the full collection before the warm-up (see rtt.ts)
  await fullGc();
  await echoWindow(load, warmup, inflight);
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await echoWindow(load, count, inflight);
  const ms = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  load.close();
  await server.close();
  report({ perCallNs: (ms * 1e6) / count, callsPerSecond: (count * 1000) / ms }, { side, era, floor, inflight, count, session: load.sessionId !== undefined, answer: load.lastType, cpuPerCallUs: (cpu.user + cpu.system) / count, systemPerCallUs: cpu.system / count });
});
