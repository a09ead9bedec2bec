#!/usr/bin/env bash
# Build the package: the ESM build (dist/), the CommonJS build (dist/cjs/, for require() and for
# CommonJS consumers whose TypeScript resolves with `module: node16`, which cannot require an
# ES module's types), and the example server's bin. Each build has its own declarations.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
npx --no-install tsc -p tsconfig.build.json
npx --no-install tsc -p tsconfig.cjs.json
# the package is "type": "module"; this marks dist/cjs/ as CommonJS for Node and for TypeScript
printf '{ "type": "commonjs" }\n' > dist/cjs/package.json
npx --no-install tsc -p tsconfig.bin.json
# the bin's examples import the library as '../lib/…': point them at the build above instead of
# shipping a second copy of it (dist/bin/examples/../../ is dist/)
sed -i.orig "s#from '\.\./lib/#from '../../#g" dist/bin/examples/*.js
rm -rf dist/bin/lib dist/bin/examples/*.orig
