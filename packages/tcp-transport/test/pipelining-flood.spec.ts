import {
  LineSocket,
  MIB,
  RssSampler,
  runCleanups,
  spawnProcess,
  temporaryPath,
} from '@netlab-tools/app-harness';
import { build } from 'esbuild';
import { once } from 'node:events';
import path from 'node:path';

afterEach(runCleanups);

// The memory a client pipelining at a slow asynchronous session can make the server hold is
// bounded by limits.maxInFlight (64 by default), not by how much it sends. The server runs in
// a process of its own (test/fixtures/slow-line-server.ts: each line answered after 10 ms)
// with V8's young generation capped at 2 MiB, so its RSS follows what it really holds rather
// than the collector's slack. Measured on the 2-core dev machine: +13 MiB over the warmed-up
// server for the 100,000 lines at the default cap; with the cap lifted (maxInFlight
// 1,000,000) the same flood took +47 MiB, growing with the number of lines.
const FLOOD_LINES = 100_000;
const WARM_UP_LINES = 20_000;
const RSS_GROWTH_BOUND = 24 * MIB;

async function startSlowServer(): Promise<{ port: number; pid: number }> {
  const bundle = temporaryPath('slow-line-server.js');
  await build({
    entryPoints: [path.join(__dirname, 'fixtures/slow-line-server.ts')],
    bundle: true,
    platform: 'node',
    outfile: bundle,
    logLevel: 'error',
  });
  const server = spawnProcess(process.execPath, ['--max-semi-space-size=2', bundle], {
    env: { ...process.env, MAX_IN_FLIGHT: '' }, // the default cap
  });
  // Its first line on stdout is its address.
  while (!server.output.stdout.includes('\n')) {
    const exited = await Promise.race([once(server.child.stdout, 'data'), server.exited]);
    if (!Array.isArray(exited)) throw new Error(`the server exited: ${exited.stderr}`);
  }
  const { port } = JSON.parse(server.output.stdout.split('\n')[0]) as { port: number };
  return { port, pid: server.child.pid! };
}

/** Sends `count` numbered lines in one write and reads every reply, checking their order. */
async function pipeline(client: LineSocket, prefix: string, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `${prefix} ${i}`);
  client.send(lines.map((line) => `${line}\n`).join(''));
  for (let start = 0; start < count; start += 10_000) {
    const expected = lines.slice(start, start + 10_000).map((line) => `ok:${line}`);
    expect(await client.readLines(expected.length, 60_000)).toEqual(expected);
  }
}

describe('tcp server: a client pipelining at a slow asynchronous session', () => {
  it(`answers ${FLOOD_LINES} pipelined lines in order with the server's RSS growing less than 24 MiB`, async () => {
    const { port, pid } = await startSlowServer();
    const client = await LineSocket.connect({ port });
    await pipeline(client, 'warm-up', WARM_UP_LINES);
    const sampler = new RssSampler(pid, 50);
    const baseline = sampler.sample();
    await pipeline(client, 'line', FLOOD_LINES);
    const { peak } = sampler.stop();
    expect(peak - baseline).toBeLessThan(RSS_GROWTH_BOUND);
  }, 180_000);
});
