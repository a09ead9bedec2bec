#!/usr/bin/env bash
# Pack the package and use it as a new user would, from a fresh project that installs only the
# tarball (and rxjs): every subpath imported from ESM and required from CommonJS at run time, and
# type-checked as a consumer of each module setting (ESM nodenext and bundler, CommonJS node16
# and nodenext); each optional peer needed by its own subpath only; source maps resolving.
# Usage: scripts/check-package.sh (after `npm run build`; `npm pack` builds again anyway).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -n 1)
echo "packed $tarball: $(du -k "$tmp/$tarball" | cut -f1) KB"
cd "$tmp"
npm init -y >/dev/null
npm pkg set type=module >/dev/null
npm install --no-audit --no-fund "./$tarball" rxjs@7 >/dev/null

# ---- run time: one representative value of each subpath, from ESM and from CommonJS ----------
# /open-telemetry comes last: it needs @opentelemetry/api, which is installed just before it
cat > subpaths.cjs <<'JS'
module.exports = [
  ['mcp-rx-cancel', ['createPeer', 'serve', 'connect', 'CancellationManager', 'ConnectionClosedError']],
  ['mcp-rx-cancel/mcp', ['mcpServer', 'mcpClient', 'tool']],
  ['mcp-rx-cancel/gateway', ['mcpGateway']],
  ['mcp-rx-cancel/http', ['streamableHttp', 'streamableHttpClient', 'memorySessions']],
  ['mcp-rx-cancel/stdio', ['ndjson', 'connect']],
  ['mcp-rx-cancel/sdk', ['fromSdkTransport']],
  ['mcp-rx-cancel/redis', ['redisBus', 'redisSessions']],
  ['mcp-rx-cancel/codecs', ['decodeMessage', 'JsonRpcMessage']],
];
JS
cat > run.mjs <<'JS'
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const subpaths = require('./subpaths.cjs');
for (const [path, names] of subpaths) {
  const esm = await import(path);
  const cjs = require(path);
  for (const n of names) {
    if (esm[n] === undefined) throw new Error(`import('${path}').${n} is missing`);
    if (cjs[n] === undefined) throw new Error(`require('${path}').${n} is missing`);
  }
}
// the core works: two peers, one round trip
const { createPeer } = await import('mcp-rx-cancel');
const { Subject, firstValueFrom } = await import('rxjs');
const aIn = new Subject(), bIn = new Subject();
const server = createPeer(aIn, { handlers: { ping: () => Promise.resolve({ pong: true }) } });
const client = createPeer(bIn);
server.outgoing$.subscribe((m) => bIn.next(m));
client.outgoing$.subscribe((m) => aIn.next(m));
if ((await firstValueFrom(client.request('ping'))).pong !== true) throw new Error('no pong');
// the CommonJS build is its own copy (the dual-package rule): it works on its own too
const cjsPeer = require('mcp-rx-cancel').createPeer;
if (cjsPeer === createPeer) throw new Error('expected the CommonJS build to be a separate file');
console.log(`run time: ${subpaths.length} subpaths import and require, without ioredis, the SDK or @opentelemetry/api installed`);
JS
node run.mjs
echo "== /open-telemetry needs @opentelemetry/api (an optional peer), and loads once it is installed"
node -e "try { require('mcp-rx-cancel/open-telemetry'); } catch (e) { if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') { if (!String(e.message).includes('@opentelemetry/api')) throw e; console.log('without the api: not found, as expected'); process.exit(0); } throw e; } throw new Error('the subpath loaded without @opentelemetry/api: it should need it');"
npm install --no-audit --no-fund @opentelemetry/api@1 >/dev/null
node --input-type=module -e "const o = await import('mcp-rx-cancel/open-telemetry'); if (typeof o.toOpenTelemetry !== 'function') throw new Error('import: open-telemetry');"
node -e "const o = require('mcp-rx-cancel/open-telemetry'); if (typeof o.toOpenTelemetry !== 'function' || typeof o.tracePropagation !== 'function') throw new Error('require: open-telemetry'); console.log('with the api: import and require ok')"

