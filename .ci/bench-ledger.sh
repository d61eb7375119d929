#!/usr/bin/env bash
# The 100k-decision ledger figures of issue 12 (item 3), for `make bench`:
# open + apply, one decision written, and the peak RSS of `secui summary`
# with the ledger against the same run without it. The ledger is a real bulk
# suppression over a gensarif log (built once and cached in $TMPDIR by
# BenchmarkLedger100k in cmd/secui), measured as one file (v2) and sharded
# (v3, a copy upgraded with secui ledger --upgrade). Wall times on a shared machine mostly
# measure the neighbours; cpu-ms/op is the process CPU time per operation.
#
#   .ci/bench-ledger.sh            # BENCHTIME=3x by default
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
SHARED=${SHARED:-../shared}
export SECUI_SHARED=${SECUI_SHARED:-$(cd "$SHARED" 2>/dev/null && pwd || echo "$SHARED")}
out=$("$GO" test -run='^$' -bench='^BenchmarkLedger100k$' -benchtime="${BENCHTIME:-3x}" ./cmd/secui 2>&1) || {
	echo "$out" >&2
	exit 1
}
echo "$out" | grep -E '^(Benchmark|--- SKIP|    )' || true
echo "$out" | awk '
function get(name) { for (i = 1; i < NF; i++) if ($(i+1) == name) return $i; return 0 }
/Ledger100k\/open\+apply-/ { fmt = "ledger 100k  open+apply      wall %.2f s  cpu %.2f s   (target <= 0.3 s)%s\n" }
/Ledger100k\/decide-one-/ { fmt = "ledger 100k  one decision    wall %.2f s  cpu %.2f s   (target <= 0.2 s)%s\n" }
/Ledger100k\/(open\+apply|decide-one)-/ {
	kind = ($1 ~ /-sharded-/) ? "  sharded (v3)" : "  one file (v2)"
	printf fmt, get("ns/op") / 1e9, get("cpu-ms/op") / 1e3, kind }
/Ledger100k\/summary-rss/ {
	printf "ledger 100k  summary RSS     %.0f MB vs %.0f MB without: %.2fx (target <= 1.5x); cpu %.2f s vs %.2f s  one file (v2)\n", get("ledger-RSS-MB"), get("noledger-RSS-MB"), get("RSS-ratio"), get("ledger-cpu-s"), get("noledger-cpu-s")
	printf "ledger 100k  summary RSS     %.0f MB vs %.0f MB without: %.2fx (target <= 1.5x); cpu %.2f s vs %.2f s  sharded (v3)\n", get("sharded-RSS-MB"), get("noledger-RSS-MB"), get("sharded-RSS-ratio"), get("sharded-cpu-s"), get("noledger-cpu-s") }
'
