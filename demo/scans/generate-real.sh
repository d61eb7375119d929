#!/usr/bin/env bash
# Regenerates the demo's real scan results — scans/gosec.sarif,
# scans/gitleaks.sarif, scans/staticcheck.sarif and their scan records in
# .secui/scans/ — by running `secui scan` with the pinned scanners (installed
# by `make scanners`) on a fresh git repository made from the demo. The other
# files in scans/ are hand-made by generate.py.
#
#     demo/scans/generate-real.sh        (from the secui repository)
#
# gosec type-checks the demo, so the demo's modules must be downloadable
# (the Go module proxy) or already in the module cache; a run that cannot
# load them is partial and stores nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
demo=$(dirname "$here")
mod=$(dirname "$demo")
cd "$mod"

make --no-print-directory scanners >/dev/null
export PATH="$(go env GOPATH)/bin:$PATH"
go build -o build/secui-generate ./cmd/secui

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R demo/. "$tmp/"
# Start from nothing: no earlier results, no records, no ledger.
rm -rf "$tmp/.secui" "$tmp/scans/gosec.sarif" "$tmp/scans/gitleaks.sarif" "$tmp/scans/staticcheck.sarif"
(
	cd "$tmp"
	git init -q -b main
	git -c user.name='ACME Dev' -c user.email=dev@acme.example -c commit.gpgsign=false add -A
	git -c user.name='ACME Dev' -c user.email=dev@acme.example -c commit.gpgsign=false commit -q -m 'ACME payments'
)
GIT_AUTHOR_NAME='ACME Dev' GIT_AUTHOR_EMAIL=dev@acme.example "$mod/build/secui-generate" --repo "$tmp" scan

mkdir -p demo/.secui/scans
for s in gosec gitleaks staticcheck; do
	cp "$tmp/scans/$s.sarif" "demo/scans/$s.sarif"
	cp "$tmp/.secui/scans/$s.json" "demo/.secui/scans/$s.json"
done
echo "demo/scans/{gosec,gitleaks,staticcheck}.sarif and demo/.secui/scans/*.json regenerated"
