#!/usr/bin/env bash
# The whole suite (npm run test:all) on a busy machine: one process burns a CPU core for
# the suite's whole length, as a browser, a build or a neighbour on a shared CI runner
# would. Anything that fails here but passes on an idle machine mistakes lateness for a
# fault (a test's time budget, a timer's verdict): a bug to fix, not to rerun.
# Usage: npm run test:busy      (BUSY_CORE=N picks the core to keep busy; default 0)
# The burner is stopped however the run ends: success, failure, Ctrl+C or SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/../.."

core=${BUSY_CORE:-0}
# Every test runs again, under load: Nx would otherwise replay the results it cached from an
# earlier, idle run (Nx 23 keeps its cache under ~/.nx, shared by every clone of the
# workspace on the machine), and the busy machine would test nothing.
export NX_SKIP_NX_CACHE=true
# The burner spins, and every few hundred million turns checks that this script is still
# its parent: even if the script is killed outright (SIGKILL), the burner does not outlive it.
burn='const parent = process.ppid; for (let i = 1; ; i++) if (i % 3e8 === 0 && process.ppid !== parent) process.exit(0);'
pin=()
where="(taskset not found: not pinned)"
if command -v taskset >/dev/null 2>&1; then
  pin=(taskset -c "$core")
  where="on core $core"
fi

burner=''
suite=''
finish() {
  # The suite runs in a session of its own (below): stop its whole process group.
  if [ -n "$suite" ] && kill -0 "$suite" 2>/dev/null; then kill -TERM -- "-$suite" 2>/dev/null || true; fi
  if [ -n "$burner" ] && kill -0 "$burner" 2>/dev/null; then kill "$burner" 2>/dev/null || true; fi
  wait 2>/dev/null || true
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${pin[@]}" node -e "$burn" &
burner=$!
printf '=== test:busy: a process (pid %s) burns a CPU core (%s) for the whole run\n' "$burner" "$where"
started=$(date +%s)
status=0
# In the background and in its own session, so that a signal to this script is acted on at
# once (bash runs a trap only after the foreground command ends) and reaches every process
# of the suite.
setsid bash tools/scripts/test-all.sh &
suite=$!
wait "$suite" || status=$?
suite=''
seconds=$(($(date +%s) - started))
verdict=passed
[ "$status" -eq 0 ] || verdict="FAILED (exit $status)"
printf '\n=== test:busy: %s in %dm%02ds with one core kept busy (load average: %s)\n' \
  "$verdict" $((seconds / 60)) $((seconds % 60)) "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
exit "$status"
