// Runs the plan: for each round, each scenario, each of its servers in alternating order
// (baseline first in odd rounds, last in even ones, so drift in the machine's load falls
// on both sides alike), one fresh server process and one fresh generator process.

import { makeTestCertificates } from '@netlab-tools/app-harness';
import type { TestCertificates } from '@netlab-tools/app-harness';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BenchOptions } from './cli-options';
import { runGenerator } from './generator-process';
import { NATIVE_GENERATOR_FILE, runNativeGenerator } from './native-generator';
import type {
  IdleConnectionsJob,
  IdleConnectionsResult,
  LoadResult,
  ServiceName,
} from './job-types';
import type { TcpLoadJob, UdpLoadJob } from './job-types';
import { median } from './latency-histogram';
import type { MetricName } from './metrics';
import { formatMetric } from './metrics';
import { scenarioServers } from './scenarios';
import type { Scenario } from './scenarios';
import { ServerProcess } from './server-process';
import type { LaunchSpec } from './server-process';
import { BENCH_HOST, launchSpec, missingPrerequisite } from './servers';
import type { BenchPaths, ServerName } from './servers';

const DRAIN_TIMEOUT_MS = 5_000;
const UDP_LOSS_TIMEOUT_MS = 200;
const GENERATOR_SLACK_MS = 30_000;
const IDLE_CONNECT_CONCURRENCY = 256;
const IDLE_SETTLE_MS = 500;
const IDLE_TIMEOUT_MS = 180_000;
const MIB = 1024 * 1024;

export interface Measurement {
  round: number;
  scenario: string;
  server: ServerName;
  metrics: Partial<Record<MetricName, number>>;
  generatorCpu?: number;
  serverCpu?: number;
  errors: number;
  errorSamples: string[];
  lost: number;
  late: number;
  details: Record<string, number | undefined>;
  notes: string[];
}

export interface Failure {
  round?: number;
  scenario?: string;
  server: ServerName;
  message: string;
}

export interface RunRecord {
  measurements: Measurement[];
  failures: Failure[];
  skipped: { server: ServerName; reason: string }[];
}

type Progress = (line: string) => void;

