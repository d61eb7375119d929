#!/bin/sh
# Regenerates the real scanner logs under testdata/realworld from real
# projects, with the exact commands used. Needs the scanners on PATH or in
# ~/go/bin (go install: tfsec v1.26.0 (@latest), gitleaks v8, staticcheck, gosec;
# trivy v0.74.0), npm (secretlint 9, ESLint 8.57 + eslint-plugin-security 1.7.1 +
# @microsoft/eslint-formatter-sarif 3.1.0) and git clones of the projects:
#
#   WORK=/tmp/realworld testdata/realworld/generate.sh
#
# Projects (commit scanned in parentheses):
#   OWASP/NodeGoat (c5cb68a), bridgecrewio/terragoat (729f8da),
#   adeyosemanputra/pygoat (19d17cc8), 0c34/govwa (4058f79)
# KICS is not run: no KICS binary here, and no published KICS <-> tfsec/Trivy
# id mapping exists, so its findings would not be correlated anyway.
# Missing scanners are skipped with a note; the committed logs say which
# version produced them (tool.driver.version).
set -eu
OUT=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/realworld}
PATH=$HOME/go/bin:$PATH
mkdir -p "$WORK"

clone() { # clone NAME URL-OR-MIRROR COMMIT
	[ -d "$WORK/$1" ] || git clone -q "$2" "$WORK/$1"
	git -C "$WORK/$1" checkout -q "$3"
}
have() { command -v "$1" >/dev/null 2>&1 || { echo "skip: $1 not installed" >&2; return 1; }; }
mirror() { [ -d "/work/.mirror/$1/repo" ] && echo "/work/.mirror/$1/repo" || echo "https://github.com/$(echo "$1" | tr + /)"; }

clone NodeGoat "$(mirror OWASP+NodeGoat)" c5cb68a
clone terragoat "$(mirror bridgecrewio+terragoat)" 729f8da
clone pygoat "$(mirror adeyosemanputra+pygoat)" 19d17cc8
clone govwa "$(mirror 0c34+govwa)" 4058f79
mkdir -p "$OUT/nodegoat" "$OUT/terragoat" "$OUT/pygoat" "$OUT/govwa"

# SARIF paths must be repository-relative: scanners run from the project root.

# ---- ESLint (npm)
ESL=$WORK/eslint
if [ ! -x "$ESL/node_modules/.bin/eslint" ]; then
	mkdir -p "$ESL" && (cd "$ESL" && npm init -y >/dev/null &&
		npm install --no-audit --no-fund eslint@8.57.0 eslint-plugin-security@1.7.1 @microsoft/eslint-formatter-sarif@3.1.0)
fi
cat >"$ESL/nodegoat.eslintrc.json" <<'JSON'
{
  "root": true,
  "env": { "node": true, "browser": true, "es2017": true, "jquery": true },
  "parserOptions": { "ecmaVersion": 2018 },
  "plugins": ["security"],
  "extends": ["eslint:recommended", "plugin:security/recommended"]
}
JSON
(cd "$WORK/NodeGoat" && "$ESL/node_modules/.bin/eslint" --no-eslintrc -c "$ESL/nodegoat.eslintrc.json" \
	--resolve-plugins-relative-to "$ESL" -f "$ESL/node_modules/@microsoft/eslint-formatter-sarif/sarif.js" \
	-o "$OUT/nodegoat/eslint.sarif" app config server.js test) || true
# The rule-configuration case: eslint-disable comments naming rules of
# plugins that are not loaded (eslint-rulecfg/app.js, committed).
(cd "$OUT/eslint-rulecfg" && "$ESL/node_modules/.bin/eslint" --no-eslintrc -c .eslintrc.json \
	-f "$ESL/node_modules/@microsoft/eslint-formatter-sarif/sarif.js" -o eslint.sarif app.js) || true

# ---- tfsec, Trivy config, gitleaks on terragoat (IaC + secrets)
if have tfsec; then
	(cd "$WORK/terragoat" && tfsec . --no-color --soft-fail -f sarif --out "$OUT/terragoat/tfsec.sarif") >/dev/null
fi
if have trivy; then
	(cd "$WORK/terragoat" && trivy config --skip-check-update --quiet -f sarif -o "$OUT/terragoat/trivy-config.sarif" .)
	(cd "$WORK/terragoat" && trivy fs --scanners secret --quiet -f sarif -o "$OUT/terragoat/trivy-secret.sarif" .)
	(cd "$WORK/pygoat" && trivy fs --scanners secret,misconfig --skip-check-update --quiet -f sarif -o "$OUT/pygoat/trivy-fs.sarif" .)
	(cd "$WORK/NodeGoat" && trivy fs --scanners secret,misconfig --skip-check-update --quiet -f sarif -o "$OUT/nodegoat/trivy-fs.sarif" .)
fi
if have gitleaks; then
	for p in terragoat pygoat NodeGoat; do
		o=$(echo "$p" | tr A-Z a-z)
		(cd "$WORK/$p" && gitleaks dir . --no-banner --exit-code 0 -f sarif -r "$OUT/$o/gitleaks.sarif") 2>/dev/null
	done
fi

# ---- secretlint (npm): a second secret scanner
SL=$WORK/secretlint
if [ ! -x "$SL/node_modules/.bin/secretlint" ]; then
	mkdir -p "$SL" && (cd "$SL" && npm init -y >/dev/null &&
		npm install --no-audit --no-fund secretlint@9 @secretlint/secretlint-rule-preset-recommend@9 @secretlint/secretlint-formatter-sarif@9)
fi
echo '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' >"$SL/.secretlintrc.json"
for p in terragoat pygoat NodeGoat; do
	o=$(echo "$p" | tr A-Z a-z)
	(cd "$WORK/$p" && "$SL/node_modules/.bin/secretlint" --secretlintrc "$SL/.secretlintrc.json" \
		--format @secretlint/secretlint-formatter-sarif --output "$OUT/$o/secretlint.sarif" "**/*") || true
done

# ---- Go: staticcheck (quality) and gosec (security) on govwa
if have staticcheck; then
	(cd "$WORK/govwa" && go mod download && staticcheck -f sarif ./... >"$OUT/govwa/staticcheck.sarif") || true
fi
if have gosec; then
	(cd "$WORK/govwa" && gosec -quiet -no-fail -fmt sarif -out "$OUT/govwa/gosec.sarif" ./...) || true
fi
ls -la "$OUT"/*/*.sarif
