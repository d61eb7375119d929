#!/usr/bin/env bash
# `make bench`: secui's performance figures in one run, on this machine, as
# ratios to jq and go-sarif loading the same file.
#
#   load     `secui summary FILE` (load, classify, fingerprint, summarise) vs
#            `jq '.runs[].results|length' FILE` vs go-sarif (internal/bench/
#            gosarifload): median wall, CPU (user+sys) and peak RSS of
#            BENCH_RUNS paired runs at 10k and 100k results (1M: BENCH_1M=1;
#            jq and go-sarif at 1M need several GB: BENCH_1M_OTHERS=1).
#   console  the real binary in tmux (internal/bench/consoletime): first
#            frame, first finding row, all rows, 200 `j` presses.
#   go       Go benchmarks at 100k: load, cursor and filter (-benchtime=3x),
#            and the 100k-decision ledger (cmd/secui BenchmarkLedger100k, 1x).
#
# Environment: GO, BIN (bin/secui), SHARED (../shared), BENCH_DIR, BENCH_RUNS (3),
# BENCH_1M, BENCH_1M_OTHERS, BENCH_GO=0 to skip the Go benchmarks.
set -euo pipefail
cd "$(dirname "$0")/../.."
GO=${GO:-go}
BIN=${BIN:-bin/secui}
SHARED=${SHARED:-../shared}
RUNS=${BENCH_RUNS:-3}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/secui-bench}
mkdir -p "$dir"
command -v jq >/dev/null || { echo "bench: jq not found (apt-get install jq)" >&2; exit 1; }
command -v tmux >/dev/null || { echo "bench: tmux not found" >&2; exit 1; }
[ -d "$SHARED/tools/gensarif" ] || { echo "bench: $SHARED/tools/gensarif not found" >&2; exit 1; }
[ -x "$BIN" ] || "$GO" build -o "$BIN" ./cmd/secui
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
"$GO" build -o "$dir/gosarifload" ./internal/bench/gosarifload
"$GO" build -o "$dir/consoletime" ./internal/bench/consoletime

sizes="10000 100000"
[ "${BENCH_1M:-0}" = 1 ] && sizes="$sizes 1000000"
# The files the Go load benchmarks use too (findings/stream_test.go benchFile).
tmp=${TMPDIR:-/tmp}
for n in $sizes; do
	f="$tmp/secui-bench-$n.sarif"
	if [ ! -s "$f" ]; then
		echo "bench: generating $f" >&2
		(cd "$SHARED/tools/gensarif" && "$GO" run . -n "$n") >"$f.tmp"
		mv "$f.tmp" "$f"
	fi
done
# An empty repository: no ledger, nothing discovered.
repo="$dir/repo"
[ -d "$repo/.git" ] || { mkdir -p "$repo" && git -C "$repo" init -q; }

