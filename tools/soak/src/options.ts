import { parseArgs } from 'node:util';

/** What one soak run does; every field has a default (the CI run). */
export interface SoakOptions {
  /** How long clients keep starting new work, in seconds. */
  durationSeconds: number;
  /** TCP clients at once, split over the behaviours (see TCP_MIX). */
  tcpClients: number;
  /** UDP clients at once, all through the lossy proxy. */
  udpClients: number;
  /** Seeds every random choice: the proxies' losses and the clients' lines and pauses. */
  seed: number;
  /** Threads the clients and their proxies are spread over, each with an event loop of its own. */
  shards: number;
  /** Where the figures go as JSON. */
  jsonFile: string;
}

export type ParsedSoakArgs =
  { kind: 'run'; options: SoakOptions } | { kind: 'help' } | { kind: 'error'; message: string };

export const USAGE = `Usage: npx nx run soak:soak -- [options]

Runs the built tcp-server and udp-server under hundreds of clients of mixed behaviour
(normal, pipelining, slow, non-reading, resetting) through the fault proxies, then checks
that every normal request was answered correctly exactly once, the servers' RSS stayed
bounded, every connection and handle was closed, and nothing crashed. Exit status 1 if
any check fails.

  --duration S     seconds of load (default 60)
  --tcp-clients N  TCP clients at once (default 300)
  --udp-clients N  UDP clients at once (default 50)
  --seed N         random seed (default 1)
  --shards N       threads the clients and their proxies run in (default 2): one event
                   loop falls behind hundreds of clients on a busy machine; each thread's
                   lateness is measured and reported, and not counted against the server
  --json FILE      figures as JSON (default tmp/soak/results.json)
  --help`;

function wholeNumber(flag: string, text: string | undefined, fallback: number, min: number) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) {
    throw new Error(`--${flag} must be a whole number of at least ${min} (got "${text}")`);
  }
  return value;
}

export function parseSoakArgs(argv: readonly string[]): ParsedSoakArgs {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        duration: { type: 'string' },
        'tcp-clients': { type: 'string' },
        'udp-clients': { type: 'string' },
        seed: { type: 'string' },
        shards: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) return { kind: 'help' };
    return {
      kind: 'run',
      options: {
        durationSeconds: wholeNumber('duration', values.duration, 60, 1),
        tcpClients: wholeNumber('tcp-clients', values['tcp-clients'], 300, TCP_MIX.length),
        udpClients: wholeNumber('udp-clients', values['udp-clients'], 50, 0),
        seed: wholeNumber('seed', values.seed, 1, 0),
        shards: wholeNumber('shards', values.shards, 2, 1),
        jsonFile: values.json ?? 'tmp/soak/results.json',
      },
    };
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
}

/** TCP client behaviours and their shares of --tcp-clients. */
export const TCP_MIX = [
  { behaviour: 'normal', share: 0.45 },
  { behaviour: 'pipelining', share: 0.15 },
  { behaviour: 'slow', share: 0.1 },
  { behaviour: 'slowloris', share: 0.05 },
  { behaviour: 'non-reading', share: 0.05 },
  { behaviour: 'resetting', share: 0.2 },
] as const;

export type TcpBehaviour = (typeof TCP_MIX)[number]['behaviour'];

/** How many clients of each behaviour make up `total`: at least one of each, the rest normal. */
export function splitClients(total: number): Record<TcpBehaviour, number> {
  const counts = Object.fromEntries(
    TCP_MIX.map(({ behaviour, share }) => [behaviour, Math.max(1, Math.floor(total * share))]),
  ) as Record<TcpBehaviour, number>;
  const others = Object.values(counts).reduce((sum, n) => sum + n, 0) - counts.normal;
  counts.normal = Math.max(1, total - others);
  return counts;
}
