#!/usr/bin/env bash
# `plimsoll matrix --format mermaid` must be Mermaid that Mermaid parses:
# every snapshot of it is parsed with Mermaid itself (from the npm
# registry, in a temporary folder; jsdom stands in for the browser).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund mermaid@11.17.2 jsdom@29.1.1 >/dev/null)
cp .ci/mermaid-parse.mjs "$work/"
snapshots=(crates/plimsoll-cli/tests/snapshots/promotion__mermaid_*.snap)
node "$work/mermaid-parse.mjs" "${snapshots[@]/#/$PWD/}"
