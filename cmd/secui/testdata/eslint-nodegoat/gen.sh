#!/bin/sh
# eslint.config.mjs (next to this script) is the configuration: eslint:recommended + security.
# Regenerates eslint.sarif: real ESLint output on OWASP NodeGoat (the scoped
# decisions tests and benchmark in cmd/secui and findings/ledger use it).
#
#   NODEGOAT: a clone of https://github.com/OWASP/NodeGoat (commit c5cb68a was used)
#   TOOLS:    a scratch directory for the npm packages
#
# The URIs are made relative to the NodeGoat root so the file can be placed
# at the root of any test repository.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
NODEGOAT=${NODEGOAT:-/tmp/scopes/nodegoat}
TOOLS=${TOOLS:-/tmp/scopes/eslint-tools}
mkdir -p "$TOOLS"
cd "$TOOLS"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-audit --no-fund eslint@9.39.5 @eslint/js@9 @microsoft/eslint-formatter-sarif@3 eslint-plugin-security@4.1.0
cp "$here/eslint.config.mjs" "$TOOLS/eslint.config.mjs" # imports resolve from TOOLS
cd "$NODEGOAT"
# ESLint exits 1 when it reports findings.
"$TOOLS/node_modules/.bin/eslint" -c "$TOOLS/eslint.config.mjs" --no-config-lookup \
  -f "$TOOLS/node_modules/@microsoft/eslint-formatter-sarif/sarif.js" . -o "$here/eslint.raw.sarif" || true
sed "s#file://$NODEGOAT/##g" "$here/eslint.raw.sarif" > "$here/eslint.sarif"
rm "$here/eslint.raw.sarif"
