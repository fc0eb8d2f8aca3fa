import { startLossyProxy } from '@netlab-tools/lossy-udp-proxy';
import {
  freePort,
  onCleanup,
  runApp,
  runCleanups,
  startPythonServer,
  startServer,
} from '@netlab-tools/app-harness';

jest.setTimeout(60_000);
afterEach(runCleanups);

const REPLY = /^Reply from 127\.0\.0\.1:(\d+): seq=(\d+) time=[\d.]+ ms$/;
const TIMED_OUT = /^Request timed out: seq=(\d+)$/;
const LATE =
  /^Late reply from 127\.0\.0\.1:\d+: seq=(\d+) time=[\d.]+ ms \(after the \d+ ms timeout: still counted as lost\)$/;
const DUPLICATE =
  /^Duplicate reply from 127\.0\.0\.1:\d+: seq=(\d+) time=[\d.]+ ms \(DUP!: not counted\)$/;
const COUNTS =
  /^(\d+) packets transmitted, (\d+) received, ([\d.]+)% packet loss(?:, (\d+) late)?(?:, \+(\d+) duplicates)?$/;
const RTT = /^rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms$/;

/** The screen of a ping run: the line of each ping, the late and duplicate ones, the summary. */
function readPingScreen(stdout: string) {
  const lines = stdout.split('\n');
  expect(lines.pop()).toBe('');
  const seqs = (pattern: RegExp) =>
    lines
      .map((line) => pattern.exec(line))
      .flatMap((match) => (match ? [Number(match[1 + (pattern === REPLY ? 1 : 0)])] : []));
  const summaryAt = lines.findIndex((line) => line.endsWith(' ping statistics ---'));
  expect(summaryAt).toBeGreaterThan(0);
  const counts = COUNTS.exec(lines[summaryAt + 1]);
  expect(counts).not.toBeNull();
  return {
    lines,
    replied: seqs(REPLY),
    timedOut: seqs(TIMED_OUT),
    late: seqs(LATE),
    duplicates: seqs(DUPLICATE),
    summary: {
      transmitted: Number(counts![1]),
      received: Number(counts![2]),
      lossPercent: Number(counts![3]),
      late: Number(counts![4] ?? 0),
      duplicates: Number(counts![5] ?? 0),
    },
    rtt: RTT.exec(lines[summaryAt + 2] ?? '')
      ?.slice(1)
      .map(Number),
  };
}

describe('udp-client --ping (built apps)', () => {
  it("pings netlab's udp-server N times: a reply line per seq, then 0% packet loss and the rtt line, exit 0", async () => {
    const server = await startServer('udp-server', ['--host', '127.0.0.1']);
    const result = await runApp('udp-client', [
      ...['--port', String(server.port), '--ping', '5', '--interval', '20'],
    ]);
    expect(result.code).toBe(0);
    const screen = readPingScreen(result.stdout);
    expect(screen.lines[0]).toBe(
      `PING 127.0.0.1:${server.port}: 5 pings, every 20 ms, each waiting 1000 ms for its reply`,
    );
    expect(screen.replied).toEqual([1, 2, 3, 4, 5]);
    expect(screen.timedOut).toEqual([]);
    expect(screen.summary).toEqual({
      transmitted: 5,
      received: 5,
      lossPercent: 0,
      late: 0,
      duplicates: 0,
    });
    const [min, avg, max, mdev] = screen.rtt!;
    expect(min).toBeLessThanOrEqual(avg);
    expect(avg).toBeLessThanOrEqual(max);
    expect(mdev).toBeGreaterThanOrEqual(0);
    // Each ping reached the server once: no retries (the server writes its log in batches).
    await server.logs.waitForCount('Received message from client', 5);
    expect(server.logs.find('Received message from client')).toHaveLength(5);
  });

  it('through a network that loses 30% and duplicates: every ping answered or timed out once, late and duplicate replies named and never counted', async () => {
    const server = await startServer('udp-server', ['--host', '127.0.0.1']);
    const proxy = await startLossyProxy({
      target: { host: '127.0.0.1', port: server.port },
      drop: 0.3,
      duplicate: 0.3,
      // Up to 60 ms each way against an 80 ms timeout: some replies come late, and must never
      // be taken for a later ping's.
      delay: { min: 0, max: 60 },
      seed: 19,
    });
    onCleanup(() => proxy.close());
    const count = 60;
    const result = await runApp('udp-client', [
      ...['--port', String(proxy.port), '--ping', String(count)],
      ...['--interval', '10', '--timeout', '80'],
    ]);
    const screen = readPingScreen(result.stdout);
    const everySeq = Array.from({ length: count }, (_, i) => i + 1);
    // Each seq has exactly one outcome line: its reply, or its timeout.
    expect([...screen.replied, ...screen.timedOut].sort((a, b) => a - b)).toEqual(everySeq);
    // A late reply is to a ping that had timed out; a duplicate is to a ping already answered.
    for (const seq of screen.late) expect(screen.timedOut).toContain(seq);
    expect(new Set(screen.late).size).toBe(screen.late.length);
    for (const seq of screen.duplicates) expect([...screen.replied, ...screen.late]).toContain(seq);
    // The summary counts what the lines show.
    expect(screen.summary).toEqual({
      transmitted: count,
      received: screen.replied.length,
      lossPercent: Math.round(((count - screen.replied.length) * 1000) / count) / 10,
      late: screen.late.length,
      duplicates: screen.duplicates.length,
    });
    // Each way loses 30%, so about half the pings come back; the network did its worst.
    expect(screen.replied.length).toBeGreaterThan(10);
    expect(screen.timedOut.length).toBeGreaterThan(10);
    expect(screen.late.length + screen.duplicates.length).toBeGreaterThan(0);
    expect(result.code).toBe(0);
  });

  it('pings the textbook Python server with --plain, and says late replies cannot be told apart', async () => {
    const textbook = await startPythonServer('docs/textbook/udp_server.py', 'udp');
    const result = await runApp('udp-client', [
      ...['--port', String(textbook.port), '--ping', '3', '--interval', '20', '--plain'],
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('a late reply cannot be told apart');
    const screen = readPingScreen(result.stdout);
    expect(screen.replied).toEqual([1, 2, 3]);
    expect(screen.summary).toMatchObject({ transmitted: 3, received: 3, lossPercent: 0 });
  });

  it('exits 1 with 100% packet loss when nothing answers, and suggests --plain', async () => {
    const port = await freePort('udp');
    const result = await runApp('udp-client', [
      ...['--port', String(port), '--ping', '3', '--interval', '10', '--timeout', '100'],
    ]);
    expect(result.code).toBe(1);
    const screen = readPingScreen(result.stdout);
    expect(screen.timedOut).toEqual([1, 2, 3]);
    expect(screen.summary).toMatchObject({ transmitted: 3, received: 0, lossPercent: 100 });
    expect(screen.rtt).toBeUndefined();
    expect(result.stdout).toContain('try --plain');
  });

  it.each([
    [['--ping', 'ten'], /--ping must be an integer from 0 to 1000000/],
    [['--ping', '3', '--interval', '0'], /--interval must be an integer from 1 to 3600000/],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    const result = await runApp('udp-client', args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
