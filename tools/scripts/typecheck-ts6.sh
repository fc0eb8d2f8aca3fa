#!/usr/bin/env bash
# Type-checks every project's tsconfig (tsconfig.json, .lib, .app, .spec) under TypeScript 6
# (the devDependency alias typescript-6), while builds and ts-jest stay on the pinned 5.9.
# TypeScript 6 rejects what 7 removes (baseUrl, moduleResolution node/node10), so this keeps
# the configuration ready for both. Two checks at a time. Usage: bash tools/scripts/typecheck-ts6.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

export TSC6=node_modules/typescript-6/bin/tsc
echo "TypeScript $(node "$TSC6" --version)"

# A solution file (files: [], only references) has nothing of its own to check.
find packages apps tools -name 'tsconfig*.json' -not -path '*/node_modules/*' | sort |
  node -e '
    const fs = require("node:fs");
    for (const file of fs.readFileSync(0, "utf8").split("\n").filter(Boolean)) {
      const config = JSON.parse(fs.readFileSync(file, "utf8"));
      const solutionOnly = Array.isArray(config.files) && config.files.length === 0 && !config.include?.length;
      if (!solutionOnly) console.log(file);
    }' |
  xargs -P 2 -I '{}' bash -c 'if node "$TSC6" --noEmit -p "$1"; then echo "ok   $1"; else echo "FAIL $1"; exit 1; fi' _ '{}'
