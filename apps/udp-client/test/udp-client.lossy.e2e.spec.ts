import { startLossyProxy } from '@netlab-tools/lossy-udp-proxy';
import { onCleanup, runApp, runCleanups, startServer } from '@netlab-tools/app-harness';

// 100 lines that differ in more than their case, so a reply shown for the wrong line is caught.
const LINES = Array.from(
  { length: 100 },
  (_, i) => `line ${i} of the lossy run, ünïcode ${i * 37}`,
);
const TRIES = 4;

// The client takes these lines one at a time; with 25 ms waits a line needs 0.1 s on average,
// and at most 25 + 50 + 100 + 200 ms when every try is lost.
jest.setTimeout(120_000);

afterEach(runCleanups);

describe('udp-client through a lossy network (built apps, seeded lossy proxy)', () => {
  it('gives every line its own reply or "No reply from HOST:PORT after N tries", never another line\'s reply', async () => {
    const server = await startServer('udp-server', ['--host', '127.0.0.1']);
    // Seeded: each lane of the proxy draws the same drops, copies and swaps on every run (which
    // datagram meets which draw can still shift with the timing of the client's retries).
    const proxy = await startLossyProxy({
      target: { host: '127.0.0.1', port: server.port },
      drop: 0.3,
      duplicate: 0.2,
      reorder: 0.2,
      delay: { min: 0, max: 20 },
      seed: 20_240_501,
    });
    onCleanup(() => proxy.close());

    const result = await runApp(
      'udp-client',
      [
        ...['--port', String(proxy.port), '--timeout', '25', '--retries', String(TRIES - 1)],
        ...['--log-level', 'debug'], // to see the replies it threw away
      ],
      LINES.map((line) => `${line}\n`).join(''),
    );

    const noReply = `No reply from 127.0.0.1:${proxy.port} after ${TRIES} tries`;
    const screen = result.stdout.split('\n');
    expect(screen.pop()).toBe('');
    expect(screen).toHaveLength(LINES.length);
    const outcomes = screen.map((shown, i) =>
      shown === `Received Message from Server: ${LINES[i].toUpperCase()}`
        ? 'answered'
        : shown === noReply
          ? 'no reply'
          : `line ${i} got ${JSON.stringify(shown)}`,
    );
    expect(outcomes.filter((outcome) => outcome !== 'answered' && outcome !== 'no reply')).toEqual(
      [],
    );
    const answered = outcomes.filter((outcome) => outcome === 'answered').length;
    // With 30% loss each way a try succeeds about half the time, four tries 93% of the time.
    expect(answered).toBeGreaterThanOrEqual(70);
    expect(result.code).toBe(answered === LINES.length ? 0 : 1);

    // The danger was real: replies came late or twice, and the client threw them away.
    const logs = result.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logs.filter((log) => log.level >= 40)).toEqual([]);
    const discarded = logs.filter((log) => log.msg === 'Discarded stale or duplicate reply');
    expect(discarded.length).toBeGreaterThan(10);
    // And the network misbehaved in every way it was asked to.
    expect(proxy.stats.dropped).toBeGreaterThan(30);
    expect(proxy.stats.duplicated).toBeGreaterThan(10);
    expect(proxy.stats.reordered).toBeGreaterThan(10);
  });
});
