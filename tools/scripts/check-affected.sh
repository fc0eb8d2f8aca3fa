#!/usr/bin/env bash
# Shows what `nx affected` builds for a change, in a scratch repository with real commits:
# a change under packages/protocol affects every project; a change under apps/udp-client
# affects that app and the two tools that run it (balancers, guide-check) alone. Fails if
# Nx's answer differs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scratch-copy.sh"

affected_after_change() { # file to touch -> sorted affected project names
  echo "// touched by check-affected" >> "$1"
  git add -A && git -c user.email=ci@netlab -c user.name=ci commit -qm "touch $1"
  npx nx show projects --affected --base=HEAD~1 --head=HEAD | sort | tr '\n' ' '
}

failures=0
check() { # description, actual, expected
  if [ "$2" = "$3" ]; then echo "ok    $1: $2"; else echo "FAIL  $1: got '$2', want '$3'"; failures=$((failures + 1)); fi
}

# package-consumers packs and installs the three packages, so any change to one affects it;
# balancers runs the four built apps behind HAProxy and nginx, and guide-check runs the
# guide's commands against them, so any change to one affects both; soak runs the two built
# servers, so any change to a server or what it is built from affects it. (server-check's tests
# grade the built servers too, but through its test target's dependsOn, not the graph: the
# grader itself is built from protocol and cli only, and a TCP change must not rebuild UDP.)
all='balancers cli guide-check package-consumers protocol server-check soak tcp-client tcp-server tcp-transport udp-client udp-server udp-transport '
check 'change in packages/protocol' "$(affected_after_change packages/protocol/src/index.ts)" "$all"
check 'change in apps/udp-client' "$(affected_after_change apps/udp-client/src/main.ts)" 'balancers guide-check udp-client '
check 'change in packages/tcp-transport' "$(affected_after_change packages/tcp-transport/src/index.ts)" \
  'balancers guide-check package-consumers soak tcp-client tcp-server tcp-transport '

# What the forge's CI would build for that last change (tcp-transport), read from the task
# graph Nx plans (nothing runs): the TCP stack and the libraries it is built on (protocol,
# transport-core), no UDP project.
npx nx affected -t build --base=HEAD~1 --head=HEAD --graph=affected-build.json >/dev/null
built=$(node -e '
  const graph = require("./affected-build.json");
  console.log(Object.keys(graph.tasks.tasks).map((t) => t.replace(/:build$/, "")).sort().join(" "));
')
check 'nx affected -t build plans builds of the TCP stack and the libraries it is built on only' "$built" \
  'protocol tcp-client tcp-server tcp-transport transport-core'

[ "$failures" -eq 0 ] && echo "affected: as expected" || { echo "affected: $failures failure(s)"; exit 1; }
