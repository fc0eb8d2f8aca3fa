import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  appMain,
  runCleanups,
  startClient,
  startServer,
  WORKSPACE_ROOT,
  type TypedClient,
} from '@netlab-tools/app-harness';
import { startLossyProxy, type LossyProxyStats } from './lossy-proxy';

// How the real udp-client copes with a lossy network: the built udp-server behind this
// proxy, and the built udp-client typing lines through it, one line in flight per client,
// several clients at once. A request's latency is the time from writing its line to the
// client's stdin to its line on the client's stdout, so it includes every retry.
//
//   npx nx measure lossy-udp-proxy                       # builds what it runs, ~2 minutes
//   npx nx measure lossy-udp-proxy -- --requests 100 --clients 10 --seed 7
//
// It drives the apps with app-harness, as the end-to-end tests do; bundled into
// dist/tools/lossy-udp-proxy/, three levels below the workspace root as the harness's own
// source is, so the harness finds dist/apps/ from there.
//
// Prints a Markdown table and the same figures as JSON (also written to --json FILE).
// Exit status 1 if any line was shown another line's reply (the one thing that must never
// happen) or a client failed; the figures themselves are reported, never judged.

interface Network {
  /** Probability that a datagram is dropped, each way (request and reply separately). */
  drop: number;
  duplicate: number;
  reorder: number;
}

interface ClientSettings {
  name: string;
  timeout: number;
  retries: number;
}

const NETWORKS: readonly Network[] = [
  { drop: 0, duplicate: 0, reorder: 0 },
  { drop: 0.1, duplicate: 0.1, reorder: 0.1 },
  { drop: 0.3, duplicate: 0.1, reorder: 0.1 },
];

const CLIENT_SETTINGS: readonly ClientSettings[] = [
  { name: 'default', timeout: 1000, retries: 3 },
  { name: 'fast', timeout: 100, retries: 3 },
];

interface CellResult {
  network: Network;
  client: ClientSettings;
  requests: number;
  answered: number;
  noReply: number;
  /** Lines shown anything but their own reply or the no-reply line. Must be 0. */
  wrong: number;
  successRate: number;
  /** Over answered requests; null when none was answered. */
  latencyMs: { p50: number; p99: number; max: number } | null;
  proxy: LossyProxyStats;
  wallMs: number;
}

function fail(message: string): never {
  process.stderr.write(`measure-loss: ${message}\n`);
  process.exit(2);
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    fail(`--${flag} must be a whole number of at least 1 (got ${JSON.stringify(text)})`);
  return value;
}

/** Nearest rank: the smallest sample that at least `fraction` of the samples do not exceed. */
function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)];
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** Types LINES into a udp-client one at a time; resolves with what it showed for each, and when. */
async function typeEach(
  client: TypedClient,
  lines: readonly string[],
): Promise<{ shown: string; ms: number }[]> {
  // A first line, not measured, so Node's start-up and the client's connect are not counted
  // in the first request (its outcome, reply or no reply, is one line like any other).
  client.type('warm-up');
  await client.screenLines(1);
  const results: { shown: string; ms: number }[] = [];
  for (const [i, line] of lines.entries()) {
    const started = performance.now();
    client.type(line);
    const screen = await client.screenLines(i + 2);
    results.push({ shown: screen[i + 1], ms: performance.now() - started });
  }
  client.endInput();
  return results;
}

