#!/usr/bin/env bash
# Builds the fuzzers' working corpora, fuzz/corpus/<target>/, from the
# repository's own files: testdata/, the policy packs, the starter config,
# and the committed seeds in fuzz/seeds/. Files are named by their SHA-1, as
# libFuzzer names what it adds, so running this again adds nothing twice and
# keeps what the fuzzers found. Files over 64 KiB are left out: they slow
# every execution and teach the fuzzer nothing small files do not.
set -euo pipefail
cd "$(dirname "$0")"
root=..
max_bytes=65536

add() { # add <target> <file>...
  local target=$1
  shift
  mkdir -p "corpus/$target"
  local file
  for file in "$@"; do
    [ -f "$file" ] || continue
    [ "$(wc -c <"$file")" -le "$max_bytes" ] || continue
    cp "$file" "corpus/$target/$(sha1sum "$file" | cut -c1-40)"
  done
}

manifests() {
  find "$root/testdata" seeds/realworld -type f \
    \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) \
    ! -name '.plimsoll.yaml' -print0
}

mapfile -d '' yaml < <(manifests)
add loader "${yaml[@]}"
add check "${yaml[@]}"

mapfile -d '' configs < <(find "$root/testdata" -name '.plimsoll.yaml' -print0)
add config "${configs[@]}" "$root/crates/plimsoll/src/config/starter.plimsoll.yaml"

mapfile -d '' policies < <(find "$root/policies" "$root/testdata/policies" -type f \
  -name '*.yaml' \( -path '*/policies/*' -o -path '*/errors/*' \) -print0)
add policy "${policies[@]}" seeds/policy/*

# Values as manifests write them: images, quantities, durations.
mkdir -p corpus/values
add values seeds/values/*
grep -rhoE '(image|cpu|memory|storage|interval|timeout|retryInterval): *"?[^ "#]+' \
  "$root/testdata" seeds/realworld 2>/dev/null |
  sed -E 's/^[a-zA-Z]+: *"?//' | sort -u | head -n 400 |
  while IFS= read -r value; do
    printf '%s' "$value" >"corpus/values/$(printf '%s' "$value" | sha1sum | cut -c1-40)"
  done

for target in loader config check policy values; do
  # Regressions seed their target too: a fix must hold under mutation.
  if [ -d "regressions/$target" ]; then add "$target" "regressions/$target"/*; fi
  echo "corpus/$target: $(find "corpus/$target" -type f | wc -l) files"
done
