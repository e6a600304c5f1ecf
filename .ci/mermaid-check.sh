#!/usr/bin/env bash
# `plimsoll matrix --format mermaid` must be Mermaid that Mermaid parses:
# every snapshot of it is parsed with Mermaid itself (from the npm
# registry, in a temporary folder; jsdom stands in for the browser).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/npm-tools.sh
source .ci/npm-tools.sh
npm_tools mermaid@11.17.2 jsdom@29.1.1
cp .ci/mermaid-parse.mjs "$work/"
snapshots=(crates/plimsoll-cli/tests/snapshots/promotion__mermaid_*.snap)
node "$work/mermaid-parse.mjs" "${snapshots[@]/#/$PWD/}"
