import { MIB, RssSampler, type RssSummary } from '@netlab-tools/app-harness';
import { Counters, Failures } from './counters';
import { LoopLateness, type LoopDelayFigures } from './loop-lateness';
import { splitClients, type SoakOptions, type TcpBehaviour } from './options';
import { openResources, openResourcesOnceReleased, sameKinds } from './resources';
import { startSoakServer, type SoakServer } from './server-process';
import { runShardInWorker, type PlannedClient, type ShardResult } from './shard';
import { TCP_SERVER_ARGS } from './tcp-clients';

/**
 * The memory each server may hold at the end of the soak. tcp-server: its idle ~55 MiB,
 * plus, for each of the non-reading clients it holds, the 64 KiB reply budget and the one
 * 60 kB reply that crossed it, plus V8's slack after a run of millions of requests (the
 * 100-non-reading-client test measured 66 MiB over idle). udp-server keeps nothing per
 * request.
 */
export const RSS_BOUNDS = { 'tcp-server': 256 * MIB, 'udp-server': 128 * MIB } as const;

/** How long the servers get, after the last client stopped, to close every connection. */
const SETTLE_MS = 15_000;

export interface SoakCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SoakReport {
  options: SoakOptions;
  seconds: number;
  clients: { tcp: Record<TcpBehaviour, number>; udp: number };
  served: {
    tcpRequestsReceived: number;
    udpDatagramsReceived: number;
    logLinesDropped: Record<'tcp-server' | 'udp-server', number>;
    tcpNormalRequestsAnsweredCorrectly: number;
    udpRequestsAnsweredCorrectly: number;
  };
  faults: Record<string, number>;
  closeReasons: Record<string, number>;
  rss: Record<'tcp-server' | 'udp-server', { peakMiB: number; finalMiB: number; boundMiB: number }>;
  /**
   * The soak's own lateness, per thread: `main` reads the servers' logs, each shard runs
   * clients and proxies. A late shard is the load generator falling behind, not the server;
   * its clients' waits were lengthened by that much.
   */
  loopDelay: LoopDelayFigures[];
  failures: { count: number; examples: string[] };
  checks: SoakCheck[];
  ok: boolean;
}

const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;

/** Every client of the run with its seed, the same whatever the number of shards. */
function planClients(options: SoakOptions): {
  mix: Record<TcpBehaviour, number>;
  clients: PlannedClient[];
} {
  const mix = splitClients(options.tcpClients);
  const clients: PlannedClient[] = [];
  let n = 0;
  for (const [behaviour, count] of Object.entries(mix) as [TcpBehaviour, number][]) {
    for (let i = 0; i < count; i++) {
      clients.push({ kind: 'tcp', behaviour, seed: (options.seed * 7919 + n++) >>> 0 });
    }
  }
  for (let i = 0; i < options.udpClients; i++) {
    clients.push({ kind: 'udp', seed: (options.seed * 104_729 + i) >>> 0, firstId: i * 1_000_000 });
  }
  return { mix, clients };
}