export async function runBench(
  options: BenchOptions,
  paths: BenchPaths,
  progress: Progress,
): Promise<RunRecord> {
  const record: RunRecord = { measurements: [], failures: [], skipped: [] };
  const unavailable = checkServers(options, paths, record);
  const logDir = path.join(paths.bundleDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const certificates = needsTls(options) ? makeTestCertificates() : undefined;
  try {
    await runRounds(options, paths, progress, record, unavailable, logDir, certificates);
  } finally {
    certificates?.remove();
  }
  return record;
}

const TLS_SERVERS: readonly ServerName[] = ['bare-tls', 'netlab-tls'];

function needsTls(options: BenchOptions): boolean {
  return options.scenarios
    .flatMap(scenarioServers)
    .some((server) => TLS_SERVERS.includes(server) && options.servers.includes(server));
}

async function runRounds(
  options: BenchOptions,
  paths: BenchPaths,
  progress: Progress,
  record: RunRecord,
  unavailable: Set<ServerName>,
  logDir: string,
  certificates: TestCertificates | undefined,
): Promise<void> {
  for (let round = 1; round <= options.rounds; round++) {
    for (const scenario of options.scenarios) {
      const servers = scenarioServers(scenario).filter(
        (server) => options.servers.includes(server) && !unavailable.has(server),
      );
      if (round % 2 === 0) servers.reverse();
      for (const server of servers) {
        const context = {
          paths,
          service: serviceOf(scenario),
          logFile: path.join(logDir, `${scenario.name}-${server}-round${round}.log`),
          forStartup: scenario.measure === 'startup',
          workers: options.workers,
          tls: certificates?.server,
        };
        const spec = launchSpec(server, context);
        const label = `[round ${round}/${options.rounds}] ${scenario.name} · ${server}`;
        try {
          const measurement = await measure(scenario, server, spec, options, paths);
          measurement.round = round;
          record.measurements.push(measurement);
          progress(`${label}: ${summarize(measurement)}`);
          for (const problem of problemsOf(measurement)) {
            record.failures.push({ round, scenario: scenario.name, server, message: problem });
            progress(`${label}: FAILED: ${problem}`);
          }
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          record.failures.push({ round, scenario: scenario.name, server, message });
          progress(`${label}: FAILED: ${message}`);
        } finally {
          rmSync(context.logFile, { force: true });
        }
      }
    }
  }
}

/** Leaves out servers that cannot run: a missing build fails the run, a missing Python does not. */
function checkServers(
  options: BenchOptions,
  paths: BenchPaths,
  record: RunRecord,
): Set<ServerName> {
  const wanted = new Set(options.scenarios.flatMap(scenarioServers));
  const unavailable = new Set<ServerName>();
  for (const server of options.servers.filter((each) => wanted.has(each))) {
    if (server === 'python-udp' && !pythonWorks(paths.python)) {
      unavailable.add(server);
      record.skipped.push({ server, reason: `${paths.python} is not available` });
      continue;
    }
    const missing = missingPrerequisite(server, paths);
    if (missing !== undefined) {
      unavailable.add(server);
      record.failures.push({ server, message: missing });
    }
  }
  return unavailable;
}

function pythonWorks(python: string): boolean {
  return spawnSync(python, ['--version'], { stdio: 'ignore' }).status === 0;
}

function serviceOf(scenario: Scenario): ServiceName {
  switch (scenario.measure) {
    case 'tcp-load':
      return scenario.load.service;
    case 'udp-load':
      return 'uppercase';
    default:
      return scenario.service;
  }
}

async function measure(
  scenario: Scenario,
  server: ServerName,
  spec: LaunchSpec,
  options: BenchOptions,
  paths: BenchPaths,
): Promise<Measurement> {
  const generator = path.join(paths.bundleDir, 'load-generator.js');
  const nativeGenerator = path.join(paths.bundleDir, NATIVE_GENERATOR_FILE);
  const timing = { warmupMs: options.warmupMs, durationMs: options.durationMs };
  const loadTimeout = options.warmupMs + options.durationMs + DRAIN_TIMEOUT_MS + GENERATOR_SLACK_MS;
  switch (scenario.measure) {
    case 'tcp-load':
      return withServer(server, spec, async (running) => {
        const job: TcpLoadJob = {
          kind: 'tcp-load',
          ...scenario.load,
          ...timing,
          ...target(running),
          drainTimeoutMs: DRAIN_TIMEOUT_MS,
        };
        const result = await runNativeGenerator(nativeGenerator, job, loadTimeout);
        const measurement = fromLoad(scenario, server, result);
        if (spec.stdoutFile !== undefined) {
          measurement.details.logMiB = fileSize(spec.stdoutFile) / MIB;
        }
        return measurement;
      });
    case 'udp-load':
      return withServer(server, spec, async (running) => {
        const job: UdpLoadJob = {
          kind: 'udp-load',
          ...scenario.load,
          ...timing,
          ...target(running),
          lossTimeoutMs: UDP_LOSS_TIMEOUT_MS,
        };
        return fromLoad(
          scenario,
          server,
          await runNativeGenerator(nativeGenerator, job, loadTimeout),
        );
      });
    case 'idle-connections':
      return withServer(server, spec, async (running) => {
        const job: IdleConnectionsJob = {
          kind: 'idle-connections',
          service: scenario.service,
          connections: options.idleConnections,
          connectConcurrency: IDLE_CONNECT_CONCURRENCY,
          settleMs: IDLE_SETTLE_MS,
          ...target(running),
        };
        const result = await runGenerator(generator, job, IDLE_TIMEOUT_MS);
        return fromIdle(scenario, server, result, options.idleConnections);
      });
    case 'startup':
      return measureStartup(scenario, server, spec, options.startupRepeats);
  }
}

function target(server: ServerProcess) {
  return { host: BENCH_HOST, port: server.port, serverPid: server.pid };
}

/** Runs `body` against a fresh server; a crash while it ran fails the measurement. */
async function withServer(
  name: ServerName,
  spec: LaunchSpec,
  body: (server: ServerProcess) => Promise<Measurement>,
): Promise<Measurement> {
  const server = await ServerProcess.start(name, spec);
  let measurement: Measurement | undefined;
  let failure: unknown;
  try {
    measurement = await body(server);
  } catch (error) {
    failure = error;
  }
  const crash = server.crash;
  const stopNote = await server.stop();
  if (crash !== undefined) throw new Error(crash);
  if (measurement === undefined) throw failure;
  if (stopNote !== undefined) measurement.notes.push(stopNote);
  return measurement;
}

async function measureStartup(
  scenario: Scenario,
  server: ServerName,
  spec: LaunchSpec,
  repeats: number,
): Promise<Measurement> {
  const samples: number[] = [];
  const notes: string[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = await ServerProcess.start(server, spec);
    samples.push(started.startupMs);
    const stopNote = await started.stop();
    if (stopNote !== undefined) notes.push(stopNote);
  }
  return {
    ...blankMeasurement(scenario, server),
    metrics: { startupMs: median(samples) },
    details: { fastestMs: Math.min(...samples), slowestMs: Math.max(...samples) },
    notes,
  };
}

function fromLoad(scenario: Scenario, server: ServerName, result: LoadResult): Measurement {
  return {
    ...blankMeasurement(scenario, server),
    metrics: {
      messagesPerSecond: result.messagesPerSecond,
      megabytesPerSecond: result.bytesPerSecond / 1e6,
      serverCpuMicrosPerMessage:
        result.serverCpu === undefined || result.messages === 0
          ? undefined
          : (result.serverCpu * result.windowSeconds * 1e6) / result.messages,
      p50Micros: result.latencyMicros.p50,
      p99Micros: result.latencyMicros.p99,
      p999Micros: result.latencyMicros.p999,
    },
    generatorCpu: result.generatorCpu,
    serverCpu: result.serverCpu,
    errors: result.errors,
    errorSamples: result.errorSamples,
    lost: result.lost,
    late: result.late,
    details: {
      messages: result.messages,
      windowSeconds: result.windowSeconds,
      maxMicros: result.latencyMicros.max,
    },
  };
}

function fromIdle(
  scenario: Scenario,
  server: ServerName,
  result: IdleConnectionsResult,
  requested: number,
): Measurement {
  const rss = (bytes: number | undefined) => (bytes === undefined ? undefined : bytes / MIB);
  return {
    ...blankMeasurement(scenario, server),
    metrics: { serverRssMiB: rss(result.serverRssBytes) },
    errors: result.errors + Math.max(0, requested - result.connections - result.errors),
    errorSamples: result.errorSamples,
    details: {
      connectionsRequested: requested,
      connectionsHeld: result.connections,
      connectSeconds: result.connectSeconds,
      serverRssBeforeMiB: rss(result.serverRssBeforeBytes),
    },
  };
}

function blankMeasurement(scenario: Scenario, server: ServerName): Measurement {
  return {
    round: 0,
    scenario: scenario.name,
    server,
    metrics: {},
    errors: 0,
    errorSamples: [],
    lost: 0,
    late: 0,
    details: {},
    notes: [],
  };
}

/** What makes a measurement that ran a failure all the same. */
function problemsOf(measurement: Measurement): string[] {
  const problems: string[] = [];
  if (measurement.errors > 0) {
    problems.push(`${measurement.errors} errors: ${measurement.errorSamples.join('; ')}`);
  }
  if (measurement.details.messages === 0) problems.push('no verified reply in the window');
  return problems;
}

function summarize(measurement: Measurement): string {
  const shown = Object.entries(measurement.metrics)
    .filter(([, value]) => value !== undefined)
    .map(([metric, value]) => `${metric} ${formatMetric(metric as MetricName, value)}`);
  if (measurement.generatorCpu !== undefined) {
    shown.push(`generator CPU ${(measurement.generatorCpu * 100).toFixed(0)}%`);
  }
  if (measurement.serverCpu !== undefined) {
    shown.push(`server CPU ${(measurement.serverCpu * 100).toFixed(0)}%`);
  }
  if (measurement.lost > 0) shown.push(`lost ${measurement.lost}`);
  const { connectionsHeld, serverRssBeforeMiB } = measurement.details;
  const rssMiB = measurement.metrics.serverRssMiB;
  if (connectionsHeld !== undefined) {
    shown.push(`connections ${connectionsHeld}`);
    if (connectionsHeld > 0 && rssMiB !== undefined && serverRssBeforeMiB !== undefined) {
      const perConnectionKiB = ((rssMiB - serverRssBeforeMiB) * 1024) / connectionsHeld;
      shown.push(
        `${perConnectionKiB.toFixed(1)} KiB each over ${serverRssBeforeMiB.toFixed(1)} MiB idle`,
      );
    }
  }
  return shown.join(', ');
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
