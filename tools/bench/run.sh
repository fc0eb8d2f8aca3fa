#!/usr/bin/env bash
# Benchmark runner of issue 6: builds the servers under test, bundles the bench tool into
# tmp/bench/, and runs it. Every argument goes to the runner (see --help); one is ours:
#   --skip-build   reuse dist/ and tmp/bench/ as they are (for quick re-runs).
# Usage: npm run bench -- [--smoke] [--scenarios a,b] [--rounds N] [--duration S] ...
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_TUI=false NX_NO_CLOUD=true NX_DAEMON=${NX_DAEMON:-false}

build=1
args=()
for arg in "$@"; do
  if [ "$arg" = --skip-build ]; then build=0; else args+=("$arg"); fi
done

if [ "$build" = 1 ]; then
  echo "bench: building tcp-server and udp-server ..." >&2
  CI=true npx nx run-many -t build -p tcp-server udp-server --output-style=static >&2
  echo "bench: bundling tools/bench into tmp/bench/ ..." >&2
  npx esbuild \
    tools/bench/src/cli.ts \
    tools/bench/src/load-generator.ts \
    tools/bench/src/baselines/bare-tcp-line-server.ts \
    tools/bench/src/baselines/bare-tls-line-server.ts \
    tools/bench/src/baselines/bare-udp-server.ts \
    --bundle --platform=node --target=node20 --outdir=tmp/bench --outbase=tools/bench/src \
    --log-level=warning
fi

# The native load generator: compiled with the machine's gcc whenever its source is newer
# than the binary (--skip-build too: it takes a second, and a stale one would mislead).
generator=tmp/bench/load-generator-native
source=tools/bench/native/load-generator.c
if [ ! -x "$generator" ] || [ "$source" -nt "$generator" ]; then
  if ! command -v gcc >/dev/null 2>&1; then
    echo "bench: gcc is needed to compile $source (tools/scripts/ensure-system-packages.sh installs it)" >&2
    exit 1
  fi
  echo "bench: compiling $source ..." >&2
  mkdir -p tmp/bench
  gcc -O2 -Wall -Wextra -o "$generator" "$source" -lssl -lcrypto
fi

# tcp-idle-rss holds 10,000 connections: the generator and the server each need a
# descriptor per connection. Raise the soft limit as far as the hard one allows.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then hard=65536; fi
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$hard" ]; then ulimit -Sn "$hard"; fi

exec node tmp/bench/cli.js "${args[@]+"${args[@]}"}"
