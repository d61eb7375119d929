#!/usr/bin/env bash
# `make bench`: secui's performance figures of issue 12 in one run, on this
# machine, beside jq and go-sarif on the same files, each with the issue's
# target and pass/miss (docs/engine.md#make-bench says what each row means).
#
#   LOAD     `secui summary FILE` (load, classify, fingerprint, summarise) vs
#            `jq '.runs[].results|length' FILE` vs go-sarif's sarif.Open
#            (internal/bench/gosarifload): medians of wall, CPU (user+sys)
#            and peak RSS over BENCH_RUNS paired runs at 10k and 100k, at 1M
#            secui's median of BENCH_1M_RUNS and one run of the others; the
#            ratios secui/jq and secui/go-sarif.
#   CONSOLE  the real binary in tmux (internal/bench/consoletime): first
#            frame, first finding row, all rows, 200 `j` presses; `less` on
#            as many lines with the same presses in the same run.
#   LEDGER   the 100k-decision ledger (cmd/secui BenchmarkLedger100k):
#            open+apply and one decision written (wall and CPU), peak RSS of
#            `secui summary` with the ledger vs without.
#   GO       Go benchmarks at 100k: load, cursor and filter (-benchtime=3x).
#
# Environment (defaults): GO (go), BIN (bin/secui), SHARED (../shared),
# BENCH_DIR ($TMPDIR/secui-bench), BENCH_RUNS (3), BENCH_CONSOLE_RUNS
# (BENCH_RUNS), BENCH_LEDGER_TIME (3x), BENCH_1M (1; 0 leaves 1M out),
# BENCH_1M_RUNS (3: secui's runs at 1M; jq and go-sarif run once there),
# BENCH_1M_OTHERS (auto: jq and go-sarif at 1M when the memory they need,
# their 100k peak ×11, is free, and, if BENCH_1M_BUDGET is set, their 100k
# wall ×10 is within that many seconds; 1 always, 0 never), BENCH_GO (1; 0 skips
# the Go benchmarks), BENCH_JSON (a path: the same figures as JSON),
# BENCH_SIZES ("10000 100000 1000000"), BENCH_LEDGER (1; 0 skips the
# ledger figures).
#
# A step that fails prints why, in the table and on stderr; the rest still
# runs. The exit status is 1 when a step failed, 0 otherwise (a missed
# target is a figure, not a failure).
# The body is one compound command, read whole before it runs: editing or
# checking out this file during a run does not change the run.
{
set -uo pipefail
JSON=${BENCH_JSON:-}
[ -z "$JSON" ] || case $JSON in /*) ;; *) JSON=$PWD/$JSON ;; esac
cd "$(dirname "$0")/../.." || exit 1
GO=${GO:-go}
BIN=${BIN:-bin/secui}
SHARED=${SHARED:-../shared}
RUNS=${BENCH_RUNS:-3}
CRUNS=${BENCH_CONSOLE_RUNS:-$RUNS}
LTIME=${BENCH_LEDGER_TIME:-3x}
ONE_M=${BENCH_1M:-1}
RUNS_1M=${BENCH_1M_RUNS:-3}
OTHERS_1M=${BENCH_1M_OTHERS:-auto}
BUDGET=${BENCH_1M_BUDGET:-0} # 0: no time limit
tmp=${TMPDIR:-/tmp}
dir=${BENCH_DIR:-$tmp/secui-bench}
mkdir -p "$dir" || exit 1
export SECUI_SHARED=${SECUI_SHARED:-$(cd "$SHARED" 2>/dev/null && pwd || echo "$SHARED")}

out=$dir/table.txt      # the table
figs=$dir/figures.tsv   # section, row, metric, value, unit
tgts=$dir/targets.tsv   # section, row, target, value, limit, unit, verdict
fails=$dir/failures.txt # one line per failed or skipped step
: >"$out"
: >"$figs"
: >"$tgts"
: >"$fails"
failed=0

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
memavail() { awk '/^MemAvailable:/ {printf "%d", $2 / 1024}' /proc/meminfo; } # MB
say() { echo "bench: $*" >&2; }
# fail WHY: a step failed; the table says so and the run goes on.
fail() {
	failed=1
	say "FAILED: $*"
	echo "failed: $*" >>"$fails"
	printf '  FAILED: %s\n' "$*" >>"$out"
}
# skip WHY: a step left out on purpose, with the reason.
skip() {
	say "skipped: $*"
	echo "skipped: $*" >>"$fails"
	printf '  skipped: %s\n' "$*" >>"$out"
}
# row LABEL C1 C2 C3 C4 [TARGET VERDICT]...: one table line; further target
# pairs go on continuation lines under it.
row() {
	local label=$1 c1=${2:-} c2=${3:-} c3=${4:-} c4=${5:-}
	shift 5 2>/dev/null || shift $#
	printf '%-36s %9s %9s %9s %9s  %-24s %s\n' "$label" "$c1" "$c2" "$c3" "$c4" "${1:-}" "${2:-}" | sed 's/ *$//' >>"$out"
	shift 2 2>/dev/null || shift $#
	while [ $# -ge 2 ]; do
		printf '%-36s %9s %9s %9s %9s  %-24s %s\n' "" "" "" "" "" "$1" "$2" | sed 's/ *$//' >>"$out"
		shift 2
	done
}
# fig SECTION ROW METRIC VALUE UNIT: a figure for BENCH_JSON.
fig() { [ -n "$4" ] && [ "$4" != - ] && printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$figs"; }
# chk SECTION ROW TEXT VALUE LIMIT UNIT [CPU]: the issue's target VALUE <=
# LIMIT; sets T (the target's text) and V (pass, miss, or "-" without a
# figure). With CPU (the same figure in CPU seconds), a miss whose CPU is
# within the limit says so: on a loaded machine wall time measures the
# neighbours too.
chk() {
	T="$3 <= $5$6"
	if [ -z "$4" ] || [ "$4" = "-" ]; then
		V="-"
	elif awk -v a="$4" -v b="$5" 'BEGIN {exit !(a <= b)}'; then
		V=pass
	else
		V=miss
		if [ -n "${7:-}" ] && awk -v a="$7" -v b="$5" 'BEGIN {exit !(a <= b)}'; then V="miss (CPU $7 s within)"; fi
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "${V%% *}" >>"$tgts"
}
# median FILE COLUMN
median() { sort -n -k"$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {if (NR) print v[int((NR + 1) / 2)]}'; }
# ratio A B [DECIMALS]: A / B to 2 decimals (or DECIMALS), "-" without both
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {if (a != "" && b > 0) printf "%." d "f", a / b; else print "-"}'; }
num() { [ -n "$1" ] && echo "$1" || echo "-"; }

# --- machine ---------------------------------------------------------------
commit=$(git describe --always --dirty 2>/dev/null || echo dev)
gov=$("$GO" env GOVERSION 2>/dev/null || echo "?")
start_load=$(loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
machine="machine: $(nproc) cores, $(awk '/^MemTotal:/ {printf "%.1f", $2 / 1048576}' /proc/meminfo) GB ($(memavail) MB free), $gov, load average $start_load at start"
header="secui bench — $commit, $started; runs: load $RUNS, console $CRUNS, ledger $LTIME"
echo "$header" >&2
echo "$machine" >&2

# --- tools -----------------------------------------------------------------
have_jq=1 have_tmux=1 have_gosarif=1
command -v jq >/dev/null || { have_jq=0; skip "jq not found (apt-get install jq): no jq column, no BENCH_JSON"; }
command -v tmux >/dev/null || { have_tmux=0; skip "tmux not found: no console figures"; }
[ -x /usr/bin/time ] || { fail "/usr/bin/time not found (apt-get install time): no load figures"; }
# `make bench` builds $BIN first (with its version); run by hand, a missing
# binary is built here.
if [ ! -x "$BIN" ] && ! "$GO" build -buildvcs=false -trimpath -o "$BIN" ./cmd/secui 2>"$dir/build.txt"; then
	fail "building $BIN: $(head -3 "$dir/build.txt")"
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
"$GO" build -o "$dir/gosarifload" ./internal/bench/gosarifload 2>"$dir/build.txt" ||
	{ have_gosarif=0; fail "building gosarifload: $(head -3 "$dir/build.txt")"; }
"$GO" build -o "$dir/consoletime" ./internal/bench/consoletime 2>"$dir/build.txt" ||
	{ have_tmux=0; fail "building consoletime: $(head -3 "$dir/build.txt")"; }

# --- files: shared/tools/gensarif -n N, cached in $TMPDIR (the Go load
# benchmarks use the same files) ---------------------------------------------
sizes=${BENCH_SIZES:-10000 100000 1000000}
[ "$ONE_M" = 1 ] || sizes=${sizes/1000000/}
avail_sizes=""
for n in $sizes; do
	f="$tmp/secui-bench-$n.sarif"
	if [ ! -s "$f" ]; then
		if [ ! -d "$SHARED/tools/gensarif" ]; then
			fail "$f missing and $SHARED/tools/gensarif not found"
			continue
		fi
		say "generating $f"
		if ! (cd "$SHARED/tools/gensarif" && "$GO" run . -n "$n") >"$f.tmp" 2>"$dir/gen.txt"; then
			rm -f "$f.tmp"
			fail "gensarif -n $n: $(head -3 "$dir/gen.txt")"
			continue
		fi
		mv "$f.tmp" "$f"
	fi
	avail_sizes="$avail_sizes $n"
done
# An empty repository: no ledger, nothing discovered.
repo="$dir/repo"
[ -d "$repo/.git" ] || { mkdir -p "$repo" && git -C "$repo" init -q; }

# measure NAME LIMIT_MB CMD...: one run in $repo under /usr/bin/time (and a
# virtual-memory limit when LIMIT_MB > 0); appends "wall cpu rssMB" to
# $dir/NAME. On failure sets WHY and returns 1.
measure() {
	local name=$1 limit=$2
	shift 2
	if ! (cd "$repo" && { [ "$limit" -le 0 ] || ulimit -v $((limit * 1024)); } &&
		/usr/bin/time -f '%e %U %S %M' -o "$dir/time.txt" "$@" >/dev/null 2>"$dir/err.txt"); then
		WHY="$(basename "$1") exited: $(tail -c 300 "$dir/err.txt" | tr '\n' ' ')$(grep -h 'status' "$dir/time.txt" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
	awk '{printf "%.3f %.3f %.0f\n", $1, $2 + $3, $4 / 1024}' "$dir/time.txt" | tail -1 >>"$dir/$name"
}
k() { if [ "$1" -ge 1000000 ]; then echo "$(($1 / 1000000))M"; else echo "$(($1 / 1000))k"; fi; }

# --- LOAD --------------------------------------------------------------------
for n in $avail_sizes; do
	[ -x /usr/bin/time ] || break
	f="$tmp/secui-bench-$n.sarif"
	K=$(k "$n")
	size=$(du -mL "$f" | cut -f1)
	runs=$RUNS
	# At 1M secui runs BENCH_1M_RUNS times (the first big run after memory
	# was freed pays seconds of system time on this VM; the median says what
	# a run costs), jq and go-sarif once (minutes and GBs each).
	[ "$n" = 1000000 ] && runs=$RUNS_1M
	tools="secui jq gosarif"
	[ $have_jq = 1 ] || tools=${tools/jq/}
	[ $have_gosarif = 1 ] || tools=${tools/gosarif/}
	declare -A lim=([secui]=0 [jq]=0 [gosarif]=0)
	row "" "" "" "" ""
	row "LOAD $K ($size MB), median of $runs" "wall s" "CPU s" "RSS MB" "" "target" "verdict"
	echo "  load average $(loadavg), $(memavail) MB free" >>"$out"
	say "load $K: load average $(loadavg)"
	if [ "$n" = 1000000 ]; then
		# jq and go-sarif need several GB at 1M: run them only if that is
		# free now, under a limit so they fail instead of starving the machine.
		free=$(($(memavail) - 1024))
		for t in jq gosarif; do
			case " $tools " in *" $t "*) ;; *) continue ;; esac
			m100=$(median "$dir/$t.100000" 3 2>/dev/null)
			# without a 100k figure: jq ≈11×, go-sarif ≈5× the file, at 1M
			[ -n "$m100" ] || { if [ $t = jq ]; then m100=$((size * 11 / 10)); else m100=$((size * 5 / 10)); fi; }
			need=$((${m100%.*} * 11))
			# and time: ×10 its 100k wall time
			w100=$(median "$dir/$t.100000" 1 2>/dev/null)
			takes=$(awk -v w="${w100:-0}" 'BEGIN {printf "%d", w * 10}')
			if [ "$OTHERS_1M" = 0 ]; then
				tools=${tools/$t/}
				skip "$t at 1M (BENCH_1M_OTHERS=0)"
			elif [ "$OTHERS_1M" = auto ] && [ "$need" -gt "$free" ]; then
				tools=${tools/$t/}
				skip "$t at 1M: needs ≈$need MB (its 100k peak ×11), $free MB free (BENCH_1M_OTHERS=1 runs it anyway)"
			elif [ "$OTHERS_1M" = auto ] && [ "$BUDGET" -gt 0 ] && [ "$takes" -gt "$BUDGET" ]; then
				tools=${tools/$t/}
				skip "$t at 1M: would take ≈$takes s (its 100k wall ×10) > BENCH_1M_BUDGET=$BUDGET s (BENCH_1M_OTHERS=1 runs it anyway)"
			else
				lim[$t]=$((free > need ? free : need))
			fi
		done
		if [ "$(memavail)" -lt 2500 ]; then
			skip "secui at 1M: $(memavail) MB free, it needs ≈1.5 GB"
			continue
		fi
	fi
	cat "$f" >/dev/null # the page cache holds the file for every tool alike
	for t in secui jq gosarif; do rm -f "$dir/$t.$n"; done
	for ((r = 1; r <= runs; r++)); do
		say "load $K: run $r/$runs"
		for t in $tools; do
			[ "$n" = 1000000 ] && [ "$r" -gt 1 ] && [ "$t" != secui ] && continue
			case $t in
			secui) cmd=("$BIN" summary "$f") ;;
			jq) cmd=(jq '.runs[].results|length' "$f") ;;
			gosarif) cmd=("$dir/gosarifload" "$f") ;;
			esac
			if ! measure "$t.$n" "${lim[$t]}" "${cmd[@]}"; then
				fail "$t $K run $r: $WHY"
				tools=${tools/$t/}
			fi
		done
	done
	for t in secui jq gosarif; do
		eval "${t}_w= ${t}_c= ${t}_m="
		[ -s "$dir/$t.$n" ] || continue
		eval "${t}_w=$(median "$dir/$t.$n" 1) ${t}_c=$(median "$dir/$t.$n" 2) ${t}_m=$(median "$dir/$t.$n" 3)"
		fig load "$t $K" wall "$(eval echo "\$${t}_w")" s
		fig load "$t $K" cpu "$(eval echo "\$${t}_c")" s
		fig load "$t $K" rss "$(eval echo "\$${t}_m")" MB
	done
	cj=$(ratio "$secui_c" "$jq_c")
	fig load "secui/jq $K" wall "$(ratio "$secui_w" "$jq_w")" x
	fig load "secui/jq $K" cpu "$cj" x
	fig load "secui/jq $K" rss "$(ratio "$secui_m" "$jq_m")" x
	fig load "secui/go-sarif $K" wall "$(ratio "$secui_w" "$gosarif_w")" x
	fig load "secui/go-sarif $K" cpu "$(ratio "$secui_c" "$gosarif_c")" x
	fig load "secui/go-sarif $K" rss "$(ratio "$secui_m" "$gosarif_m")" x
	case $n in
	100000)
		chk load "secui $K" "wall" "$secui_w" 0.5 " s" "$secui_c"
		t1=$T v1=$V
		chk load "secui $K" "RSS" "$secui_m" 150 " MB"
		row "  secui summary" "$(num "$secui_w")" "$(num "$secui_c")" "$(num "$secui_m")" "" "$t1" "$v1" "$T" "$V"
		;;
	1000000)
		chk load "secui $K" "RSS" "$secui_m" 1500 " MB"
		row "  secui summary" "$(num "$secui_w")" "$(num "$secui_c")" "$(num "$secui_m")" "" "$T" "$V"
		if [ "$runs" -gt 1 ] && [ -s "$dir/secui.$n" ]; then
			# the first run too, beside the median: it pays what the host
			# charges for memory freed just before
			read -r w1 c1 m1 <"$dir/secui.$n"
			fig load "secui $K first run" wall "$w1" s
			fig load "secui $K first run" cpu "$c1" s
			row "  secui summary, first run" "$(num "$w1")" "$(num "$c1")" "$(num "$m1")" ""
		fi
		;;
	*) row "  secui summary" "$(num "$secui_w")" "$(num "$secui_c")" "$(num "$secui_m")" "" ;;
	esac
	[ -n "$jq_c" ] && row "  jq '.runs[].results|length'" "$jq_w" "$jq_c" "$jq_m" ""
	[ -n "$gosarif_c" ] && row "  go-sarif sarif.Open" "$gosarif_w" "$gosarif_c" "$gosarif_m" ""
	if [ -n "$jq_c" ]; then
		if [ "$n" = 100000 ]; then
			# three decimals: the verdict is on the figure printed, never on
			# one rounded into the target (0.153 is a miss)
			cj3=$(ratio "$secui_c" "$jq_c" 3)
			chk load "secui/jq $K" "CPU/jq" "$cj3" 0.15 "x"
			row "  secui / jq" "$(ratio "$secui_w" "$jq_w")" "$cj3" "$(ratio "$secui_m" "$jq_m")" "" "$T" "$V"
		else
			row "  secui / jq" "$(ratio "$secui_w" "$jq_w")" "$cj" "$(ratio "$secui_m" "$jq_m")" ""
		fi
	fi
	[ -n "$gosarif_c" ] && row "  secui / go-sarif" "$(ratio "$secui_w" "$gosarif_w")" "$(ratio "$secui_c" "$gosarif_c")" "$(ratio "$secui_m" "$gosarif_m")" ""
	eval "w_$n=$secui_w c_$n=$secui_c"
done
if [ -n "${w_100000:-}" ] && [ -n "${w_10000:-}" ]; then
	row "  secui 100k / 10k" "$(ratio "$w_100000" "$w_10000")" "$(ratio "$c_100000" "$c_10000")" "" ""
	fig load "secui 100k/10k" wall "$(ratio "$w_100000" "$w_10000")" x
	fig load "secui 100k/10k" cpu "$(ratio "$c_100000" "$c_10000")" x
fi
if [ -n "${w_1000000:-}" ] && [ -n "${w_100000:-}" ]; then
	s_w=$(ratio "$w_1000000" "$w_100000")
	s_c=$(ratio "$c_1000000" "$c_100000")
	fig load "secui 1M/100k" wall "$s_w" x
	fig load "secui 1M/100k" cpu "$s_c" x
	chk load "secui 1M/100k" "1M/100k wall" "$s_w" 10 "x" "$s_c"
	row "  secui 1M / 100k" "$s_w" "$s_c" "" "" "$T" "$V"
fi

# --- CONSOLE -------------------------------------------------------------------
if [ $have_tmux = 1 ]; then
	row "" "" "" "" ""
	row "CONSOLE (tmux 160x40), median of $CRUNS" "frame s" "1st row s" "all rows s" "200 j s" "target" "verdict"
	for n in $avail_sizes; do
		K=$(k "$n")
		f="$tmp/secui-bench-$n.sarif"
		runs=$CRUNS to=180s
		if [ "$n" = 1000000 ]; then
			runs=1 to=600s
			if [ "$(memavail)" -lt 3000 ]; then
				skip "console at 1M: $(memavail) MB free, it needs ≈2 GB"
				continue
			fi
		fi
		say "console $K: load average $(loadavg)"
		echo "  $K: load average $(loadavg)" >>"$out"
		if ! line=$("$dir/consoletime" -bin "$BIN" -n "$n" -dir "$repo" -runs "$runs" -less -timeout "$to" "$f" 2>"$dir/err.txt"); then
			fail "console $K: $(head -c 400 "$dir/err.txt" | tr '\n' ' ')"
			continue
		fi
		v() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$line"; }
		ff=$(v first_frame) fr=$(v first_row) ar=$(v all_rows) ks=$(v keys200) ls=$(v less200)
		for m in first_frame first_row all_rows keys200 less200 tmux_start; do fig console "secui $K" "$m" "$(v $m)" s; done
		chk console "secui $K" "1st row" "$fr" 0.2 " s"
		t1=$T v1=$V
		if [ "$n" = 100000 ]; then
			chk console "secui $K" "200 j" "$ks" 0.3 " s"
			row "  secui $K" "$ff" "$fr" "$ar" "$ks" "$t1" "$v1" "$T" "$V"
		else
			row "  secui $K" "$ff" "$fr" "$ar" "$ks" "$t1" "$v1"
		fi
		row "  less, $K lines" "" "" "" "$ls"
		row "  secui / less" "" "" "" "$(ratio "$ks" "$ls")"
		fig console "secui/less $K" keys200 "$(ratio "$ks" "$ls")" x
	done
fi

# --- LEDGER ----------------------------------------------------------------------
if [ "${BENCH_LEDGER:-1}" = 0 ]; then
	row "" "" "" "" ""
	skip "the ledger figures (BENCH_LEDGER=0)"
else
row "" "" "" "" ""
row "LEDGER 100k decisions, mean of $LTIME" "wall s" "CPU s" "RSS MB" "" "target" "verdict"
echo "  load average $(loadavg)" >>"$out"
say "ledger: load average $(loadavg)"
# BenchmarkLedger100k builds its ledger (a bulk suppress of 100k with the
# binary under test) once per binary and caches it in $TMPDIR.
if ! "$GO" test -run '^$' -bench '^BenchmarkLedger100k$' -benchtime="$LTIME" ./cmd/secui >"$dir/ledger.txt" 2>&1; then
	fail "BenchmarkLedger100k: $(grep -v '^\(goos\|goarch\|pkg\|cpu\):' "$dir/ledger.txt" | head -c 400 | tr '\n' ' ')"
else
	# metric SUB UNIT: the value of UNIT on the line of exactly that
	# sub-benchmark (open+apply, not open+apply-sharded).
	metric() {
		awk -v s="BenchmarkLedger100k/$1" -v u="$2" '{ n = $1; sub(/-[0-9]+$/, "", n) }
			n == s { for (i = 2; i < NF; i++) if ($(i+1) == u) print $i }' "$dir/ledger.txt" | tail -1
	}
	s() { awk -v v="$1" -v d="$2" 'BEGIN {if (v != "") printf "%.3f", v / d}'; }
	# Every timed sub-benchmark, in the order printed: open+apply and
	# decide-one, and any variant (e.g. -sharded for another format).
	subs=$(awk '/^BenchmarkLedger100k\// { n = $1; sub(/-[0-9]+$/, "", n); sub(/^BenchmarkLedger100k\//, "", n); if (n != "summary-rss") print n }' "$dir/ledger.txt")
	[ -n "$subs" ] || fail "BenchmarkLedger100k printed no sub-benchmark: $(head -c 300 "$dir/ledger.txt" | tr '\n' ' ')"
	fmb=$(metric open+apply file-MB) rev=$(metric open+apply in-review)
	[ -n "$fmb$rev" ] && echo "  ledger file $(num "$fmb") MB; decisions left to review after matching: $(num "$rev")" >>"$out"
	fig ledger "open+apply" file "$fmb" MB
	fig ledger "open+apply" in_review "$rev" decisions
	for sub in $subs; do
		w=$(s "$(metric "$sub" ns/op)" 1e9) c=$(s "$(metric "$sub" cpu-ms/op)" 1e3)
		fig ledger "$sub" wall "$w" s
		fig ledger "$sub" cpu "$c" s
		case $sub in
		open+apply*) label="open + apply" v=${sub#open+apply} limit=0.3 tname=open+apply ;;
		decide-one*) label="one decision written" v=${sub#decide-one} limit=0.2 tname="one decision" ;;
		*) label=$sub v= limit= ;;
		esac
		[ -n "$v" ] && label="$label (${v#-})"
		if [ -n "$limit" ]; then
			chk ledger "$sub" "$tname" "$w" "$limit" " s" "$c"
			row "  $label" "$(num "$w")" "$(num "$c")" "" "" "$T" "$V"
		else
			row "  $label" "$(num "$w")" "$(num "$c")" "" ""
		fi
	done
	n_m=$(metric summary-rss noledger-RSS-MB) n_c=$(metric summary-rss noledger-cpu-s)
	if [ -z "$n_m" ]; then
		fail "BenchmarkLedger100k/summary-rss printed no noledger-RSS-MB: $(grep summary-rss "$dir/ledger.txt" | head -c 300)"
	else
		row "  secui summary, no ledger" "" "$(num "$n_c")" "$(num "$n_m")" ""
		fig ledger "summary without ledger" cpu "$n_c" s
		fig ledger "summary without ledger" rss "$n_m" MB
		# with the ledger (ledger-*, RSS-ratio) and any variant (<v>-RSS-MB,
		# <v>-RSS-ratio, <v>-cpu-s, e.g. sharded-)
		variants=$(awk '{ n = $1; sub(/-[0-9]+$/, "", n) } n == "BenchmarkLedger100k/summary-rss" {
			for (i = 2; i <= NF; i++) if ($i ~ /-RSS-MB$/ && $i != "noledger-RSS-MB" && $i != "ledger-RSS-MB") { v = $i; sub(/-RSS-MB$/, "", v); print v } }' "$dir/ledger.txt")
		for v in ledger $variants; do
			if [ $v = ledger ]; then rr=$(metric summary-rss RSS-ratio) lab="ledger"; else rr=$(metric summary-rss "$v-RSS-ratio") lab="ledger ($v)"; fi
			l_m=$(metric summary-rss "$v-RSS-MB") l_c=$(metric summary-rss "$v-cpu-s")
			[ -n "$rr" ] || rr=$(ratio "$l_m" "$n_m")
			row "  secui summary, $lab" "" "$(num "$l_c")" "$(num "$l_m")" ""
			fig ledger "summary with $lab" cpu "$l_c" s
			fig ledger "summary with $lab" rss "$l_m" MB
			fig ledger "summary with/without $lab" rss "$rr" x
			chk ledger "summary with/without $lab" "RSS with/without" "$rr" 1.5 "x"
			row "    with / without" "" "$(ratio "$l_c" "$n_c")" "$(num "$rr")" "" "$T" "$V"
		done
	fi
fi
fi

# --- GO BENCHMARKS -----------------------------------------------------------------
if [ "${BENCH_GO:-1}" != 0 ]; then
	row "" "" "" "" ""
	row "GO BENCHMARKS, 3x (Keys200 10x)" "ms/op" "MB/op" "allocs/op" ""
	echo "  load average $(loadavg)" >>"$out"
	say "go benchmarks: load average $(loadavg)"
	gob() { # PKG PATTERN [BENCHTIME]
		if ! "$GO" test -run '^$' -bench "$2" -benchtime="${3:-3x}" -benchmem "$1" >"$dir/gob.txt" 2>&1; then
			fail "go test -bench '$2' $1: $(grep -v '^\(goos\|goarch\|pkg\|cpu\):' "$dir/gob.txt" | head -c 300 | tr '\n' ' ')"
			return
		fi
		awk '
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
			printf "  %-34s %9s %9s %9s %s\n", pkg " " substr(name, 10), ms, mb, al, other
			printf "go\t%s\tms_per_op\t%s\tms\ngo\t%s\tmb_per_op\t%s\tMB\ngo\t%s\tallocs_per_op\t%s\tallocs\n", pkg " " substr(name, 10), ms, pkg " " substr(name, 10), mb, pkg " " substr(name, 10), al >> figs
		}' figs="$figs" "$dir/gob.txt" >>"$out"
	}
	gob ./findings 'Load10k$|Load100k$'
	gob ./tui/... '(CursorMove|Filter|FilterFirst)/100000$'
	# 200 `j` in one write to the real Bubble Tea program at 100k (per burst).
	gob ./tui 'Keys200$' 10x
fi

# --- output ---------------------------------------------------------------------
end_load=$(loadavg)
{
	echo
	echo "$header"
	echo "$machine, $end_load at end"
	cat "$out"
	npass=$(awk -F'\t' '$7 == "pass"' "$tgts" | wc -l)
	nmiss=$(awk -F'\t' '$7 == "miss"' "$tgts" | wc -l)
	echo
	echo "targets (issue 12): $npass pass, $nmiss miss$(awk -F'\t' '$7 == "-"' "$tgts" | wc -l | awk '$1 > 0 {printf ", %d without a figure", $1}'); failed or skipped steps: $(wc -l <"$fails")"
} | tee "$dir/report.txt"

if [ -n "$JSON" ]; then
	if [ $have_jq = 1 ]; then
		jq -n --arg commit "$commit" --arg started "$started" --arg go "$gov" --arg cores "$(nproc)" \
			--arg load_start "$start_load" --arg load_end "$end_load" --arg runs "$RUNS" --arg cruns "$CRUNS" --arg ltime "$LTIME" \
			--rawfile figs "$figs" --rawfile tgts "$tgts" --rawfile fails "$fails" '
			def num: (tonumber? // .);
			def rows: split("\n") | map(select(length > 0) | split("\t"));
			{commit: $commit, started: $started, go: $go, cores: ($cores | tonumber),
			 load_average: {start: ($load_start | split(" ") | map(tonumber)), end: ($load_end | split(" ") | map(tonumber))},
			 runs: {load: ($runs | tonumber), console: ($cruns | tonumber), ledger: $ltime},
			 figures: ($figs | rows | map({section: .[0], row: .[1], metric: .[2], value: (.[3] | num), unit: .[4]})),
			 targets: ($tgts | rows | map({section: .[0], row: .[1], target: .[2], value: (.[3] | num), limit: (.[4] | num), unit: (.[5] | ltrimstr(" ")), verdict: .[6]})),
			 failures: ($fails | split("\n") | map(select(length > 0)))}' >"$JSON.tmp" && mv "$JSON.tmp" "$JSON" &&
			echo "bench: figures in $JSON" >&2 || { echo "bench: writing $JSON failed" >&2; failed=1; }
	else
		echo "bench: BENCH_JSON needs jq; not written" >&2
		failed=1
	fi
fi
exit $failed
}
