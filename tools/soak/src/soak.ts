import { MIB, RssSampler, type RssSummary } from '@netlab-tools/app-harness';
import { mulberry32, startLossyProxy } from '@netlab-tools/lossy-udp-proxy';
import { createFaultProxy, type FaultProxy } from '@netlab-tools/tcp-fault-proxy';
import { Counters, Failures } from './counters';
import { splitClients, type SoakOptions, type TcpBehaviour } from './options';
import { startSoakServer, type SoakServer } from './server-process';
import {
  PROXY_FAULTS,
  TCP_SERVER_ARGS,
  runTcpClient,
  type TcpClientContext,
  type TcpProxyPorts,
} from './tcp-clients';
import { UDP_NETWORK, runUdpClient } from './udp-clients';

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
  failures: { count: number; examples: string[] };
  checks: SoakCheck[];
  ok: boolean;
}

const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;

/** The resources this process holds that a finished soak must have closed. */
function openResources(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => kind !== 'TTYWrap' && kind !== 'PipeWrap' && kind !== 'FSReqCallback');
}

export async function runSoak(
  options: SoakOptions,
  progress: (line: string) => void,
): Promise<SoakReport> {
  const started = Date.now();
  const counters = new Counters();
  const failures = new Failures();
  const leftBefore = openResources();

  const tcpServer = await startSoakServer('tcp-server', TCP_SERVER_ARGS);
  const udpServer = await startSoakServer('udp-server', []);
  const servers = [tcpServer, udpServer];
  const samplers = servers.map((server) => new RssSampler(server.pid, 1000));
  const idleFiles = tcpServer.openFiles();
  progress(
    `tcp-server pid ${tcpServer.pid} port ${tcpServer.port}, udp-server pid ${udpServer.pid} port ${udpServer.port}`,
  );

  const proxies = new Map<keyof TcpProxyPorts, FaultProxy>();
  const ports = {} as TcpProxyPorts;
  for (const [fault, faults] of Object.entries(PROXY_FAULTS) as [keyof TcpProxyPorts, object][]) {
    const proxy = createFaultProxy({
      target: { host: '127.0.0.1', port: tcpServer.port },
      ...faults,
    });
    proxies.set(fault, proxy);
    ports[fault] = (await proxy.listen()).port;
  }
  const lossy = await startLossyProxy({
    target: { host: '127.0.0.1', port: udpServer.port },
    ...UDP_NETWORK,
    seed: options.seed,
  });

  const deadline = Date.now() + options.durationSeconds * 1000;
  const running = () => Date.now() < deadline;
  const tcpContext: TcpClientContext = {
    serverPort: tcpServer.port,
    proxies: ports,
    running,
    counters,
    failures,
  };
  const mix = splitClients(options.tcpClients);
  const clients: Promise<void>[] = [];
  let n = 0;
  const crashed = (what: string) => (error: unknown) =>
    failures.add(`${what} client failed: ${error instanceof Error ? error.message : error}`);
  for (const [behaviour, count] of Object.entries(mix) as [TcpBehaviour, number][]) {
    for (let i = 0; i < count; i++) {
      const random = mulberry32((options.seed * 7919 + n++) >>> 0);
      clients.push(runTcpClient(behaviour, tcpContext, random).catch(crashed(behaviour)));
    }
  }
  for (let i = 0; i < options.udpClients; i++) {
    const random = mulberry32((options.seed * 104_729 + i) >>> 0);
    const context = { proxyPort: lossy.port, running, counters, failures };
    clients.push(runUdpClient(context, random, i * 1_000_000).catch(crashed('udp')));
  }
  progress(
    `${options.tcpClients} TCP clients (${Object.entries(mix)
      .map(([behaviour, count]) => `${count} ${behaviour}`)
      .join(', ')}) and ${options.udpClients} UDP clients for ${options.durationSeconds} s`,
  );
  const ticker = setInterval(() => {
    const rss = samplers.map((sampler, i) => `${servers[i].app} ${mib(sampler.peak)} MiB peak`);
    progress(
      `${Math.round((Date.now() - started) / 1000)} s: ${tcpServer.log.count('Received message from client')} TCP requests, ` +
        `${udpServer.log.count('Received message from client')} UDP datagrams, ` +
        `${tcpServer.log.openConnections} connections open, ${rss.join(', ')}, ${failures.count} failures`,
    );
  }, 10_000);

  await Promise.all(clients);
  clearInterval(ticker);
  progress(
    'clients done; closing the proxies and waiting for the servers to close every connection',
  );
  await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
  await lossy.close();
  const settled = await settle(() => tcpServer.openFiles() === idleFiles);
  const finalFiles = tcpServer.openFiles();
  // Its log says so too, unless lines were dropped: past 16 MiB of unwritten log, the
  // servers drop lines rather than hold them (a reader that lags under load).
  await tcpServer.log.waitUntil(() => tcpServer.log.openConnections === 0, 1000);
  const alive = servers.map((server) => server.alive());
  const rss = samplers.map((sampler) => sampler.stop());
  const exits = await Promise.all(servers.map((server) => server.stop()));
  // A child's process handle is released in the loop turn after its 'close' event.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const leftAfter = openResources();

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
      ok: sameKinds(leftAfter, leftBefore),
      detail: `open before: [${leftBefore.join(', ')}], after: [${leftAfter.join(', ')}]`,
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
      'udp datagrams dropped by the proxy': lossy.stats.dropped,
      'udp datagrams duplicated by the proxy': lossy.stats.duplicated,
      'udp datagrams reordered by the proxy': lossy.stats.reordered,
    },
    closeReasons: Object.fromEntries(tcpServer.log.closeReasons),
    rss: {
      'tcp-server': rssFigures(rss[0], RSS_BOUNDS['tcp-server']),
      'udp-server': rssFigures(rss[1], RSS_BOUNDS['udp-server']),
    },
    failures: { count: failures.count, examples: failures.examples },
    checks,
    ok: checks.every((check) => check.ok),
  };
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

/** The same resource kinds, as many of each. */
function sameKinds(a: string[], b: string[]): boolean {
  return [...a].sort().join() === [...b].sort().join();
}
