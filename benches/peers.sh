#!/usr/bin/env bash
# Schema validation peers on the same corpus, side by side, in one run:
# plimsoll (`--select schema`, and every rule: plain `check`), kubeconform
# (`-strict`, only when a `kubeconform` binary is on PATH, with local schemas
# only, never the network) and kubernetes-validate (PyPI, `--strict`, when
# installed). Prints documents per second (wall), documents per CPU-second and
# peak RSS of each, then the ratios plimsoll / kubeconform of the three, for
# schema only and for every rule.
#
# usage: benches/peers.sh [CORPUS_DIR] [SLOW_PEER_FILES]
#   CORPUS_DIR       default target/bench-corpus-100k (generated if missing)
#   SLOW_PEER_FILES  kubernetes-validate runs ~100x slower than plimsoll: it
#                    gets the first N files of the corpus (sorted; default
#                    all), and plimsoll is also measured on that same subset.
#   KUBECONFORM_SCHEMAS  -schema-location template of the Kubernetes schemas,
#                    a local folder in kubeconform's standalone layout (see
#                    benches/README.md). Default: the standalone-strict folder
#                    under ../shared/schemas/kubernetes/ when it exists;
#                    otherwise kubeconform is skipped. URLs and kubeconform's
#                    "default" (a download) are refused.
#   KUBECONFORM_CRD_SCHEMAS  a second -schema-location, for CRD kinds
#                    (catalog layout <group>/<kind>_<version>.json). Default:
#                    ../shared/schemas/crds/ when it exists; set it empty for
#                    none. Kinds with no schema either way are skipped
#                    (-ignore-missing-schemas) and counted in kubeconform's
#                    summary, which is printed.
#   PLIMSOLL         binary to measure (default: target/release/plimsoll)
# Install the Python peer with: pip install kubernetes-validate
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-target/bench-corpus-100k}
slow_files=${2:-}
plimsoll=${PLIMSOLL:-target/release/plimsoll}
[ -x "$plimsoll" ] || cargo build --release -q
[ -d "$corpus" ] || python3 benches/gen_corpus.py --out "$corpus" --files 10000 --docs-per-file 10 >&2
# shellcheck source=benches/measure.sh
. benches/measure.sh
count() {
    "$plimsoll" check --select input-read --format json "$@" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["documents"])'
}
# ratio LABEL: plimsoll's last measure against kubeconform's (kc_*)
ratio() {
    awk -v l="$1" -v pd="$measured_docs" -v pw="$measured_wall" -v pc="$measured_cpu" \
        -v pr="$measured_rss" -v kd="$kc_docs" -v kw="$kc_wall" -v kc="$kc_cpu" -v kr="$kc_rss" '
        function div(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
        BEGIN {
            wall = (pw > 0 && kw > 0) ? div(pd / pw, kd / kw) : "-"
            cpu = (pc > 0 && kc > 0) ? div(pd / pc, kd / kc) : "-"
            printf "  %-32s %12s %12s %12s\n", l, wall, cpu, div(pr, kr)
        }'
}
docs=$(count "$corpus")
echo "corpus: $corpus ($docs documents), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"

measure "plimsoll --select schema" "$docs" "$plimsoll" check --select schema -q "$corpus"
schema_numbers="$measured_docs $measured_wall $measured_cpu $measured_rss"
measure "plimsoll check (every rule)" "$docs" "$plimsoll" check -q "$corpus"
every_numbers="$measured_docs $measured_wall $measured_cpu $measured_rss"

kubeconform_ran=
shared=../shared/schemas
if ! command -v kubeconform >/dev/null; then
    echo "kubeconform: not on PATH, skipped (see benches/README.md to build it)"
else
    k8s_schemas=${KUBECONFORM_SCHEMAS:-}
    if [ -z "$k8s_schemas" ] && [ -d "$shared/kubernetes/v1.37.0-standalone-strict" ]; then
        k8s_schemas="$shared/kubernetes/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
    fi
    crd_default=
    if [ -d "$shared/crds" ]; then
        crd_default="$shared/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
    fi
    crd_schemas=${KUBECONFORM_CRD_SCHEMAS-$crd_default}
    remote=
    for location in "$k8s_schemas" "$crd_schemas"; do
        case "$location" in default | *://*) remote=1 ;; esac
    done
    if [ -n "$remote" ]; then
        echo "kubeconform: KUBECONFORM_SCHEMAS and KUBECONFORM_CRD_SCHEMAS must be local paths, not URLs or \"default\"; skipped"
    elif [ -z "$k8s_schemas" ]; then
        echo "kubeconform: set KUBECONFORM_SCHEMAS to a local -schema-location (see benches/README.md); skipped"
    else
        locations=(-schema-location "$k8s_schemas")
        [ -z "$crd_schemas" ] || locations+=(-schema-location "$crd_schemas")
        echo "kubeconform $(kubeconform -v), schemas: ${locations[*]}"
        out=$(mktemp)
        MEASURE_STDOUT=$out measure "kubeconform -strict" "$docs" kubeconform -strict -summary \
            -n "$(nproc)" -kubernetes-version 1.37.0 "${locations[@]}" \
            -ignore-missing-schemas "$corpus"
        summary=$(grep '^Summary:' "$out" || echo "Summary: none")
        rm -f "$out"
        echo "  $summary"
        read -r kc_docs kc_wall kc_cpu kc_rss <<<"$measured_docs $measured_wall $measured_cpu $measured_rss"
        resources=$(sed -n 's/^Summary: \([0-9]*\) resources\{0,1\} found.*/\1/p' <<<"$summary")
        valid=$(sed -n 's/.* Valid: \([0-9]*\),.*/\1/p' <<<"$summary")
        if [ "${valid:-0}" -eq 0 ]; then
            echo "  kubeconform validated no document: do its schema locations resolve? no ratios"
        else
            [ "${resources:-0}" -eq "$docs" ] \
                || echo "  warning: kubeconform found ${resources:-no} resources, plimsoll $docs documents"
            kubeconform_ran=1
        fi
    fi
fi

if command -v kubernetes-validate >/dev/null; then
    mapfile -t files < <(find "$corpus" -name '*.yaml' | sort)
    if [ -n "$slow_files" ]; then
        files=("${files[@]:0:$slow_files}")
        subset_docs=$(count "${files[@]}")
        echo "subset for kubernetes-validate: first ${#files[@]} files ($subset_docs documents)"
        measure "plimsoll --select schema (subset)" "$subset_docs" \
            "$plimsoll" check --select schema -q "${files[@]}"
    else
        subset_docs=$docs
    fi
    measure "kubernetes-validate --strict" "$subset_docs" \
        kubernetes-validate --strict --quiet --no-warn "${files[@]}"
else
    echo "kubernetes-validate: not installed (pip install kubernetes-validate), skipped"
fi

if [ -n "$kubeconform_ran" ]; then
    printf 'ratios, plimsoll / kubeconform %12s %12s %12s\n' "docs/s" "docs/cpu-s" "peak RSS"
    read -r measured_docs measured_wall measured_cpu measured_rss <<<"$schema_numbers"
    ratio "--select schema"
    read -r measured_docs measured_wall measured_cpu measured_rss <<<"$every_numbers"
    ratio "every rule"
fi
