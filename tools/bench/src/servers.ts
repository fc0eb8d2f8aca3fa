// The servers a run can start, by name: netlab's apps as built into dist/, and the
// hand-written baselines they are measured against.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ServiceName } from './job-types';
import type { LaunchSpec } from './server-process';

export const SERVER_NAMES = [
  'bare-tcp',
  'netlab-tcp',
  'netlab-tcp-info',
  'netlab-tcp-workers',
  'netlab-tcp-metrics',
  'bare-tls',
  'netlab-tls',
  'bare-udp',
  'netlab-udp',
  'netlab-udp-workers',
  'netlab-udp-metrics',
  'python-udp',
] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export const SERVER_DESCRIPTIONS: Record<ServerName, string> = {
  'bare-tcp': 'node:net line server, one write per read (baselines/bare-tcp-line-server.ts)',
  'netlab-tcp': 'dist/apps/tcp-server at --log-level warn (info for startup-tcp)',
  'netlab-tcp-info': 'dist/apps/tcp-server at --log-level info, stdout to a file',
  'netlab-tcp-workers':
    'dist/apps/tcp-server --workers N (--workers, default 2) at --log-level warn',
  'netlab-tcp-metrics':
    'dist/apps/tcp-server --metrics-port 0 (Prometheus metrics on) at --log-level warn',
  'bare-tls': 'node:tls line server, one write per read (baselines/bare-tls-line-server.ts)',
  'netlab-tls': 'dist/apps/tcp-server --tls-cert --tls-key at --log-level warn',
  'bare-udp': 'node:dgram uppercase echo (baselines/bare-udp-server.ts)',
  'netlab-udp': 'dist/apps/udp-server at --log-level warn (info for startup-udp)',
  'netlab-udp-workers':
    'dist/apps/udp-server --workers N (--workers, default 2) at --log-level warn',
  'netlab-udp-metrics':
    'dist/apps/udp-server --metrics-port 0 (Prometheus metrics on) at --log-level warn',
  'python-udp': 'textbook Python recvfrom/sendto loop (baselines/python-udp-server.py)',
};

export const BENCH_HOST = '127.0.0.1';

export interface BenchPaths {
  /** The workspace root: dist/ and tools/ are found from here. */
  workspaceRoot: string;
  /** Where the bundled bench scripts are (tmp/bench). */
  bundleDir: string;
  python: string;
}

export interface LaunchContext {
  paths: BenchPaths;
  service: ServiceName;
  /** Where a server that logs to a file writes it. */
  logFile: string;
  /**
   * Startup is timed to the `Listening at` line, which netlab's servers log at info: so
   * for it they run at info (nothing else is logged before that line), elsewhere at warn.
   */
  forStartup: boolean;
  /** Processes for the `-workers` servers (`--workers`). */
  workers: number;
  /** The TLS servers' certificate and key, made for the run; undefined when none runs. */
  tls?: { cert: string; key: string };
}

