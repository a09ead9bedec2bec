#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance), server scenarios, run
# against a server of ours over Streamable HTTP. The suite has no stdio server scenarios: it
# drives a server at a URL.
#
#   scripts/conformance.sh [--era 2025-11-25|2026-07-28|both] [--scenarios "a b ..."] [--] <server command...>
#   scripts/conformance.sh -- node --import tsx examples/http-server.ts
#
# It takes Node 22 from scripts/node22.sh (the suite's CLI needs it; the project itself runs on
# Node 20) and installs the pinned suite into a folder of its own (.cache/conformance, never the
# project's node_modules),
# starts the server command, waits for it to print `listening on http://HOST:PORT/PATH`, runs
# each scenario at its era's wire version, stops the server, prints one line per scenario, and
# exits non-zero if any scenario failed (or the server never listened).
#
# The default scenarios are every server scenario of each era, the tasks extension's (tasks-*, run
# at 2026-07-28 with --force: an extension is not on the spec's timeline, so the suite would skip
# them) included, except authorization (auth/*) and the skills extension, which the server under
# test does not offer. examples/conformance-server.ts serves their fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE_PKG=@modelcontextprotocol/conformance@0.2.0-alpha.12
DIR=.cache/conformance
READY_WITHIN_S=${CONFORMANCE_READY_WITHIN_S:-60}
SCENARIO_TIMEOUT_MS=${CONFORMANCE_SCENARIO_TIMEOUT_MS:-30000}
# checks the server under test cannot pass yet, each named (an empty list: every check counts)
BASELINE=${CONFORMANCE_BASELINE:-scripts/conformance-baseline.yml}
declare -A DEFAULTS=(
  [2025-11-25]="completion-complete dns-rebinding-protection elicitation-sep1034-defaults elicitation-sep1330-enums json-schema-2020-12 logging-set-level ping prompts-get-embedded-resource prompts-get-simple prompts-get-with-args prompts-get-with-image prompts-list resources-list resources-read-binary resources-read-text resources-subscribe resources-templates-read resources-unsubscribe server-initialize server-session-lifecycle server-sse-multiple-streams server-sse-polling tools-call-audio tools-call-elicitation tools-call-embedded-resource tools-call-error tools-call-image tools-call-mixed-content tools-call-sampling tools-call-simple-text tools-call-with-logging tools-call-with-progress tools-list"
  [2026-07-28]="caching completion-complete dns-rebinding-protection http-custom-header-server-validation http-header-validation input-required-result-basic-elicitation input-required-result-basic-list-roots input-required-result-basic-sampling input-required-result-capability-check input-required-result-ignore-extra-params input-required-result-missing-input-response input-required-result-multi-round input-required-result-multiple-input-requests input-required-result-non-tool-request input-required-result-request-state input-required-result-result-type input-required-result-tampered-state input-required-result-unsupported-methods input-required-result-validate-input json-schema-2020-12 prompts-get-embedded-resource prompts-get-simple prompts-get-with-args prompts-get-with-image prompts-list resources-list resources-read-binary resources-read-text resources-templates-read sep-2164-resource-not-found server-sse-multiple-streams server-stateless tools-call-audio tools-call-embedded-resource tools-call-error tools-call-image tools-call-mixed-content tools-call-simple-text tools-call-with-progress tools-list tasks-capability-negotiation tasks-dispatch-and-envelope tasks-lifecycle tasks-mrtr-composition tasks-mrtr-input tasks-request-headers tasks-request-state-removal tasks-required-task-error tasks-status-notifications tasks-wire-fields"
)

era=both
scenarios=''
while [ $# -gt 0 ]; do
  case "$1" in
    --era) era=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "conformance: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--era 2025-11-25|2026-07-28|both] [--scenarios \"a b\"] [--] <server command...>" >&2; exit 2; }
case "$era" in
  both) eras='2025-11-25 2026-07-28' ;;
  2025-11-25|2026-07-28) eras=$era ;;
  *) echo "conformance: --era must be 2025-11-25, 2026-07-28 or both" >&2; exit 2 ;;
esac
# ---- Node 22 (scripts/node22.sh) and the suite, pinned, in folders of their own -----------------
NODE22=$(scripts/node22.sh)
if [ "$(cat "$DIR/.installed" 2>/dev/null || true)" != "$SUITE_PKG" ]; then
  echo "== installing $SUITE_PKG into $DIR"
  rm -rf "$DIR/node_modules" "$DIR/package.json" "$DIR/package-lock.json" "$DIR/.installed"
  mkdir -p "$DIR"
  npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error "$SUITE_PKG" >/dev/null
  echo "$SUITE_PKG" > "$DIR/.installed"
fi
SUITE="$PWD/$DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js"
echo "== $("$NODE22" --version), conformance $("$NODE22" "$SUITE" --version)"

# ---- the server under test --------------------------------------------------------------------
log=$(mktemp)
# a process group of its own, so that stopping it stops what it spawned (npx, tsx) and nothing else
setsid "$@" >"$log" 2>&1 </dev/null &
server=$!
stop() {
  kill -TERM -- "-$server" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$server" 2>/dev/null || true
  rm -f "$log"
}
trap stop EXIT

url=''
for _ in $(seq 1 $((READY_WITHIN_S * 10))); do
  url=$(grep -m1 -oE 'listening on https?://[^[:space:]]+' "$log" | sed 's/^listening on //' || true)
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { echo "conformance: the server exited before it listened:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "conformance: no 'listening on' line within ${READY_WITHIN_S} s:" >&2; cat "$log" >&2; exit 1; }
echo "== server: $* (pid $server) at $url"

# ---- the scenarios, one run each, at their era's wire -----------------------------------------
results="$DIR/results/$(date +%Y%m%dT%H%M%S)"
mkdir -p "$results"
failed=0
summary=()
for e in $eras; do
  for s in ${scenarios:-${DEFAULTS[$e]}}; do
    out="$results/$e-$s.txt"
    # an extension's scenarios run where the extension lives (tasks: 2026-07-28 only); the suite skips them without --force
    force=()
    case "$s" in tasks-*) [ "$e" = 2026-07-28 ] && force=(--force) ;; esac
    if PATH="$(dirname "$NODE22"):$PATH" "$NODE22" "$SUITE" server --url "$url" --scenario "$s" --spec-version "$e" "${force[@]}" \
        --timeout "$SCENARIO_TIMEOUT_MS" --expected-failures "$BASELINE" -o "$results/$e-$s" >"$out" 2>&1; then
      summary+=("PASS  $e  $s")
    else
      summary+=("FAIL  $e  $s  (see $out)")
      failed=1
    fi
  done
done

echo "== results ($results)"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "== failing checks (those in the baseline included)"
  grep -hE '✗|FAILURE' "$results"/*.txt | sort -u || true
fi
exit "$failed"