# ---- types: a consumer of every subpath, for each module setting ------------------------------
consumer() {
  cat <<'TS'
import { createPeer, connect, ConnectionClosedError, type Peer, type PeerEvent, type Handler } from 'mcp-rx-cancel';
import { mcpServer, mcpClient, tool, type McpServer, type McpClient } from 'mcp-rx-cancel/mcp';
import { mcpGateway, type McpGateway } from 'mcp-rx-cancel/gateway';
import { streamableHttp, streamableHttpClient, type StreamableHttp, type SessionStore } from 'mcp-rx-cancel/http';
import { ndjson, DEFAULT_MAX_LINE_BYTES } from 'mcp-rx-cancel/stdio';
import { fromSdkTransport, type SdkTransport } from 'mcp-rx-cancel/sdk';
import { redisBus, redisSessions, type RedisBusOptions } from 'mcp-rx-cancel/redis';
import { decodeMessage, JsonRpcMessage, type ProtocolEra } from 'mcp-rx-cancel/codecs';
import { toOpenTelemetry, type OpenTelemetryOptions } from 'mcp-rx-cancel/open-telemetry';
import { EMPTY } from 'rxjs';

const handler: Handler = () => Promise.resolve({ ok: true });
const peer: Peer = createPeer(EMPTY, { handlers: { ok: handler } });
const describe = (e: PeerEvent): string => e.type;
const server: McpServer = mcpServer({ info: { name: 'x', version: '1' }, tools: [tool({ name: 't', description: 'd', run: () => Promise.resolve('ok') })] });
const http: StreamableHttp = streamableHttp(server);
const era: ProtocolEra = '2026-07-28';
const closed: boolean = new ConnectionClosedError('gone') instanceof Error;
const decoded: boolean = decodeMessage({ jsonrpc: '2.0', id: 1, method: 'ping' })._tag === 'Right' && JsonRpcMessage.is({});
const lines: number = DEFAULT_MAX_LINE_BYTES;
type Uses = [typeof mcpGateway, McpGateway, typeof connect, typeof mcpClient, McpClient, typeof streamableHttpClient, SessionStore, typeof ndjson,
  typeof fromSdkTransport, SdkTransport, typeof redisBus, typeof redisSessions, RedisBusOptions, typeof toOpenTelemetry, OpenTelemetryOptions];
const uses: Uses | undefined = undefined;
export { peer, describe, http, era, closed, decoded, lines, uses };
TS
}
tsc_in() {
  # the repository's TypeScript and Node types, the consumer's node_modules for everything else
  (cd "$tmp" && "$root/node_modules/.bin/tsc" --noEmit --strict --skipLibCheck false --types node --typeRoots "$root/node_modules/@types" "$@")
}
consumer > esm.ts
consumer > cjs.cts
tsc_in --module nodenext --moduleResolution nodenext esm.ts && echo "types: ESM, nodenext: ok"
tsc_in --module esnext --moduleResolution bundler esm.ts && echo "types: ESM, bundler: ok"
tsc_in --module node16 --moduleResolution node16 cjs.cts && echo "types: CommonJS, node16: ok"
tsc_in --module nodenext --moduleResolution nodenext cjs.cts && echo "types: CommonJS, nodenext: ok"

echo "== source maps of the packed package resolve: every source they name (the TypeScript in lib/) is shipped"
(cd "$tmp/node_modules/mcp-rx-cancel" && node -e "
const fs = require('fs'), path = require('path');
const maps = []; const walk = (d) => { for (const f of fs.readdirSync(d)) { const p = path.join(d, f); if (fs.statSync(p).isDirectory()) walk(p); else if (p.endsWith('.map')) maps.push(p); } };
walk('dist');
for (const m of maps) {
  const j = JSON.parse(fs.readFileSync(m, 'utf8'));
  for (const s of j.sources) if (!fs.existsSync(path.join(path.dirname(m), s))) throw new Error(m + ': ' + s + ' is not in the package');
}
console.log('source maps: ' + maps.length + ' resolve');
")