async function measureCell(
  serverPort: number,
  network: Network,
  settings: ClientSettings,
  options: { requests: number; clients: number; seed: number; cell: number },
): Promise<CellResult> {
  const proxy = await startLossyProxy({
    target: { host: '127.0.0.1', port: serverPort },
    ...network,
    seed: options.seed + options.cell,
  });
  const started = performance.now();
  try {
    const noReply = `No reply from 127.0.0.1:${proxy.port} after ${settings.retries + 1} tries`;
    const args = [
      ...['--port', String(proxy.port)],
      ...['--timeout', String(settings.timeout), '--retries', String(settings.retries)],
    ];
    // Request r goes to client r % clients; every line is distinct, so a mix-up shows.
    const perClient = Array.from({ length: options.clients }, (_, c) =>
      Array.from({ length: options.requests }, (_, r) => r)
        .filter((r) => r % options.clients === c)
        .map((r) => `request ${options.cell}.${r} through a lossy network`),
    ).filter((lines) => lines.length > 0);
    const outcomes = await Promise.all(
      perClient.map(async (lines) => {
        const client = startClient('udp-client', args);
        const results = await typeEach(client, lines);
        const { code } = await client.exited;
        return results.map(({ shown, ms }, i) => ({
          ms,
          outcome:
            shown === `Received Message from Server: ${lines[i].toUpperCase()}`
              ? ('answered' as const)
              : shown === noReply
                ? ('no reply' as const)
                : ('wrong' as const),
          clientFailed: code !== 0 && code !== 1,
        }));
      }),
    ).then((all) => all.flat());

    const latencies = outcomes
      .filter((o) => o.outcome === 'answered')
      .map((o) => o.ms)
      .sort((a, b) => a - b);
    const count = (outcome: string): number => outcomes.filter((o) => o.outcome === outcome).length;
    if (outcomes.some((o) => o.clientFailed)) throw new Error('a udp-client exited abnormally');
    return {
      network,
      client: settings,
      requests: outcomes.length,
      answered: latencies.length,
      noReply: count('no reply'),
      wrong: count('wrong'),
      successRate: latencies.length / outcomes.length,
      latencyMs:
        latencies.length === 0
          ? null
          : {
              p50: round(percentile(latencies, 0.5)),
              p99: round(percentile(latencies, 0.99)),
              max: round(latencies[latencies.length - 1]),
            },
      proxy: { ...proxy.stats },
      wallMs: Math.round(performance.now() - started),
    };
  } finally {
    await proxy.close();
  }
}

function markdownTable(results: readonly CellResult[]): string {
  const percent = (x: number): string => `${Math.round(x * 1000) / 10}%`;
  const ms = (x: number | undefined): string => (x === undefined ? '-' : String(x));
  const header = [
    'loss each way',
    'dup',
    'reorder',
    'client (timeout, retries)',
    'requests',
    'success',
    'p50 ms',
    'p99 ms',
    'max ms',
    'wrong replies',
  ];
  const rows = results.map((r) => [
    percent(r.network.drop),
    percent(r.network.duplicate),
    percent(r.network.reorder),
    `${r.client.name} (${r.client.timeout} ms, ${r.client.retries})`,
    String(r.requests),
    percent(r.successRate),
    ms(r.latencyMs?.p50),
    ms(r.latencyMs?.p99),
    ms(r.latencyMs?.max),
    String(r.wrong),
  ]);
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      strict: true,
      options: {
        requests: { type: 'string', default: '400' },
        clients: { type: 'string', default: '25' },
        seed: { type: 'string', default: '1' },
        json: { type: 'string', default: path.join(WORKSPACE_ROOT, 'tmp', 'measure-loss.json') },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const requests = positiveInteger(values.requests, 'requests');
  const clients = positiveInteger(values.clients, 'clients');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed))
    fail(`--seed must be an integer (got ${JSON.stringify(values.seed)})`);

  for (const app of ['udp-server', 'udp-client'] as const) {
    if (!existsSync(appMain(app))) fail(`${appMain(app)} is missing: nx build ${app} first`);
  }
  const results: CellResult[] = [];
  try {
    const server = await startServer('udp-server', ['--host', '127.0.0.1']);
    for (const network of NETWORKS) {
      for (const settings of CLIENT_SETTINGS) {
        const cell = results.length;
        process.stderr.write(
          `measure-loss: ${network.drop * 100}% loss each way, ${settings.name} client: ${requests} requests from ${clients} clients ...`,
        );
        const result = await measureCell(server.port, network, settings, {
          requests,
          clients,
          seed,
          cell,
        });
        process.stderr.write(` ${(result.wallMs / 1000).toFixed(1)} s\n`);
        results.push(result);
      }
    }
  } finally {
    await runCleanups(); // the server, and any client a failure left running
  }

  const report = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    // Latency at 0% loss is mostly CPU scheduling: a busy machine shows in these.
    cpus: cpus().length,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    requestsPerRow: requests,
    concurrentClients: clients,
    seed,
    latency:
      'ms from writing the line to the client to its reply line, over answered requests (nearest rank)',
    results,
  };
  mkdirSync(path.dirname(values.json), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${markdownTable(results)}\n\n${JSON.stringify(report, null, 2)}\n`);
  if (results.some((r) => r.wrong > 0)) {
    process.stderr.write('measure-loss: a line was shown a reply that was not its own\n');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`measure-loss: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
