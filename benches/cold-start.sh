#!/usr/bin/env bash
# Cold start: `plimsoll check` (all rules, schema validation included) on one
# small file, a fresh process each time, as a pre-commit hook runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
plimsoll=${PLIMSOLL:-target/release/plimsoll}
[ -x "$plimsoll" ] || cargo build --release -q
file=testdata/rules/schema/pass-core.yaml
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs 50 -i "$plimsoll check $file"
else
    for _ in $(seq 20); do
        /usr/bin/time -f "%e s %M KB" "$plimsoll" check "$file" >/dev/null || true
    done
fi
