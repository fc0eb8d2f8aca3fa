// The scenarios of issues 6 and 16: what load each one puts on which servers, which server is the
// baseline, and the targets the others are held to, as ratios to that baseline.

import type { ServiceName, TcpLoadJob, UdpLoadJob } from './job-types';
import type { MetricName, Target } from './metrics';
import type { ServerName } from './servers';

export interface Subject {
  server: ServerName;
  /** The server this one is compared with, when not the scenario's baseline. */
  against?: ServerName;
  /** Empty for a reference row, shown for comparison and held to nothing. */
  targets: Target[];
}

interface ScenarioBase {
  name: string;
  summary: string;
  baseline: ServerName;
  subjects: Subject[];
  /** The metrics compared as ratios, in the order the report shows them. */
  compared: MetricName[];
}

export type TcpLoadShape = Pick<
  TcpLoadJob,
  'service' | 'connections' | 'inFlight' | 'lineBytes' | 'transport' | 'pauseMicros'
>;
export type UdpLoadShape = Pick<
  UdpLoadJob,
  'sockets' | 'inFlight' | 'datagramBytes' | 'pauseMicros'
>;

export type Scenario = ScenarioBase &
  (
    | { measure: 'tcp-load'; load: TcpLoadShape }
    | { measure: 'udp-load'; load: UdpLoadShape }
    | { measure: 'idle-connections'; service: ServiceName }
    | { measure: 'startup'; service: ServiceName }
  );

const atLeast = (metric: MetricName, ratio: number): Target => ({ metric, atLeast: ratio });
const atMost = (metric: MetricName, ratio: number): Target => ({ metric, atMost: ratio });

/**
 * The throughput load of 32-byte lines: 50 connections, 64 lines in flight on each, the
 * generator pausing 100 µs between passes. With 16 in flight no read or write carried more
 * than 16 lines, and at the servers' full rate the generator's two system calls per batch
 * (two thirds of its time in the kernel's loopback path) took more than half a core: it
 * measured itself. 64 in flight and the pause let replies gather; 3,200 lines stay
 * outstanding, a millisecond of work for the fastest server, so none waits for the generator.
 */
const PIPELINED_LINES = {
  service: 'uppercase',
  connections: 50,
  inFlight: 64,
  lineBytes: 32,
  pauseMicros: 100,
} as const satisfies TcpLoadShape;

/** The UDP load: 8 sockets × 16 datagrams in flight, 32 bytes each, pausing as above. */
const DATAGRAMS = {
  sockets: 8,
  inFlight: 16,
  datagramBytes: 32,
  pauseMicros: 100,
} as const satisfies UdpLoadShape;