export async function runSoak(
  options: SoakOptions,
  progress: (line: string) => void,
): Promise<SoakReport> {
  const started = Date.now();
  const lateness = new LoopLateness('main');
  const leftBefore = openResources();

  const tcpServer = await startSoakServer('tcp-server', TCP_SERVER_ARGS);
  const udpServer = await startSoakServer('udp-server', []);
  const servers = [tcpServer, udpServer];
  const samplers = servers.map((server) => new RssSampler(server.pid, 1000));
  const idleFiles = tcpServer.openFiles();
  progress(
    `tcp-server pid ${tcpServer.pid} port ${tcpServer.port}, udp-server pid ${udpServer.pid} port ${udpServer.port}`,
  );

  const deadline = Date.now() + options.durationSeconds * 1000;
  const { mix, clients } = planClients(options);
  progress(
    `${options.tcpClients} TCP clients (${Object.entries(mix)
      .map(([behaviour, count]) => `${count} ${behaviour}`)
      .join(', ')}) and ${options.udpClients} UDP clients for ${options.durationSeconds} s, ` +
      `in ${options.shards} threads of their own`,
  );
  const shardLoops = new Map<number, LoopDelayFigures>();
  const shards = Array.from({ length: options.shards }, (_, shard) =>
    runShardInWorker(
      {
        shard: shard + 1,
        // Round-robin, so each shard gets its share of every behaviour.
        clients: clients.filter((_, i) => i % options.shards === shard),
        tcpServerPort: tcpServer.port,
        udpServerPort: udpServer.port,
        deadline,
        seed: (options.seed * 31 + shard) >>> 0,
      },
      (loop) => shardLoops.set(shard + 1, loop),
    ),
  );
  const ticker = setInterval(() => {
    const rss = samplers.map((sampler, i) => `${servers[i].app} ${mib(sampler.peak)} MiB peak`);
    const loops = [lateness.figures(), ...shardLoops.values()].map(describeLateness);
    progress(
      `${Math.round((Date.now() - started) / 1000)} s: ${tcpServer.log.count('Received message from client')} TCP requests, ` +
        `${udpServer.log.count('Received message from client')} UDP datagrams, ` +
        `${tcpServer.log.openConnections} connections open, ${rss.join(', ')}; ` +
        `soak loop late: ${loops.join(', ')}`,
    );
  }, 10_000);

  const results = await Promise.all(shards);
  clearInterval(ticker);
  const { counters, failures, lossy } = merge(results);
  progress('clients done; waiting for the servers to close every connection');
  const settled = await settle(() => tcpServer.openFiles() === idleFiles);
  const finalFiles = tcpServer.openFiles();
  // Its log says so too, unless lines were dropped: past 16 MiB of unwritten log, the
  // servers drop lines rather than hold them (a reader that lags under load).
  await tcpServer.log.waitUntil(() => tcpServer.log.openConnections === 0, 1000);
  const alive = servers.map((server) => server.alive());
  const rss = samplers.map((sampler) => sampler.stop());
  const exits = await Promise.all(servers.map((server) => server.stop()));
  const loopDelay = [lateness.stop(), ...results.map((result) => result.loop)];
  const leftAfter = await openResourcesOnceReleased(leftBefore);
  const shardsLeftOpen = results.filter((result) => result.leftOpen.length > 0);

  const checks: SoakCheck[] = [
    {
      name: 'every normal request answered correctly, exactly once, and every fault met as promised',
      ok: failures.count === 0,
      detail: `${failures.count} broken` + (failures.count ? `: ${failures.examples[0]}` : ''),
    },
    ...servers.map((server, i) => rssCheck(server, rss[i])),
    {
      name: 'tcp-server closed every connection it accepted',
      ok: settled,
      detail:
        `${finalFiles} descriptors open, ${idleFiles} before the first client; ` +
        `its log: ${tcpServer.log.count('Connection accepted')} accepted, ` +
        `${tcpServer.log.count('Connection closed')} closed`,
    },
    {
      name: 'the soak closed every socket, timer and process it opened',
      ok: sameKinds(leftAfter, leftBefore) && shardsLeftOpen.length === 0,
      detail:
        `open before: [${leftBefore.join(', ')}], after: [${leftAfter.join(', ')}]` +
        shardsLeftOpen
          .map((result) => `; shard ${result.shard} left [${result.leftOpen.join(', ')}]`)
          .join(''),
    },
    ...servers.map((server, i) => crashCheck(server, alive[i], exits[i])),
  ];

  return {
    options,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    clients: { tcp: mix, udp: options.udpClients },
    served: {
      tcpRequestsReceived: tcpServer.log.count('Received message from client'),
      udpDatagramsReceived: udpServer.log.count('Received message from client'),
      // Past 16 MiB of unwritten log a server drops lines (and says how many) rather than
      // hold them: the counts above, read from the logs, are short by these.
      logLinesDropped: {
        'tcp-server': tcpServer.log.droppedLines,
        'udp-server': udpServer.log.droppedLines,
      },
      tcpNormalRequestsAnsweredCorrectly: counters.get('tcp normal requests answered correctly'),
      udpRequestsAnsweredCorrectly: counters.get('udp requests answered correctly'),
    },
    faults: {
      ...counters.toJSON(),
      'udp datagrams dropped by the proxy': lossy.dropped,
      'udp datagrams duplicated by the proxy': lossy.duplicated,
      'udp datagrams reordered by the proxy': lossy.reordered,
    },
    closeReasons: Object.fromEntries(tcpServer.log.closeReasons),
    rss: {
      'tcp-server': rssFigures(rss[0], RSS_BOUNDS['tcp-server']),
      'udp-server': rssFigures(rss[1], RSS_BOUNDS['udp-server']),
    },
    loopDelay,
    failures: { count: failures.count, examples: failures.examples },
    checks,
    ok: checks.every((check) => check.ok),
  };
}

