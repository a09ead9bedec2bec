#!/usr/bin/env bash
# The official Python MCP SDK, for the interop spec that runs it as a real peer
# (spec/transport/python-interop.spec.ts). Installed once, pinned to the 2.3 series, into a venv
# at .cache/python-mcp (never the system's Python); prints the path of the venv's `python`.
#
#   python=$(scripts/python-sdk.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
MCP_REQ='mcp==2.3.*'
DIR=.cache/python-mcp
PY="$PWD/$DIR/bin/python"
command -v python3 >/dev/null 2>&1 || { echo "python-sdk: python3 is not installed" >&2; exit 3; }
if [ "$(cat "$DIR/.installed" 2>/dev/null || true)" != "$MCP_REQ" ] || ! "$PY" -c 'import mcp' >/dev/null 2>&1; then
  echo "== installing $MCP_REQ into $DIR" >&2
  rm -rf "$DIR"
  python3 -m venv "$DIR"
  # --retries 1: an index that cannot be reached (an offline mirror beside it) costs seconds, not minutes
  "$PY" -m pip install --quiet --disable-pip-version-check --retries 1 "$MCP_REQ" >&2
  echo "$MCP_REQ" > "$DIR/.installed"
fi
echo "$PY"
