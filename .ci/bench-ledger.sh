#!/usr/bin/env bash
# The 100k-decision ledger figures of issue 12 (item 3), for `make bench`:
# open + apply, one decision written, and the peak RSS of `secui summary`
# with the ledger against the same run without it. The ledger is a real bulk
# suppression over a gensarif log (built once and cached in $TMPDIR by
# BenchmarkLedger100k in cmd/secui). Wall times on a shared machine mostly
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
/Ledger100k\/open\+apply/ { for (i = 1; i < NF; i++) { if ($(i+1) == "ns/op") w = $i / 1e9; if ($(i+1) == "cpu-ms/op") c = $i / 1e3 }
	printf "ledger 100k  open+apply      wall %.2f s  cpu %.2f s   (target <= 0.3 s)\n", w, c }
/Ledger100k\/decide-one/ { for (i = 1; i < NF; i++) { if ($(i+1) == "ns/op") w = $i / 1e9; if ($(i+1) == "cpu-ms/op") c = $i / 1e3 }
	printf "ledger 100k  one decision    wall %.2f s  cpu %.2f s   (target <= 0.2 s)\n", w, c }
/Ledger100k\/summary-rss/ { for (i = 1; i < NF; i++) { m[$(i+1)] = $i }
	printf "ledger 100k  summary RSS     %.0f MB vs %.0f MB without: %.2fx (target <= 1.5x); cpu %.2f s vs %.2f s\n", m["ledger-RSS-MB"], m["noledger-RSS-MB"], m["RSS-ratio"], m["ledger-cpu-s"], m["noledger-cpu-s"] }
'
