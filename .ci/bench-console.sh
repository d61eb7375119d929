#!/usr/bin/env bash
# bench-console.sh: the console's times on a large SARIF file, measured on
# the real binary in tmux (issue 12 items 2 and 4):
#   first frame  the console has drawn its header
#   first row    the first finding row is on screen
#   all rows     the count reads "N of N" and loading is over
#   keys         200 `j` presses (sent at once) until the cursor row shows
#                the 201st finding of the severity order
# Usage: BIN=bin/secui .ci/bench-console.sh FILE.sarif [RUNS]
# Prints one line per figure and run; medians last. Needs tmux and jq.
set -euo pipefail
BIN=${BIN:-bin/secui}
FILE=${1:?usage: bench-console.sh FILE.sarif [RUNS]}
RUNS=${2:-3}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
FILE=$(cd "$(dirname "$FILE")" && pwd)/$(basename "$FILE")
command -v tmux >/dev/null || { echo "bench-console: tmux not installed, skipped"; exit 0; }
command -v jq >/dev/null || { echo "bench-console: jq not installed, skipped"; exit 0; }

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# the 201st finding in the console's default order (severity), as path:line
want=$("$BIN" list --jsonl --limit 201 --sort severity "$FILE" 2>/dev/null | tail -1 | jq -r '"\(.path):\(.line)"')
total=$("$BIN" summary --json "$FILE" 2>/dev/null | jq -r '.total // empty' || true)

sock="secui-bench-$$"
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; }
trap cleanup EXIT

# wait_for PATTERN: poll the screen every 5 ms until the fixed string shows
wait_for() {
	local deadline=$(( $(date +%s) + 120 ))
	while :; do
		if tmux -L "$sock" capture-pane -p -t bench 2>/dev/null | grep -qF -- "$1"; then return 0; fi
		(( $(date +%s) < deadline )) || { echo "bench-console: timed out waiting for $1" >&2; return 1; }
		sleep 0.005
	done
}
wait_cursor() { # the cursor row (▌) shows $1
	local deadline=$(( $(date +%s) + 120 ))
	while :; do
		if tmux -L "$sock" capture-pane -p -t bench 2>/dev/null | grep -F '▌' | grep -qF -- "$1"; then return 0; fi
		(( $(date +%s) < deadline )) || { echo "bench-console: timed out waiting for the cursor on $1" >&2; return 1; }
		sleep 0.005
	done
}

# less on as many lines, the same 200 presses: what the terminal path costs
# on this machine right now (tmux, the pty, the scheduler)
less_keys() {
	command -v less >/dev/null || { echo 0; return; }
	local lines t
	lines=$(mktemp)
	seq 1 "${total:-100000}" | sed 's/^/line /' >"$lines"
	tmux -L "$sock" new-session -d -s less -x 200 -y 50 "less -S $lines"
	sleep 0.5
	t=$(now)
	tmux -L "$sock" send-keys -t less "${keys[@]}"
	until tmux -L "$sock" capture-pane -p -t less | head -1 | grep -qx "line 201"; do sleep 0.005; done
	since "$t"
	tmux -L "$sock" kill-session -t less
	rm -f "$lines"
}
keys=(); for _ in $(seq 200); do keys+=(j); done

declare -a ff fr ar ks ls
for run in $(seq "$RUNS"); do
	cleanup
	t0=$(now)
	tmux -L "$sock" new-session -d -s bench -x 200 -y 50 "env SECUI_NO_WATCH=1 TERM=xterm-256color $BIN $FILE 2>/dev/null"
	wait_for "sources"; ff+=("$(since "$t0")")
	wait_for "▌"; fr+=("$(since "$t0")")
	if [ -n "$total" ]; then wait_for " $total of $total"; fi
	while tmux -L "$sock" capture-pane -p -t bench | grep -qF "loading…"; do sleep 0.005; done
	ar+=("$(since "$t0")")
	sleep 1 # let the detail pane settle
	t1=$(now)
	tmux -L "$sock" send-keys -t bench "${keys[@]}"
	wait_cursor "$want"; ks+=("$(since "$t1")")
	tmux -L "$sock" send-keys -t bench q
	sleep 0.3
	ls+=("$(less_keys)")
	echo "run $run: first frame ${ff[-1]}s  first row ${fr[-1]}s  all rows ${ar[-1]}s  200 keys ${ks[-1]}s (less: ${ls[-1]}s)"
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "console (median of $RUNS, $(basename "$FILE")): first frame $(med "${ff[@]}")s  first row $(med "${fr[@]}")s  all rows $(med "${ar[@]}")s  200 keys $(med "${ks[@]}")s (less, same runs: $(med "${ls[@]}")s)"
