#!/usr/bin/env bash
# Scale-out on one port, measured: the built udp-server and tcp-server as one process, as
# `--workers 2` (node:cluster: one shared UDP socket, TCP round-robin through the primary), and
# as two independent processes with `--reuse-port` (a socket each, the kernel spreads the load),
# alternating, ROUNDS times, under the bench's native load generator (the load of
# udp-throughput and tcp-throughput). Prints messages/s per round and the medians.
#
# Usage: bash tools/bench/reuse-port.sh [ROUNDS] [SECONDS]    (default 3 rounds of 5 s)
#        NODE=/path/to/node (default: node on PATH; --reuse-port needs 22.12 or later), e.g.
#        NODE=~/.cache/netlab/node-24.22.3/bin/node   (installed by tools/scripts/node-matrix.sh)
# Needs the built apps (npx nx run-many -t build -p udp-server tcp-server) and gcc.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
seconds=${2:-5}
node=${NODE:-node}
generator=tmp/bench/load-generator-native
mkdir -p tmp/bench
[ -x "$generator" ] && [ "$generator" -nt tools/bench/native/load-generator.c ] ||
  gcc -O2 -Wall -Wextra -o "$generator" tools/bench/native/load-generator.c
echo "node $("$node" --version), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

pids=()
stop_servers() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap stop_servers EXIT

# start APP PORT LISTENERS ARGS...: starts a server, waits until LISTENERS `Listening at` lines.
start() {
  local app=$1 port=$2 listeners=$3 log
  shift 3
  log=$(mktemp)
  "$node" "dist/apps/$app/main.js" --host 127.0.0.1 --port "$port" --service uppercase \
    --log-level warn "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do
    [ "$(grep -c '"Listening at"' "$log")" -ge "$listeners" ] && return 0
    sleep 0.1
  done
  echo "bench: $app $* did not start:" >&2 && cat "$log" >&2 && exit 1
}

# load KIND PORT: one measurement, messages per second.
load() {
  local ms=$((seconds * 1000))
  if [ "$1" = udp ]; then
    "$generator" udp 127.0.0.1 "$2" 8 8 32 1000 "$ms" 1000
  else
    "$generator" tcp 127.0.0.1 "$2" uppercase 50 16 32 1000 "$ms" 1000
  fi | node -e '
    const line = require("fs").readFileSync(0, "utf8").trim().split("\n").pop();
    const r = JSON.parse(line);
    if (r.errors) throw new Error("errors: " + JSON.stringify(r.errorSamples));
    console.log(Math.round(r.messagesPerSecond));'
}

declare -A results
port=$((20000 + RANDOM % 20000))
for round in $(seq 1 "$rounds"); do
  for kind in udp tcp; do
    for setup in one workers2 reuseport2; do
      port=$((port + 1))
      case $setup in
        one) start "$kind-server" "$port" 1 ;;
        workers2) start "$kind-server" "$port" 2 --workers 2 ;;
        reuseport2)
          start "$kind-server" "$port" 1 --reuse-port
          start "$kind-server" "$port" 1 --reuse-port
          ;;
      esac
      rate=$(load "$kind" "$port")
      stop_servers
      results[$kind.$setup]+="$rate "
      printf 'round %d  %s %-10s %9d msg/s\n' "$round" "$kind" "$setup" "$rate"
    done
  done
done

echo
echo "median msg/s over $rounds rounds:"
for kind in udp tcp; do
  for setup in one workers2 reuseport2; do
    median=$(echo "${results[$kind.$setup]}" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '  %s %-10s %9d\n' "$kind" "$setup" "$median"
  done
done
