#!/usr/bin/env bash
# Proves the architecture rules of eslint.config.mjs: each deliberate violation below must
# make ESLint fail with the module-boundary (or restricted-import) rule, and the tree
# without it must lint clean. Runs in a scratch copy; the checkout is never modified.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scratch-copy.sh"
# The module-boundary rule reads Nx's project graph and silently skips itself without one
# (a fresh clone has none): compute it first, as `nx lint` would.
npx nx show projects >/dev/null

failures=0
expect_violation() { # description, file, source text, rule that must fire
  local what=$1 file=$2 text=$3 rule=$4
  printf '%s\n' "$text" > "$file"
  local out
  if out=$(npx eslint --no-warn-ignored "$file" 2>&1); then
    echo "FAIL  $what: lint passed but should have failed"; failures=$((failures + 1))
  elif ! grep -q 'will be skipped' <<<"$out" && grep -qE " $rule\$" <<<"$out"; then
    echo "ok    $what: rejected by $rule"
  else
    echo "FAIL  $what: lint failed, but not by $rule:"; echo "$out"; failures=$((failures + 1))
  fi
  rm -f "$file"
}

expect_violation 'protocol imports a transport' packages/protocol/src/violation.ts \
  "import { createUdpServer } from '@netlab/udp-transport'; export const x = createUdpServer;" \
  '@nx/enforce-module-boundaries'
expect_violation 'protocol imports node:net' packages/protocol/src/violation.ts \
  "import { createServer } from 'node:net'; export const x = createServer;" 'no-restricted-imports'
expect_violation 'protocol imports node:dgram' packages/protocol/src/violation.ts \
  "import * as dgram from 'node:dgram'; export const x = dgram;" 'no-restricted-imports'
expect_violation 'protocol imports dgram (bare)' packages/protocol/src/violation.ts \
  "import * as dgram from 'dgram'; export const x = dgram;" 'no-restricted-imports'
expect_violation 'a package imports an app' packages/tcp-transport/src/violation.ts \
  "import * as app from '../../../apps/tcp-server/src/main'; export const x = app;" \
  '@nx/enforce-module-boundaries'
expect_violation 'a udp project imports a tcp one' packages/udp-transport/src/violation.ts \
  "import * as tcp from '@netlab/tcp-transport'; export const x = tcp;" '@nx/enforce-module-boundaries'
expect_violation 'a udp app imports a tcp package' apps/udp-server/src/violation.ts \
  "import * as tcp from '@netlab/tcp-transport'; export const x = tcp;" '@nx/enforce-module-boundaries'
expect_violation 'a tcp app imports a udp package' apps/tcp-client/src/violation.ts \
  "import * as udp from '@netlab/udp-transport'; export const x = udp;" '@nx/enforce-module-boundaries'
expect_violation 'shipped package code imports a test tool' packages/tcp-transport/src/violation.ts \
  "import { createFaultProxy } from '@netlab-tools/tcp-fault-proxy'; export const x = createFaultProxy;" \
  '@nx/enforce-module-boundaries'
expect_violation 'shipped app code imports a test tool' apps/udp-server/src/violation.ts \
  "import { startLossyProxy } from '@netlab-tools/lossy-udp-proxy'; export const x = startLossyProxy;" \
  '@nx/enforce-module-boundaries'
expect_violation 'the apps shared cli code imports a transport' packages/cli/src/violation.ts \
  "import * as tcp from '@netlab/tcp-transport'; export const x = tcp;" '@nx/enforce-module-boundaries'

# Without the violations the same projects lint clean: the failures above came from the rules.
if npx eslint packages apps >/dev/null 2>&1; then
  echo "ok    the tree without violations lints clean"
else
  echo "FAIL  the tree without violations does not lint clean:"; npx eslint packages apps || true
  failures=$((failures + 1))
fi

[ "$failures" -eq 0 ] && echo "boundaries: all rules proven" || { echo "boundaries: $failures failure(s)"; exit 1; }