const LOAD_SCENARIOS: readonly Scenario[] = [
  {
    name: 'tcp-latency',
    summary: 'TCP uppercase, 1 connection × 1 line in flight, 32-byte lines: round-trip latency',
    measure: 'tcp-load',
    load: { service: 'uppercase', connections: 1, inFlight: 1, lineBytes: 32, pauseMicros: 0 },
    baseline: 'bare-tcp',
    subjects: [
      { server: 'netlab-tcp', targets: [atMost('p50Micros', 1.1), atMost('p99Micros', 1.1)] },
    ],
    compared: ['p50Micros', 'p99Micros', 'p999Micros', 'messagesPerSecond'],
  },
  {
    name: 'tcp-throughput',
    summary: 'TCP uppercase, 50 connections × 64 lines in flight, 32-byte lines',
    measure: 'tcp-load',
    load: PIPELINED_LINES,
    baseline: 'bare-tcp',
    subjects: [{ server: 'netlab-tcp', targets: [atLeast('messagesPerSecond', 1.0)] }],
    compared: ['messagesPerSecond', 'serverCpuMicrosPerMessage', 'p99Micros'],
  },
  {
    name: 'task-throughput',
    summary: 'TCP task service, 50 connections × 64 lines in flight, 32-byte lines',
    measure: 'tcp-load',
    load: { ...PIPELINED_LINES, service: 'task' },
    baseline: 'bare-tcp',
    subjects: [{ server: 'netlab-tcp', targets: [atLeast('messagesPerSecond', 1.0)] }],
    compared: ['messagesPerSecond', 'serverCpuMicrosPerMessage', 'p99Micros'],
  },
  {
    name: 'tcp-bytes',
    summary: 'TCP uppercase, 8 connections × 8 lines in flight, 4 KiB lines: bulk bytes',
    measure: 'tcp-load',
    load: { service: 'uppercase', connections: 8, inFlight: 8, lineBytes: 4096, pauseMicros: 0 },
    baseline: 'bare-tcp',
    subjects: [{ server: 'netlab-tcp', targets: [atLeast('megabytesPerSecond', 0.9)] }],
    compared: ['megabytesPerSecond', 'serverCpuMicrosPerMessage', 'p99Micros'],
  },
  {
    name: 'udp-throughput',
    summary: 'UDP uppercase, 8 sockets × 16 datagrams in flight, 32-byte datagrams',
    measure: 'udp-load',
    load: DATAGRAMS,
    baseline: 'bare-udp',
    subjects: [
      { server: 'netlab-udp', targets: [atLeast('messagesPerSecond', 1.0)] },
      { server: 'python-udp', targets: [] },
      { server: 'netlab-udp', against: 'python-udp', targets: [atLeast('messagesPerSecond', 1.0)] },
    ],
    compared: ['messagesPerSecond', 'serverCpuMicrosPerMessage', 'p99Micros'],
  },
  {
    name: 'tcp-workers',
    summary: 'tcp-throughput against tcp-server --workers N (node:cluster) vs one process',
    measure: 'tcp-load',
    load: PIPELINED_LINES,
    baseline: 'netlab-tcp',
    // Scaling depends on the cores left over by the generator: reported, held to nothing.
    subjects: [{ server: 'netlab-tcp-workers', targets: [] }],
    compared: ['messagesPerSecond', 'serverCpuMicrosPerMessage', 'p99Micros'],
  },
  {
    name: 'udp-workers',
    summary: 'udp-throughput against udp-server --workers N (node:cluster) vs one process',
    measure: 'udp-load',
    load: DATAGRAMS,
    baseline: 'netlab-udp',
    subjects: [{ server: 'netlab-udp-workers', targets: [] }],
    compared: ['messagesPerSecond', 'serverCpuMicrosPerMessage', 'p99Micros'],
  },
  {
    name: 'tcp-info-logging',
    summary: 'tcp-throughput with a log line per message (--log-level info, stdout to a file)',
    measure: 'tcp-load',
    load: PIPELINED_LINES,
    baseline: 'netlab-tcp',
    subjects: [{ server: 'netlab-tcp-info', targets: [atLeast('messagesPerSecond', 0.7)] }],
    compared: ['messagesPerSecond', 'serverCpuMicrosPerMessage'],
  },
  {
    name: 'tcp-metrics',
    summary: 'tcp-throughput with --metrics-port (diagnostics channels subscribed) vs without',
    measure: 'tcp-load',
    load: PIPELINED_LINES,
    baseline: 'netlab-tcp',
    subjects: [{ server: 'netlab-tcp-metrics', targets: [atLeast('messagesPerSecond', 0.95)] }],
    compared: ['messagesPerSecond', 'serverCpuMicrosPerMessage'],
  },
  {
    name: 'udp-metrics',
    summary: 'udp-throughput with --metrics-port (diagnostics channels subscribed) vs without',
    measure: 'udp-load',
    load: DATAGRAMS,
    baseline: 'netlab-udp',
    subjects: [{ server: 'netlab-udp-metrics', targets: [atLeast('messagesPerSecond', 0.95)] }],
    compared: ['messagesPerSecond', 'serverCpuMicrosPerMessage'],
  },
  {
    name: 'tls-throughput',
    summary: 'TLS uppercase, 50 connections × 64 lines in flight, 32-byte lines',
    measure: 'tcp-load',
    load: { ...PIPELINED_LINES, transport: 'tls' },
    baseline: 'bare-tls',
    subjects: [{ server: 'netlab-tls', targets: [atLeast('messagesPerSecond', 0.9)] }],
    compared: ['messagesPerSecond', 'serverCpuMicrosPerMessage', 'p99Micros'],
  },
];

