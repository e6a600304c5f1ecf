#!/usr/bin/env bash
# Runs the real pre-commit (from PyPI) against this repository's
# .pre-commit-hooks.yaml with `pre-commit try-repo`, in a scratch Git
# repository: a commit with a clean manifest must pass, one with a broken
# manifest must fail and name the rule.
#
# Needs: git, python3 (with venv), cargo. Called by .ci/run; works from a
# clean clone. The cargo build that pre-commit runs goes to
# target/pre-commit, so reruns reuse it.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit>=3.7,<5"
pre_commit="$work/venv/bin/pre-commit"
export PRE_COMMIT_HOME="$work/pre-commit-home"
export CARGO_TARGET_DIR="$repo/target/pre-commit"
# Each try-repo installs the hook afresh (a new clone, so the binary is
# rebuilt and relinked), with cargo install's release profile. The test is
# about the hook, not the binary's speed: build it without optimisation or
# link-time optimisation, which keeps CI on a fresh machine quick.
export CARGO_PROFILE_RELEASE_LTO=false
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256
export CARGO_PROFILE_RELEASE_INCREMENTAL=true

scratch="$work/scratch"
git init --quiet "$scratch"
cd "$scratch"
git config user.email ci@example.invalid
git config user.name ci
git config commit.gpgsign false

fail() {
    echo "pre-commit test: $*" >&2
    exit 1
}

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
if ! "$pre_commit" try-repo "$repo" > "$work/pass.log" 2>&1; then
    cat "$work/pass.log" >&2
    fail "the clean commit was rejected"
fi
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

echo "pre-commit test: passing and failing commits behave"
