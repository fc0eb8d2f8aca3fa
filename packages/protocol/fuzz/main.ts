/**
 * The protocol's fuzz target: every property of ./properties.ts at a high run count.
 *
 *   npx nx run protocol:fuzz                       # 100,000 runs of each property
 *   npx nx run protocol:fuzz -- --runs 1000000 --seed 42
 *   npx nx run protocol:fuzz -- --only LineDecoder --runs 20000
 *
 * Prints one line per property (runs, time, verdict) and a JSON summary. A failure prints
 * the counterexample, the seed and the path that replay it (`--seed S --path P --only NAME`),
 * and the exit status is 1: turn the counterexample into a unit test beside the code.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { FUZZ_PROPERTIES } from './properties';

const USAGE = `Usage: nx run protocol:fuzz -- [--runs N] [--seed S] [--path P] [--only TEXT]

  --runs N     runs of each property (default 100000)
  --seed S     the random seed (default: a fresh one, printed)
  --path P     replay one counterexample's path (with --seed and --only)
  --only TEXT  only the properties whose name contains TEXT`;

function fail(message: string): never {
  process.stderr.write(`fuzz: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function integerFlag(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) fail(`--${name} must be a whole number (got "${text}")`);
  return Number(text);
}

function main(): number {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        runs: { type: 'string' },
        seed: { type: 'string' },
        path: { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const runs = integerFlag('runs', values.runs, 100_000);
  const seed = integerFlag('seed', values.seed, Date.now() % 2 ** 31);
  const properties = FUZZ_PROPERTIES.filter((p) => p.name.includes(values.only ?? ''));
  if (properties.length === 0) fail(`no property matches --only "${values.only}"`);

  console.log(`fuzzing ${properties.length} properties, ${runs} runs each, seed ${seed}`);
  const results = [];
  for (const { name, check } of properties) {
    const started = performance.now();
    const details = check({ numRuns: runs, seed, path: values.path });
    const ms = Math.round(performance.now() - started);
    const verdict = details.failed ? 'FAILED' : 'ok';
    console.log(
      `${verdict.padEnd(6)} ${String(details.numRuns).padStart(9)} runs ${String(ms).padStart(7)} ms  ${name}`,
    );
    if (details.failed) {
      console.log(`  counterexample: ${fc.stringify(details.counterexample)}`);
      console.log(`  error: ${String(details.errorInstance)}`);
      console.log(
        `  replay: --seed ${details.seed} --path ${details.counterexamplePath} --only "${name}"`,
      );
    }
    results.push({ name, runs: details.numRuns, ms, failed: details.failed });
  }
  const totalRuns = results.reduce((sum, r) => sum + r.runs, 0);
  const failed = results.filter((r) => r.failed).length;
  console.log(JSON.stringify({ seed, runsPerProperty: runs, totalRuns, failed, results }));
  return failed > 0 ? 1 : 0;
}

process.exitCode = main();