export function launchSpec(server: ServerName, context: LaunchContext): LaunchSpec {
  const { paths, service, forStartup } = context;
  const workers = ['--workers', String(context.workers)];
  const logLevel = ['--log-level', forStartup ? 'info' : 'warn'];
  const silentOn = (transport: 'tcp' | 'udp') => (forStartup ? undefined : transport);
  const address = ['--host', BENCH_HOST, '--port', '0'];
  const metrics = ['--metrics-port', '0', '--metrics-host', BENCH_HOST];
  // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=tmp/prof" to profile the servers.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const tls = (prefix: string): string[] => {
    if (context.tls === undefined) throw new Error(`${server} needs a TLS certificate`);
    return [`${prefix}cert`, context.tls.cert, `${prefix}key`, context.tls.key];
  };
  const node = (script: string, ...args: string[]): LaunchSpec => ({
    command: process.execPath,
    args: [...nodeArgs, script, ...address, ...args],
  });
  switch (server) {
    case 'bare-tcp':
      return node(bundled(paths, 'bare-tcp-line-server'), '--service', service);
    case 'netlab-tcp':
      return {
        ...node(netlabApp(paths, 'tcp-server'), '--service', service, ...logLevel),
        silentOn: silentOn('tcp'),
      };
    case 'netlab-tcp-info':
      return {
        ...node(netlabApp(paths, 'tcp-server'), '--service', service, '--log-level', 'info'),
        stdoutFile: context.logFile,
      };
    case 'netlab-tcp-workers':
      // The primary holds the listening socket (node:cluster round-robin): /proc finds it.
      return {
        ...node(netlabApp(paths, 'tcp-server'), '--service', service, ...logLevel, ...workers),
        silentOn: silentOn('tcp'),
      };
    case 'netlab-tcp-metrics':
      // Two listening sockets (the service's and the metrics endpoint's): /proc cannot tell
      // which is which, so the port comes from `Listening at`, logged at every level.
      return node(netlabApp(paths, 'tcp-server'), '--service', service, ...logLevel, ...metrics);
    case 'bare-tls':
      return node(bundled(paths, 'bare-tls-line-server'), '--service', service, ...tls('--'));
    case 'netlab-tls':
      return {
        ...node(
          netlabApp(paths, 'tcp-server'),
          '--service',
          service,
          ...logLevel,
          ...tls('--tls-'),
        ),
        silentOn: silentOn('tcp'),
      };
    case 'bare-udp':
      return node(bundled(paths, 'bare-udp-server'));
    case 'netlab-udp':
      return {
        ...node(netlabApp(paths, 'udp-server'), '--service', 'uppercase', ...logLevel),
        silentOn: silentOn('udp'),
      };
    case 'netlab-udp-workers':
      return {
        ...node(netlabApp(paths, 'udp-server'), '--service', 'uppercase', ...logLevel, ...workers),
        silentOn: silentOn('udp'),
      };
    case 'netlab-udp-metrics':
      // Two listening sockets (the service's and the metrics endpoint's): /proc cannot tell
      // which is which, so the port comes from `Listening at`, logged at every level.
      return node(
        netlabApp(paths, 'udp-server'),
        '--service',
        'uppercase',
        ...logLevel,
        ...metrics,
      );
    case 'python-udp':
      return {
        command: paths.python,
        args: [path.join(paths.workspaceRoot, PYTHON_UDP_SERVER), ...address],
      };
  }
}

const PYTHON_UDP_SERVER = 'tools/bench/src/baselines/python-udp-server.py';

/** Why a server cannot be started at all (a missing build), or undefined when it can. */
export function missingPrerequisite(server: ServerName, paths: BenchPaths): string | undefined {
  const needed: Record<ServerName, string> = {
    'bare-tcp': bundled(paths, 'bare-tcp-line-server'),
    'netlab-tcp': netlabApp(paths, 'tcp-server'),
    'netlab-tcp-info': netlabApp(paths, 'tcp-server'),
    'netlab-tcp-workers': netlabApp(paths, 'tcp-server'),
    'netlab-tcp-metrics': netlabApp(paths, 'tcp-server'),
    'bare-tls': bundled(paths, 'bare-tls-line-server'),
    'netlab-tls': netlabApp(paths, 'tcp-server'),
    'bare-udp': bundled(paths, 'bare-udp-server'),
    'netlab-udp': netlabApp(paths, 'udp-server'),
    'netlab-udp-workers': netlabApp(paths, 'udp-server'),
    'netlab-udp-metrics': netlabApp(paths, 'udp-server'),
    'python-udp': path.join(paths.workspaceRoot, PYTHON_UDP_SERVER),
  };
  const file = needed[server];
  return existsSync(file)
    ? undefined
    : `${file} does not exist (run tools/bench/run.sh to build it)`;
}

function bundled(paths: BenchPaths, baseline: string): string {
  return path.join(paths.bundleDir, 'baselines', `${baseline}.js`);
}

function netlabApp(paths: BenchPaths, app: string): string {
  return path.join(paths.workspaceRoot, 'dist', 'apps', app, 'main.js');
}
