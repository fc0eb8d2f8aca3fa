# Sourced by the workspace checks: makes a throwaway copy of the tracked tree at $SCRATCH
# (a real git repository, node_modules linked from the workspace) and removes it on exit,
# so a deliberate violation or a test commit never touches the real checkout.
WORKSPACE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/netlab-scratch.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
git -C "$WORKSPACE" ls-files -z --cached --others --exclude-standard \
  | (cd "$WORKSPACE" && xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$SCRATCH"
ln -s "$WORKSPACE/node_modules" "$SCRATCH/node_modules"
export NX_DAEMON=false NX_NO_CLOUD=true CI=true NX_TUI=false
cd "$SCRATCH"
git init -q -b main . && git add -A && git -c user.email=ci@netlab -c user.name=ci commit -qm base
