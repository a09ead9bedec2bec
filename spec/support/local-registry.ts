import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

// An npm registry on 127.0.0.1 that has one package more than the real one: the tarball
// `npm pack` just made. Every other request (packuments, tarballs of rxjs, io-ts, ...) is passed
// through to the upstream registry. With it, `npx -y --package=mcp-rx-cancel ...` resolves our
// package as it will once published: from an empty folder, nothing installed beforehand.

export interface LocalRegistry {
  /** The registry's URL, ending in `/`, for `registry=` in an .npmrc. */
  readonly url: string;
  /** How many times our own package (packument or tarball) was asked for. */
  readonly served: () => number;
  readonly close: () => Promise<void>;
}

interface Packed {
  readonly name: string;
  readonly version: string;
  readonly manifest: Record<string, unknown>;
  readonly tarball: Buffer;
}

const packument = (p: Packed, url: string): string => {
  const file = `${p.name}-${p.version}.tgz`;
  const dist = {
    tarball: `${url}${p.name}/-/${file}`,
    shasum: createHash('sha1').update(p.tarball).digest('hex'),
    integrity: `sha512-${createHash('sha512').update(p.tarball).digest('base64')}`,
  };
  return JSON.stringify({
    name: p.name,
    'dist-tags': { latest: p.version },
    versions: { [p.version]: { ...p.manifest, _id: `${p.name}@${p.version}`, dist } },
  });
};

const passThrough = async (req: IncomingMessage, res: ServerResponse, upstream: string): Promise<void> => {
  const headers: Record<string, string> = {};
  for (const h of ['accept', 'accept-encoding', 'npm-command', 'user-agent']) {
    const v = req.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  const r = await fetch(new URL(req.url ?? '/', upstream), { headers, redirect: 'follow' });
  const out: Record<string, string> = {};
  for (const h of ['content-type', 'content-encoding', 'etag', 'last-modified']) {
    const v = r.headers.get(h);
    if (v !== null) out[h] = v;
  }
  res.writeHead(r.status, out);
  if (r.body === null) return void res.end();
  Readable.fromWeb(r.body as WebReadableStream<Uint8Array>).pipe(res);
};

/**
 * Serves `tarball` (a file `npm pack` wrote; its package.json is `manifest`) under its name, and
 * passes everything else to `upstream` (the registry npm uses here by default).
 */
export const startLocalRegistry = async (
  tarballPath: string,
  manifest: Record<string, unknown> & { readonly name: string; readonly version: string },
  upstream = 'https://registry.npmjs.org/',
): Promise<LocalRegistry> => {
  const packed: Packed = { name: manifest.name, version: manifest.version, manifest, tarball: readFileSync(tarballPath) };
  let served = 0;
  let url = '';
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    if (path === `/${packed.name}`) {
      served += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(packument(packed, url));
    } else if (path === `/${packed.name}/-/${packed.name}-${packed.version}.tgz`) {
      served += 1;
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(packed.tarball);
    } else {
      passThrough(req, res, upstream).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(e));
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    served: () => served,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
};
