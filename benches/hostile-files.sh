#!/usr/bin/env bash
# Many small files (issue 8's hostile suite): `plimsoll check` on N
# one-document files in folders of 1,000, one of them with a schema error,
# as crates/plimsoll/tests/hostile.rs builds them (its 100k-file test is
# #[ignore]d because a debug build takes ~20 s). Prints wall time, CPU time
# and peak RSS of the release binary per size.
#   benches/hostile-files.sh [SIZES...]      default: 10000 100000
set -euo pipefail
cd "$(dirname "$0")/.."
plimsoll=${PLIMSOLL:-target/release/plimsoll}
[ -x "$plimsoll" ] || cargo build --release -q -p plimsoll-cli
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '| files | wall s | user+sys s | peak RSS MB | exit |\n|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
    dir="$work/files-$n"
    python3 - "$dir" "$n" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for at in range(n):
    folder = os.path.join(root, "d%03d" % (at // 1000))
    if at % 1000 == 0:
        os.makedirs(folder)
    value = "on" if at == n // 2 else '"on"'
    with open(os.path.join(folder, "cm-%d.yaml" % at), "w") as out:
        out.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  flag: %s\n" % (at, value))
PY
    set +e
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" \
        "$plimsoll" check --quiet --format json "$dir" >"$work/out.json"
    code=$?
    set -e
    read -r wall user sys rss < <(tail -n 1 "$work/time")
    findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/out.json")
    [ "$findings" -ge 1 ] || { echo "expected the odd file's finding" >&2; exit 1; }
    printf '| %d | %s | %.2f | %d | %d |\n' "$n" "$wall" "$(awk "BEGIN { print $user + $sys }")" $((rss / 1024)) "$code"
done
