// The runner's flags, parsed into one typed object, or a one-line usage error.

import { parseArgs } from 'node:util';
import { SCENARIOS, SMOKE_SCENARIOS } from './scenarios';
import type { Scenario } from './scenarios';
import { SERVER_NAMES } from './servers';
import type { ServerName } from './servers';

export interface BenchOptions {
  scenarios: Scenario[];
  servers: ServerName[];
  rounds: number;
  warmupMs: number;
  durationMs: number;
  idleConnections: number;
  startupRepeats: number;
  /** Processes of the netlab-*-workers servers. */
  workers: number;
  jsonFile: string;
  smoke: boolean;
}

export type ParsedCommand =
  { command: 'run'; options: BenchOptions } | { command: 'help' } | { command: 'list' };

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: bash tools/bench/run.sh [options]

  --scenarios a,b,c     scenarios to run (default: all; see --list)
  --servers a,b         only these servers; a prefix such as "bare" or "netlab" selects a family
  --rounds N            measurements of each server per scenario, alternating (default 3; smoke 1)
  --duration S          measurement window in seconds (default 5; smoke 1)
  --warmup S            traffic before each window, not measured (default 1; smoke 0.3)
  --idle-connections N  connections in tcp-idle-rss (default 10000; smoke 200)
  --startup-repeats N   starts per server and round in startup-* (default 5; smoke 2)
  --workers N           --workers of netlab-tcp-workers and netlab-udp-workers (default 2)
  --json FILE           where the results go (default tmp/bench/results.json)
  --smoke               short run for CI: the values above marked smoke, fewer scenarios
  --list                list scenarios and servers
  --help`;

export function parseBenchArgs(argv: string[]): ParsedCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenarios: { type: 'string' },
        servers: { type: 'string' },
        rounds: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        'idle-connections': { type: 'string' },
        'startup-repeats': { type: 'string' },
        workers: { type: 'string' },
        json: { type: 'string', default: 'tmp/bench/results.json' },
        smoke: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { command: 'help' };
  if (values.list) return { command: 'list' };

  const smoke = values.smoke;
  const scenarioNames = values.scenarios?.split(',') ?? (smoke ? SMOKE_SCENARIOS : undefined);
  return {
    command: 'run',
    options: {
      scenarios: scenarioNames === undefined ? [...SCENARIOS] : scenarioNames.map(findScenario),
      servers: values.servers === undefined ? [...SERVER_NAMES] : selectServers(values.servers),
      rounds: integer('--rounds', values.rounds, smoke ? 1 : 3, 1),
      durationMs: seconds('--duration', values.duration, smoke ? 1 : 5, 0.1),
      warmupMs: seconds('--warmup', values.warmup, smoke ? 0.3 : 1, 0),
      idleConnections: integer(
        '--idle-connections',
        values['idle-connections'],
        smoke ? 200 : 10_000,
        1,
      ),
      startupRepeats: integer('--startup-repeats', values['startup-repeats'], smoke ? 2 : 5, 1),
      workers: integer('--workers', values.workers, 2, 1),
      jsonFile: values.json,
      smoke,
    },
  };
}

function findScenario(name: string): Scenario {
  const scenario = SCENARIOS.find((each) => each.name === name.trim());
  if (scenario === undefined) {
    const known = SCENARIOS.map((each) => each.name).join(', ');
    throw new UsageError(`--scenarios: unknown scenario "${name}"; known: ${known}`);
  }
  return scenario;
}

function selectServers(list: string): ServerName[] {
  const wanted = list.split(',').map((each) => each.trim());
  for (const name of wanted) {
    if (!SERVER_NAMES.some((server) => server === name || server.startsWith(`${name}-`))) {
      throw new UsageError(
        `--servers: no server is named "${name}"; known: ${SERVER_NAMES.join(', ')}`,
      );
    }
  }
  return SERVER_NAMES.filter((server) =>
    wanted.some((name) => server === name || server.startsWith(`${name}-`)),
  );
}

function integer(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`${flag}: expected a whole number ≥ ${min}, got "${text}"`);
  }
  return value;
}

function seconds(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback * 1000;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    throw new UsageError(`${flag}: expected seconds ≥ ${min}, got "${text}"`);
  }
  return Math.round(value * 1000);
}
