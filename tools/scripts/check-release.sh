#!/usr/bin/env bash
# Proves the release setup of nx.json in a scratch repository with real commits (the checkout
# and its git history are never touched; nothing is pushed or published):
#  - a fix to tcp-transport releases tcp-transport alone, with a changelog entry and a tag;
#  - a fix to protocol releases protocol and, as a patch, both transports, whose dependency on
#    @netlab/protocol moves to the new version;
#  - `npm run release` never publishes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scratch-copy.sh"

failures=0
log=$SCRATCH/.git/release.log # inside .git: never staged by the release
check() { # description, actual, expected
  if [ "$2" = "$3" ]; then echo "ok    $1: $2"; else echo "FAIL  $1: got '$2', want '$3'"; failures=$((failures + 1)); fi
}
commit_change() { # file, conventional commit message
  echo "// touched by check-release" >> "$1"
  git add -A && git -c user.email=ci@netlab -c user.name=ci commit -qm "$2"
}
release() { # the README's command (it answers the publish prompt "no"); output kept for the checks
  GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@netlab GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@netlab \
    npm run --silent release > $log 2>&1 || { cat $log; exit 1; }
}
version_of() { node -p "require('./packages/$1/package.json').version"; }
protocol_range_of() { node -p "require('./packages/$1/package.json').dependencies['@netlab/protocol']"; }
versions() { echo "$(version_of protocol) $(version_of udp-transport) $(version_of tcp-transport)"; }
before=$(versions)

commit_change packages/tcp-transport/src/limits.ts 'fix(tcp-transport): a limit message names the limit'
release
check 'a tcp-transport fix: versions (protocol udp tcp)' "$(versions)" "0.1.0 0.1.0 0.1.1"
check 'a tcp-transport fix: tag' "$(git tag --points-at HEAD | tr '\n' ' ')" 'tcp-transport@0.1.1 '
check 'a tcp-transport fix: changelog entry' \
  "$(grep -c -- '- \*\*tcp-transport:\*\* a limit message names the limit' packages/tcp-transport/CHANGELOG.md)" 1
check 'a tcp-transport fix: other changelogs untouched' \
  "$(git diff --name-only HEAD~1 HEAD -- packages/protocol packages/udp-transport | tr '\n' ' ')" ''

commit_change packages/protocol/src/uppercase.ts 'fix(protocol): uppercase keeps a combining mark with its letter'
release
check 'a protocol fix: versions (protocol udp tcp)' "$(versions)" "0.1.1 0.1.1 0.1.2"
check 'a protocol fix: transports depend on the new protocol' \
  "$(protocol_range_of udp-transport) $(protocol_range_of tcp-transport)" '^0.1.1 ^0.1.1'
check 'a protocol fix: tags' "$(git tag --points-at HEAD | sort | tr '\n' ' ')" \
  'protocol@0.1.1 tcp-transport@0.1.2 udp-transport@0.1.1 '
check 'a protocol fix: the lock file follows' \
  "$(node -p "require('./package-lock.json').packages['packages/protocol'].version")" 0.1.1
check 'never published' "$(grep -c 'Skipped publishing packages' $log)" 1

echo "(versions before: $before)"
[ "$failures" -eq 0 ] && echo "release: as expected" || { echo "release: $failures failure(s)"; exit 1; }