const OTHER_SCENARIOS: readonly Scenario[] = [
  {
    name: 'tls-handshakes',
    summary:
      'new TLS connections, 16 at a time: connect, full handshake, one uppercase line, close (msg = connection)',
    measure: 'tcp-load',
    load: {
      service: 'uppercase',
      connections: 16,
      inFlight: 1,
      lineBytes: 32,
      transport: 'tls-handshakes',
      pauseMicros: 0,
    },
    baseline: 'bare-tls',
    // No target in the issue: reported against the bare node:tls server.
    subjects: [{ server: 'netlab-tls', targets: [] }],
    compared: ['messagesPerSecond', 'serverCpuMicrosPerMessage', 'p50Micros', 'p99Micros'],
  },
  {
    name: 'tcp-idle-rss',
    summary: 'idle TCP connections (10,000 by default), each after one exchange: server RSS',
    measure: 'idle-connections',
    service: 'task',
    baseline: 'bare-tcp',
    subjects: [{ server: 'netlab-tcp', targets: [atMost('serverRssMiB', 1.2)] }],
    compared: ['serverRssMiB'],
  },
  {
    name: 'startup-tcp',
    summary: 'tcp-server: process spawn to its "Listening at" line',
    measure: 'startup',
    service: 'task',
    baseline: 'bare-tcp',
    subjects: [{ server: 'netlab-tcp', targets: [atMost('startupMs', 1.5)] }],
    compared: ['startupMs'],
  },
  {
    name: 'startup-udp',
    summary: 'udp-server: process spawn to its "Listening at" line',
    measure: 'startup',
    service: 'uppercase',
    baseline: 'bare-udp',
    subjects: [{ server: 'netlab-udp', targets: [atMost('startupMs', 1.5)] }],
    compared: ['startupMs'],
  },
];

/**
 * Between passes a paced load's generator pauses this long, so that it offers each server
 * about the same lines a second, a third to a half of what the fastest answers.
 */
const PACED_PAUSE_MICROS = 1000;

/**
 * A throughput scenario again at a fixed pace (`<name>-paced`). Saturated, the generator on
 * loopback pays per system call what the server pays (each side's write runs the other's
 * TCP receive in the kernel) and needs more than half a core: the row does not measure the
 * server alone. Paced, neither server is saturated, the generator stays well under half a
 * core, and what is compared is the server's CPU time per message, the cost that at
 * saturation is the inverse of throughput: a target of ≥ x on throughput becomes ≤ 1/x on it.
 */
function paced(scenario: Scenario): Scenario {
  if (scenario.measure !== 'tcp-load' && scenario.measure !== 'udp-load') return scenario;
  const subjects = scenario.subjects.map((subject) => ({
    ...subject,
    targets: subject.targets
      .filter(isThroughputTarget)
      .map((target) =>
        atMost('serverCpuMicrosPerMessage', Math.round(100 / (target.atLeast ?? 1)) / 100),
      ),
  }));
  const compared: MetricName[] = ['serverCpuMicrosPerMessage', 'messagesPerSecond'];
  const name = `${scenario.name}-paced`;
  const summary = `${scenario.summary}, paced (${PACED_PAUSE_MICROS} µs between passes): server CPU per message`;
  const load = { ...scenario.load, pauseMicros: PACED_PAUSE_MICROS };
  // The spread keeps the load's kind with its measure: a TCP load stays a TCP load.
  return { ...scenario, name, summary, subjects, compared, load } as Scenario;
}

const isThroughputTarget = (target: Target): boolean =>
  target.atLeast !== undefined &&
  (target.metric === 'messagesPerSecond' || target.metric === 'megabytesPerSecond');

/** The scenarios with a throughput target get a paced twin (not latency, nor --workers scaling). */
const hasThroughputTarget = (scenario: Scenario): boolean =>
  scenario.subjects.some((subject) => subject.targets.some(isThroughputTarget));

export const SCENARIOS: readonly Scenario[] = [
  ...LOAD_SCENARIOS,
  ...LOAD_SCENARIOS.filter(hasThroughputTarget).map(paced),
  ...OTHER_SCENARIOS,
];

/** What --smoke runs when no --scenarios are given: every kind of measurement once. */
export const SMOKE_SCENARIOS = [
  'tcp-latency',
  'task-throughput',
  'task-throughput-paced',
  'udp-throughput',
  'tcp-info-logging',
  'tcp-idle-rss',
  'startup-tcp',
  'tls-throughput',
  'tls-handshakes',
];

export function scenarioServers(scenario: Scenario): ServerName[] {
  return [...new Set([scenario.baseline, ...scenario.subjects.map((subject) => subject.server)])];
}
