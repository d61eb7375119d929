#!/usr/bin/env bash
# Times `secui summary` on generated SARIF (10k and 100k results) with
# /usr/bin/time -v and prints wall time and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
BIN=${BIN:-bin/secui}
SHARED=${SHARED:-../shared}
dir=${BENCH_DIR:-/tmp/secui-bench}
mkdir -p "$dir"
if [ ! -d "$SHARED/tools/gensarif" ]; then
	echo "bench: $SHARED/tools/gensarif not found; skipping the big-file benchmark" >&2
	exit 0
fi
for n in 10000 100000; do
	f="$dir/big-$n.sarif"
	if [ ! -s "$f" ]; then
		echo "bench: generating $f"
		(cd "$SHARED/tools/gensarif" && "$GO" run . -n "$n") >"$f.tmp"
		mv "$f.tmp" "$f"
	fi
done
[ -x "$BIN" ] || "$GO" build -o "$BIN" ./cmd/secui
for n in 10000 100000; do
	f="$dir/big-$n.sarif"
	"$BIN" summary "$f" >/dev/null 2>&1 || true # warm the page cache
	/usr/bin/time -v "$BIN" summary "$f" >/dev/null 2>"$dir/time-$n.txt" || {
		cat "$dir/time-$n.txt" >&2
		exit 1
	}
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time-$n.txt")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time-$n.txt")
	size=$(du -mL "$f" | cut -f1)
	printf 'secui summary %7d results (%4d MB): wall %s  max RSS %d MB\n' "$n" "$size" "$wall" $((rss / 1024))
done
