import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { mulberry32, startLossyProxy } from '@netlab-tools/lossy-udp-proxy';
import { createFaultProxy, type FaultProxy } from '@netlab-tools/tcp-fault-proxy';
import { Counters, Failures } from './counters';
import { LoopLateness, type LoopDelayFigures } from './loop-lateness';
import type { TcpBehaviour } from './options';
import { openResources, openResourcesOnceReleased, sameKinds } from './resources';
import {
  PROXY_FAULTS,
  runTcpClient,
  type TcpClientContext,
  type TcpProxyPorts,
} from './tcp-clients';
import { UDP_NETWORK, runUdpClient } from './udp-clients';

/** One client of the run: what it does, and the seed of its random choices. */
export type PlannedClient =
  | { kind: 'tcp'; behaviour: TcpBehaviour; seed: number }
  | { kind: 'udp'; seed: number; firstId: number };

/** What one shard of the load runs: its clients, with fault proxies of its own. */
export interface ShardInput {
  shard: number;
  clients: PlannedClient[];
  tcpServerPort: number;
  udpServerPort: number;
  /** Date.now() after which clients start no new work. */
  deadline: number;
  /** Seeds the shard's lossy UDP proxy. */
  seed: number;
}

export interface ShardResult {
  shard: number;
  counters: Record<string, number>;
  failures: { count: number; examples: string[] };
  lossy: { dropped: number; duplicated: number; reordered: number };
  loop: LoopDelayFigures;
  /** Resource kinds open at the end that were not before: none, if it closed what it opened. */
  leftOpen: string[];
}

/** What a shard's thread tells the main thread: its loop's lateness now and then, then its result. */
type ShardMessage =
  { kind: 'progress'; loop: LoopDelayFigures } | { kind: 'done'; result: ShardResult };

const PROGRESS_EVERY_MS = 10_000;

/**
 * Runs one shard's clients until the deadline: its own fault proxies in front of tcp-server
 * and its own lossy proxy in front of udp-server, all on this thread's event loop, whose
 * lateness it measures (clients wait that time longer, and the report shows it).
 */
export async function runShard(
  input: ShardInput,
  progress: (loop: LoopDelayFigures) => void = () => undefined,
): Promise<ShardResult> {
  const leftBefore = openResources();
  const lateness = new LoopLateness(`shard ${input.shard}`);
  const ticker = setInterval(() => progress(lateness.figures()), PROGRESS_EVERY_MS);
  const counters = new Counters();
  const failures = new Failures();

  const proxies: FaultProxy[] = [];
  const ports = {} as TcpProxyPorts;
  for (const [fault, faults] of Object.entries(PROXY_FAULTS) as [keyof TcpProxyPorts, object][]) {
    const proxy = createFaultProxy({
      target: { host: '127.0.0.1', port: input.tcpServerPort },
      ...faults,
    });
    proxies.push(proxy);
    ports[fault] = (await proxy.listen()).port;
  }
  const lossy = await startLossyProxy({
    target: { host: '127.0.0.1', port: input.udpServerPort },
    ...UDP_NETWORK,
    seed: input.seed,
  });

  const running = () => Date.now() < input.deadline;
  const tcpContext: TcpClientContext = {
    serverPort: input.tcpServerPort,
    proxies: ports,
    running,
    counters,
    failures,
    lateness,
  };
  const udpContext = { proxyPort: lossy.port, running, counters, failures };
  const crashed = (what: string) => (error: unknown) =>
    failures.add(`${what} client failed: ${error instanceof Error ? error.message : error}`);
  await Promise.all(
    input.clients.map((client) => {
      const random = mulberry32(client.seed);
      return client.kind === 'tcp'
        ? runTcpClient(client.behaviour, tcpContext, random).catch(crashed(client.behaviour))
        : runUdpClient(udpContext, random, client.firstId).catch(crashed('udp'));
    }),
  );

  await Promise.all(proxies.map((proxy) => proxy.close()));
  await lossy.close();
  clearInterval(ticker);
  const loop = lateness.stop();
  const leftAfter = await openResourcesOnceReleased(leftBefore);
  return {
    shard: input.shard,
    counters: counters.toJSON(),
    failures: { count: failures.count, examples: failures.examples },
    lossy: {
      dropped: lossy.stats.dropped,
      duplicated: lossy.stats.duplicated,
      reordered: lossy.stats.reordered,
    },
    loop,
    leftOpen: sameKinds(leftAfter, leftBefore) ? [] : leftAfter,
  };
}

/**
 * Runs a shard on a thread of its own: this same file (the soak's bundle), started as a
 * worker, where `serveShardIfWorker` picks the work up. One event loop cannot keep up with
 * hundreds of clients and the proxies' byte-at-a-time forwarding on a busy machine; several
 * can, on several cores, and each one's lateness is measured apart.
 */
export function runShardInWorker(
  input: ShardInput,
  progress: (loop: LoopDelayFigures) => void,
): Promise<ShardResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { soakShard: input } });
    let result: ShardResult | undefined;
    worker.on('message', (message: ShardMessage) => {
      if (message.kind === 'progress') progress(message.loop);
      else result = message.result;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`soak shard ${input.shard} exited (${code}) without its results`));
    });
  });
}

/** In a thread started by runShardInWorker: runs its shard and returns true. */
export function serveShardIfWorker(): boolean {
  const input = (workerData as { soakShard?: ShardInput } | null)?.soakShard;
  if (isMainThread || !input || !parentPort) return false;
  const port = parentPort;
  const post = (message: ShardMessage) => port.postMessage(message);
  // A failure is thrown out of the thread: the main thread's 'error' listener reports it.
  void runShard(input, (loop) => post({ kind: 'progress', loop })).then((result) =>
    post({ kind: 'done', result }),
  );
  return true;
}
