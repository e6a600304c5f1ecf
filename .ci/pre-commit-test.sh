#!/usr/bin/env bash
# Builds the `plimsoll` wheel (maturin, crates/plimsoll-cli/pyproject.toml),
# installs it into a fresh virtual environment and runs it on the quick
# start; then runs the real pre-commit (from PyPI) against this repository's
# .pre-commit-hooks.yaml with `pre-commit try-repo`, in a scratch Git
# repository, the hook's `plimsoll` dependency resolved to that wheel: a
# commit with a clean manifest must pass, one with a broken manifest must
# fail and name the rule. Prints how long pre-commit took to install the
# hook.
#
# Needs: git, python3 (with venv), cargo. Called by .ci/run after the tests;
# the wheel is a debug build (stripped) with unoptimised dependencies; the
# release workflow builds the optimised wheels.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pip_quiet=(--quiet --disable-pip-version-check)

fail() {
    echo "wheel and pre-commit test: $*" >&2
    exit 1
}

# The wheel.
python3 -m venv "$work/tools"
"$work/tools/bin/pip" install "${pip_quiet[@]}" "maturin>=1.5,<2" "pre-commit>=3.7,<5"
# The binary's features differ from the test build's (dev-dependencies
# add some), so cargo builds its dependencies again whatever we do;
# unoptimised, that takes half the time, and the wheel's binary only
# checks a few small files.
"$work/tools/bin/maturin" build --quiet --profile dev --strip \
    --config 'profile.dev.package."*".opt-level=0' \
    -m "$repo/crates/plimsoll-cli/Cargo.toml" --out "$work/dist"
wheel=$(ls "$work"/dist/plimsoll-*.whl)
echo "built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

# A fresh virtual environment gets a working `plimsoll` from it.
python3 -m venv "$work/fresh"
"$work/fresh/bin/pip" install "${pip_quiet[@]}" "$wheel"
set +e
(cd "$repo" && "$work/fresh/bin/plimsoll" check --color never \
    --config testdata/examples/quickstart/.plimsoll.yaml testdata/examples/quickstart \
    > "$work/quickstart.log" 2>&1)
code=$?
set -e
[ "$code" -eq 1 ] || { cat "$work/quickstart.log" >&2; fail "the wheel's plimsoll exited $code on the quick start, not 1"; }
grep -q '^Found 4 errors' "$work/quickstart.log" || { cat "$work/quickstart.log" >&2; fail "the wheel's plimsoll did not find the quick start's 4 errors"; }

# pre-commit installs the hook package (the root pyproject.toml) from the
# wheel just built and setuptools, never from the index: PyPI's `plimsoll`
# is not this build.
"$work/tools/bin/pip" download "${pip_quiet[@]}" --dest "$work/dist" "setuptools>=61"
export PIP_NO_INDEX=1 PIP_FIND_LINKS="$work/dist"
export PRE_COMMIT_HOME="$work/pre-commit-home"
pre_commit="$work/tools/bin/pre-commit"

scratch="$work/scratch"
git init --quiet "$scratch"
cd "$scratch"
git config user.email ci@example.invalid
git config user.name ci
git config commit.gpgsign false

# A passing commit: an image pinned by digest, plus a file the hook excludes.
mkdir -p envs/prod .github/workflows
cat > envs/prod/api.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.4.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
YAML
printf 'on: push\njobs: {}\n' > .github/workflows/ci.yml
git add -A
# try-repo with no hook id runs every hook of .pre-commit-hooks.yaml:
# `plimsoll` (the staged files) and `plimsoll-repo` (the whole repository).
# The first run installs the hook environment.
started=$(date +%s.%N)
if ! "$pre_commit" try-repo "$repo" > "$work/pass.log" 2>&1; then
    cat "$work/pass.log" >&2
    fail "the clean commit was rejected"
fi
finished=$(date +%s.%N)
for name in 'plimsoll\.\.\.' 'plimsoll (whole repository)'; do
    grep -q "^$name.*Passed" "$work/pass.log" || { cat "$work/pass.log" >&2; fail "hook $name did not pass"; }
done
git commit --quiet -m "clean manifest"

# A failing commit: the image loses its digest.
sed -i.bak 's/@sha256:[0-9a-f]*//' envs/prod/api.yaml && rm envs/prod/api.yaml.bak
git add -A
if "$pre_commit" try-repo "$repo" > "$work/fail.log" 2>&1; then
    cat "$work/fail.log" >&2
    fail "the commit with an unpinned image was accepted"
fi
for name in 'plimsoll\.\.\.' 'plimsoll (whole repository)'; do
    grep -q "^$name.*Failed" "$work/fail.log" || { cat "$work/fail.log" >&2; fail "hook $name did not fail"; }
done
grep -q 'error\[image-digest\]' "$work/fail.log" || { cat "$work/fail.log" >&2; fail "the failure does not name image-digest"; }

seconds=$(python3 -c "print(f'{$finished - $started:.1f}')")
echo "wheel and pre-commit test: the wheel runs; passing and failing commits behave" \
    "(first pre-commit run, hook install included: $seconds s)"