# measure NAME CMD...: one run; appends "wall cpu rssMB" to $dir/NAME.
measure() {
	local name=$1
	shift
	if ! (cd "$repo" && /usr/bin/time -f '%e %U %S %M' -o "$dir/time.txt" "$@" >/dev/null 2>"$dir/err.txt"); then
		echo "bench: $name failed:" >&2
		cat "$dir/err.txt" "$dir/time.txt" >&2
		exit 1
	fi
	awk '{printf "%.3f %.3f %.0f\n", $1, $2 + $3, $4 / 1024}' "$dir/time.txt" >>"$dir/$name"
}
# median FILE COLUMN
median() { sort -n -k"$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }

out="$dir/table.txt"
: >"$out"
row() { printf '%-34s %10s %10s %10s %10s %10s\n' "$@" >>"$out"; }
row "LOAD (median of paired runs)" "wall s" "CPU s" "RSS MB" "CPU/jq" "CPU/gosarif"
for n in $sizes; do
	f="$tmp/secui-bench-$n.sarif"
	size=$(du -mL "$f" | cut -f1)
	others=1
	[ "$n" = 1000000 ] && [ "${BENCH_1M_OTHERS:-0}" != 1 ] && others=0
	runs=$RUNS
	[ "$n" = 1000000 ] && runs=1
	rm -f "$dir"/secui.$n "$dir"/jq.$n "$dir"/gosarif.$n
	"$BIN" summary "$f" >/dev/null 2>&1 || true # warm the page cache
	for ((r = 0; r < runs; r++)); do
		measure secui.$n "$BIN" summary "$f"
		if [ $others = 1 ]; then
			measure jq.$n jq '.runs[].results|length' "$f"
			measure gosarif.$n "$dir/gosarifload" "$f"
		fi
	done
	for t in secui jq gosarif; do
		[ -s "$dir/$t.$n" ] || continue
		eval "${t}_w=$(median "$dir/$t.$n" 1) ${t}_c=$(median "$dir/$t.$n" 2) ${t}_m=$(median "$dir/$t.$n" 3)"
	done
	if [ $others = 1 ]; then
		row "secui summary $((n / 1000))k ($size MB)" "$secui_w" "$secui_c" "$secui_m" "$(ratio "$secui_c" "$jq_c")" "$(ratio "$secui_c" "$gosarif_c")"
		row "  jq $((n / 1000))k" "$jq_w" "$jq_c" "$jq_m" "1.00" "$(ratio "$jq_c" "$gosarif_c")"
		row "  go-sarif $((n / 1000))k" "$gosarif_w" "$gosarif_c" "$gosarif_m" "$(ratio "$gosarif_c" "$jq_c")" "1.00"
		row "  RSS secui/jq, secui/go-sarif" "" "" "" "$(ratio "$secui_m" "$jq_m")" "$(ratio "$secui_m" "$gosarif_m")"
	else
		row "secui summary $((n / 1000))k ($size MB)" "$secui_w" "$secui_c" "$secui_m" "-" "-"
	fi
	eval "w_$n=$secui_w c_$n=$secui_c"
done
if [ -n "${w_100000:-}" ] && [ -n "${w_10000:-}" ]; then
	row "  scaling 100k/10k (wall, CPU)" "$(ratio "$w_100000" "$w_10000")" "$(ratio "$c_100000" "$c_10000")" "" "" ""
fi
if [ -n "${w_1000000:-}" ]; then
	row "  scaling 1M/100k (wall, CPU)" "$(ratio "$w_1000000" "$w_100000")" "$(ratio "$c_1000000" "$c_100000")" "" "" ""
fi

row "" "" "" "" "" ""
row "CONSOLE (real binary in tmux)" "frame s" "1st row s" "all rows s" "200 j s" ""
for n in 10000 100000; do
	line=$("$dir/consoletime" -bin "$BIN" -n "$n" -dir "$repo" "$tmp/secui-bench-$n.sarif")
	v() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$line"; }
	row "secui $((n / 1000))k" "$(v first_frame)" "$(v first_row)" "$(v all_rows)" "$(v keys200)" ""
done

if [ "${BENCH_GO:-1}" != 0 ]; then
	row "" "" "" "" "" ""
	row "GO BENCHMARKS (3x; ledger 1x)" "ms/op" "MB/op" "allocs/op" "" ""
	gob() { # PKG PATTERN [BENCHTIME]
		"$GO" test -run '^$' -bench "$2" -benchtime="${3:-3x}" -benchmem "$1" 2>&1 | awk '
		/^pkg: / { n = split($2, p, "/"); pkg = p[n] }
		/^Benchmark/ {
			name = $1; sub(/-[0-9]+$/, "", name); ms = ""; mb = ""; al = ""; other = ""
			for (i = 2; i < NF; i++) {
				u = $(i+1)
				if (u == "ns/op") ms = sprintf("%.1f", $i / 1e6)
				else if (u == "B/op") mb = sprintf("%.1f", $i / 1048576)
				else if (u == "allocs/op") al = $i
				else if (u ~ /[a-z]/ && $i ~ /^[0-9.e+-]+$/) other = other " " $i " " u
			}
			printf "%-34s %10s %10s %10s %s\n", pkg " " substr(name, 10), ms, mb, al, other
		}' >>"$out"
	}
	gob ./findings 'Load10k$|Load100k$'
	gob ./tui/... '(CursorMove|Filter|FilterFirst)/100000$'
	# The 100k-decision ledger (ledgerperf): open+apply, one decision, summary RSS with/without.
	gob ./cmd/secui 'Ledger100k' 1x
fi

echo
echo "secui bench — $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ), $(git describe --always --dirty 2>/dev/null || echo dev)"
cat "$out"
