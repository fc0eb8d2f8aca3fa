#!/usr/bin/env bash
# The README's first command: builds the TCP pair, starts tcp-server on a free port (its
# JSON logs go to tmp/demo/), and runs tcp-client in this terminal for you to type into.
# `npm start -- udp` does the same with the UDP pair. The server stops when the client exits.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_TUI=false NX_NO_CLOUD=true

kind=${1:-tcp}
case "$kind" in tcp | udp) ;; *) echo "usage: npm start -- [tcp|udp]" >&2; exit 2 ;; esac
shift || true

echo "Building $kind-server and $kind-client ..."
npx nx run-many -t build -p "$kind-server" "$kind-client" --output-style=static >/dev/null

mkdir -p tmp/demo
log="tmp/demo/$kind-server.log"
# Emptied here, before the server starts: the redirection below happens in the forked child,
# and a loop that looked before the child got to it would read the previous run's
# `Listening at` and send the client to a port nobody listens on any more.
: >"$log"
node "dist/apps/$kind-server/main.js" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT

port=''
for _ in $(seq 1 100); do
  port=$(grep -m1 '"Listening at"' "$log" 2>/dev/null | sed -E 's/.*"port":([0-9]+).*/\1/' || true)
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "$kind-server did not start; see $log" >&2; exit 1; }

echo "$kind-server is listening on 127.0.0.1:$port (JSON logs: $log; follow them with: tail -f $log | npx pino-pretty)"
if [ "$kind" = tcp ]; then
  echo "Type a message, 'History' for this connection's messages, 'Exit' to disconnect."
else
  echo "Type a message; the server answers it uppercased. Ctrl-D or 'Exit' ends."
fi
node "dist/apps/$kind-client/main.js" --host 127.0.0.1 --port "$port" "$@"