/** The shards' counts, broken promises and proxy figures, added up. */
function merge(results: ShardResult[]): {
  counters: Counters;
  failures: Failures;
  lossy: ShardResult['lossy'];
} {
  const counters = new Counters();
  const failures = new Failures();
  const lossy = { dropped: 0, duplicated: 0, reordered: 0 };
  for (const result of results) {
    for (const [name, n] of Object.entries(result.counters)) counters.add(name, n);
    failures.addAll(result.failures);
    lossy.dropped += result.lossy.dropped;
    lossy.duplicated += result.lossy.duplicated;
    lossy.reordered += result.lossy.reordered;
  }
  return { counters, failures, lossy };
}

/** `shard 1 4% (p99 12 ms)`: the share of its run a thread was late, and its bad moments. */
export function describeLateness(loop: LoopDelayFigures): string {
  return `${loop.thread} ${Math.round(loop.lateShare * 100)}% (p99 ${loop.p99Ms} ms, max ${loop.maxMs} ms)`;
}

/** Polls `done` (nothing signals a descriptor closing) until it holds or SETTLE_MS pass. */
async function settle(done: () => boolean): Promise<boolean> {
  const giveUpAt = Date.now() + SETTLE_MS;
  while (!done()) {
    if (Date.now() > giveUpAt) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

function rssFigures(summary: RssSummary, bound: number) {
  return { peakMiB: mib(summary.peak), finalMiB: mib(summary.final), boundMiB: mib(bound) };
}

function rssCheck(server: SoakServer, summary: RssSummary): SoakCheck {
  const bound = RSS_BOUNDS[server.app];
  return {
    name: `${server.app} RSS at the end under ${mib(bound)} MiB`,
    ok: summary.final < bound,
    detail: `final ${mib(summary.final)} MiB, peak ${mib(summary.peak)} MiB (${summary.samples.length} samples, one a second)`,
  };
}

function crashCheck(
  server: SoakServer,
  alive: boolean,
  exit: { code: number | null; signal: NodeJS.Signals | null },
): SoakCheck {
  const problems: string[] = [];
  if (!alive) problems.push('it exited during the soak');
  if (exit.code !== 0) problems.push(`SIGTERM: exit ${exit.code ?? exit.signal}, not 0`);
  if (server.log.count('Server closed') !== 1) problems.push('no "Server closed" line');
  if (server.log.troubleCount > 0) {
    problems.push(
      `${server.log.troubleCount} warn/error or non-JSON lines, first ${JSON.stringify(server.log.trouble[0])}`,
    );
  }
  if (server.stderr() !== '') problems.push(`stderr: ${server.stderr().slice(0, 500)}`);
  return {
    name: `${server.app}: no crash, no error line, a clean stop`,
    ok: problems.length === 0,
    detail: problems.length === 0 ? 'alive throughout, exit 0 on SIGTERM' : problems.join('; '),
  };
}
