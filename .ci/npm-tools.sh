# Sourced by the CI checks that run JavaScript tools from the npm registry:
# makes sure node and npm are there (Debian's packages on a fresh machine),
# and installs exact versions of packages into a temporary folder, $work,
# removed when the script exits.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# npm_tools PACKAGE@VERSION...: installs them into $work.
npm_tools() {
  (cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund "$@" >/dev/null)
}
