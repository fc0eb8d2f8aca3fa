// The benchmark runner of issue 6. Started by tools/bench/run.sh, which builds the servers
// and bundles this file into tmp/bench/cli.js. Prints a table and writes JSON; exits 0
// even when a target is missed (it reports, it is not a test), 1 when a measurement
// could not run, saw a wrong reply or lost a server, 2 on a usage error.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseBenchArgs, USAGE, UsageError } from './cli-options';
import { NATIVE_GENERATOR_FILE } from './native-generator';
import type { BenchOptions } from './cli-options';
import { readOpenFilesLimit } from './proc-stats';
import { formatReport, summarizeRun } from './report';
import { runBench } from './runner';
import { SCENARIOS } from './scenarios';
import { SERVER_DESCRIPTIONS, SERVER_NAMES } from './servers';
import type { BenchPaths } from './servers';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n`);
    return 2;
  }
  if (parsed.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.command === 'list') {
    process.stdout.write(listing());
    return 0;
  }
  const options = parsed.options;
  const paths: BenchPaths = {
    workspaceRoot: process.cwd(),
    bundleDir: __dirname,
    python: process.env.BENCH_PYTHON ?? 'python3',
  };
  const nativeGenerator = path.join(paths.bundleDir, NATIVE_GENERATOR_FILE);
  if (!existsSync(nativeGenerator)) {
    process.stderr.write(
      `bench: ${nativeGenerator} does not exist: tools/bench/run.sh compiles it from tools/bench/native/load-generator.c with gcc\n`,
    );
    return 1;
  }
  const startedAt = new Date();
  const clock = performance.now();
  const environment = describeEnvironment();
  process.stderr.write(
    `bench: ${options.scenarios.length} scenarios × ${options.rounds} rounds, ` +
      `${options.durationMs / 1000} s windows after ${options.warmupMs / 1000} s warm-up; ` +
      `${environment.cpus} cores, load ${environment.loadAverage.join(' ')}, ` +
      `open files limit ${environment.openFilesLimit ?? 'unknown'}\n`,
  );

  const record = await runBench(options, paths, (line) => process.stderr.write(`${line}\n`));
  const summary = summarizeRun(options.scenarios, record);
  const elapsedSeconds = (performance.now() - clock) / 1000;
  process.stdout.write(`\n${formatReport(summary, record)}\n`);

  const document = {
    startedAt: startedAt.toISOString(),
    elapsedSeconds,
    environment,
    settings: settingsOf(options),
    ok: record.failures.length === 0,
    comparisons: summary.comparisons,
    servers: summary.servers,
    warnings: summary.warnings,
    failures: record.failures,
    skipped: record.skipped,
    measurements: record.measurements,
  };
  mkdirSync(path.dirname(path.resolve(options.jsonFile)), { recursive: true });
  writeFileSync(options.jsonFile, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`Results: ${options.jsonFile} (${elapsedSeconds.toFixed(1)} s)\n`);
  return record.failures.length === 0 ? 0 : 1;
}

function describeEnvironment() {
  const limit = readOpenFilesLimit();
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAverage: loadavg().map((each) => Number(each.toFixed(2))),
    openFilesLimit: limit?.soft,
  };
}

function settingsOf(options: BenchOptions) {
  return {
    ...options,
    scenarios: options.scenarios.map((each) => each.name),
  };
}

function listing(): string {
  const scenarios = SCENARIOS.map((each) => {
    const others = each.subjects
      .map((subject) =>
        subject.against ? `${subject.server} (vs ${subject.against})` : subject.server,
      )
      .join(', ');
    return `  ${each.name.padEnd(17)} ${each.summary}\n  ${''.padEnd(17)} baseline ${each.baseline}; vs ${others}`;
  });
  const servers = SERVER_NAMES.map((name) => `  ${name.padEnd(17)} ${SERVER_DESCRIPTIONS[name]}`);
  return `Scenarios:\n${scenarios.join('\n')}\n\nServers:\n${servers.join('\n')}\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
