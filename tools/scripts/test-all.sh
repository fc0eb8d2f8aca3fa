#!/usr/bin/env bash
# Every check CI runs, for every project: formatting, lint, types, unit + integration +
# end-to-end tests, builds, and the workspace-structure proofs. Non-interactive; exits
# non-zero on the first failing stage. Usage: npm run test:all
set -euo pipefail
cd "$(dirname "$0")/../.."
export CI=true NX_TUI=false NX_NO_CLOUD=true NX_DAEMON=${NX_DAEMON:-false}

stage() { printf '\n=== %s\n' "$*"; }

stage 'system programs the end-to-end tests drive (tmux, nc, socat, haproxy, nginx)'
bash tools/scripts/ensure-system-packages.sh

stage 'format (prettier --check)'
npx prettier --check .

stage 'lint, typecheck, build, test: all projects'
npx nx run-many -t lint typecheck build test --parallel=2 --output-style=static

stage 'TypeScript 6: every tsconfig type-checks under 6.0 too (builds and tests use 5.9)'
bash tools/scripts/typecheck-ts6.sh

stage 'Node 22 and 24: the tests of the packages and apps again, on the newest of each line'
bash tools/scripts/node-matrix.sh 22 24

stage 'tools/bench: lint, typecheck, unit tests (the bench is not an Nx project)'
npx eslint tools
npx tsc --noEmit -p tools/bench/tsconfig.spec.json
npx jest -c tools/bench/jest.config.cjs

stage 'benchmark runner: smoke run (ratios are reported, never asserted)'
bash tools/bench/run.sh --smoke

stage 'fuzz: the protocol decoders and the envelope parser, 10,000 runs of each property'
npx nx run protocol:fuzz --output-style=static -- --runs 10000

stage 'soak: the built servers under 300 TCP and 50 UDP clients of mixed behaviour for 60 s'
npx nx run soak:soak --output-style=static -- --duration 60

stage 'workspace structure: module-boundary rules'
bash tools/scripts/check-boundaries.sh

stage 'workspace structure: nx affected'
bash tools/scripts/check-affected.sh

stage 'release: npm run release versions and writes changelogs per package, never publishes'
bash tools/scripts/check-release.sh

stage 'summary'
node -e '
  const fs = require("node:fs");
  const files = fs.readdirSync("packages").map((d) => "packages/" + d)
    .concat(fs.readdirSync("apps").map((d) => "apps/" + d), fs.readdirSync("tools").map((d) => "tools/" + d))
    .map((d) => d + "/.jest-results.json").filter((f) => fs.existsSync(f));
  const t = { passed: 0, failed: 0, skipped: 0 };
  for (const f of files) { const r = JSON.parse(fs.readFileSync(f, "utf8")); for (const k in t) t[k] += r[k]; }
  console.log(`jest: ${files.length} projects`);
  console.log(`${t.passed} passed, ${t.failed} failed` + (t.skipped ? `, ${t.skipped} skipped` : ""));
'
