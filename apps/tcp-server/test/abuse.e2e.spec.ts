// The fault and abuse battery of the built tcp-server (issue 7; limits and worst cases in
// SECURITY.md). Every test holds a well-behaved client beside the attack and checks it is
// served before, during and after: an attack may cost the attacker its connection, never
// anyone else theirs. Memory bounds read the server's RSS from /proc/<pid>/status.
//
// Elsewhere: port in use (one stderr line, exit 1) in tcp-server.e2e.spec.ts; a line over
// --max-line-bytes, a stuck writer, a reset through the fault proxy in limits.e2e.spec.ts;
// a stop under load in shutdown.e2e.spec.ts; the soak in tools/soak.
import { once } from 'node:events';
import { connect } from 'node:net';
import {
  LineSocket,
  MIB,
  RssSampler,
  onCleanup,
  readRss,
  runCleanups,
  startServer,
  type LogLine,
  type RunningServer,
  type ServerProcessOptions,
} from '@netlab-tools/app-harness';
import { wellBehavedClient } from './support/well-behaved-client';

function start(args: string[] = [], options: ServerProcessOptions = {}): Promise<RunningServer> {
  return startServer('tcp-server', ['--host', '127.0.0.1', ...args], options);
}

function rssOf(server: RunningServer): number {
  return readRss(server.child.pid!);
}

/** The pino `time` (ms since the epoch) of a log line. */
function timeOf(line: LogLine): number {
  return Number(line.time);
}

afterEach(runCleanups);

describe('tcp-server (built app) under abuse: lines that never end', () => {
  it('answers a 10 MB stream without a newline with one error line and closes it, holding none of it', async () => {
    const server = await start();
    const good = await wellBehavedClient(server.port);
    await good.check();
    const before = rssOf(server);
    const attacker = await LineSocket.connect({ port: server.port });
    // The server may close before it has read it all: the write then fails (EPIPE).
    const sending = attacker.write(Buffer.alloc(10 * MIB, 'x')).catch(() => undefined);
    await good.check();
    expect(await attacker.readToEnd()).toEqual(['Error: line too long (limit 65536 bytes)']);
    expect(await server.logs.waitFor('Connection closed', { connection: 2 })).toMatchObject({
      reason: 'line too long',
      detail: 'PROTOCOL_LINE_TOO_LONG',
    });
    await sending;
    // The decoder gave up at 64 KiB and the rest was read and dropped: holding the stream
    // would have cost 10 MB as bytes and as much again as text.
    expect(rssOf(server) - before).toBeLessThan(16 * MIB);
    await good.check();
    await good.checkHistory();
  });

  it('closes a client trickling a byte every 100 ms at the --line-deadline, which the idle timer alone never would', async () => {
    const server = await start(['--idle-timeout', '500', '--line-deadline', '1500']);
    const good = await wellBehavedClient(server.port);
    const stopChecking = good.keepChecking(100);
    const slowloris = await LineSocket.connect({ port: server.port });
    const trickle = setInterval(() => void slowloris.write('z').catch(() => undefined), 100);
    onCleanup(() => clearInterval(trickle));

    expect(await slowloris.readToEnd()).toEqual(['Error: line not finished within 1500 ms']);
    clearInterval(trickle);
    await stopChecking();
    const accepted = await server.logs.waitFor('Connection accepted', { connection: 2 });
    const closed = await server.logs.waitFor('Connection closed', { connection: 2 });
    expect(closed).toMatchObject({ reason: 'idle timeout', detail: 'line deadline' });
    // It was open three idle timeouts long: a byte every 100 ms restarts the idle timer, so
    // without the deadline (absolute, from the line's first byte) it would trickle forever.
    expect(timeOf(closed) - timeOf(accepted)).toBeGreaterThanOrEqual(1500);
    expect(server.logs.find('Connection closed', { detail: 'idle' })).toEqual([]);
    expect(good.checks).toBeGreaterThan(10);
    await good.checkHistory();
  });

  it('closes 50 idle connections at --idle-timeout, each with one error line, while a client that talks stays', async () => {
    const server = await start(['--idle-timeout', '500']);
    const good = await wellBehavedClient(server.port);
    const stopChecking = good.keepChecking(100);
    const idle = await Promise.all(
      Array.from({ length: 50 }, () => LineSocket.connect({ port: server.port })),
    );
    const notices = await Promise.all(idle.map((client) => client.readToEnd()));
    await stopChecking();
    expect(notices).toEqual(idle.map(() => ['Error: idle timeout (no data for 500 ms)']));
    // Logs are written in batches (every 50 ms at most): wait for all 50 lines.
    const closed = await server.logs.waitForCount('Connection closed', 50);
    expect(closed.every((line) => line.reason === 'idle timeout' && line.detail === 'idle')).toBe(
      true,
    );
    expect(closed.map((line) => line.connection)).not.toContain(1);
    await good.checkHistory();
  });
});

describe('tcp-server (built app) under abuse: clients that do not read', () => {
  it('keeps its RSS within 192 MiB of idle while 100 clients send 2,000 History requests each and never read (default limits)', async () => {
    const server = await start();
    const good = await wellBehavedClient(server.port);
    await good.check();
    const idleRss = rssOf(server);
    const sampler = new RssSampler(server.child.pid!, 250);
    // One 60 kB message makes each History reply 60 kB: 2,000 of them are 120 MB owed to
    // each client, 12 GB in all, if the server did not stop reading at 64 KiB owed.
    const requests = `${'m'.repeat(60_000)}\n${'History\n'.repeat(2000)}`;
    const flood = await Promise.all(
      Array.from({ length: 100 }, () =>
        LineSocket.connect({ port: server.port }, { reading: false }),
      ),
    );
    for (const client of flood) void client.write(requests).catch(() => undefined);
    // Each has had its message and a first History answered, then the server paused it.
    for (let connection = 2; connection <= 101; connection++) {
      await server.logs.waitFor('Received message from client', { connection, bytes: 7 });
    }
    await good.check();
    // Nothing marks the moment the last reply is queued: watch memory for two more seconds.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await good.check();
    const { peak } = sampler.stop();
    // 100 x (64 KiB budget + the one 60 kB reply that crossed it) is 12 MiB of replies owed.
    // The rest is garbage: the replies the kernel took (up to 4 MiB a socket) went through
    // this process, and how much of them is not yet collected at the peak depends on how
    // much CPU the garbage collector got. Quiet, Node 20 stays under 100 MiB over idle and
    // Node 24 at 105-110; Node 24 in a clean-clone test:all with the machine's two cores
    // busy reached 138. What proves the bound is that reading stopped (below): without it
    // the replies owed were 12 GB.
    expect(peak - idleRss).toBeLessThan(192 * MIB);
    const answered = server.logs.find('Received message from client', { bytes: 7 });
    expect(answered.length).toBeLessThan(100 * 2000);
    await good.checkHistory();
  }, 120_000);

  it('answers a 1,000,000-byte line sent in 1,000,000 one-byte writes, within 64 MiB of idle', async () => {
    const server = await start(['--max-line-bytes', '1000000']);
    const good = await wellBehavedClient(server.port);
    const idleRss = rssOf(server);
    const sampler = new RssSampler(server.child.pid!, 250);
    const client = await LineSocket.connect({ port: server.port });
    client.socket.setNoDelay(true);
    const byte = Buffer.from('a');
    for (let i = 0; i < 999_999; i++) {
      if (!client.socket.write(byte)) await once(client.socket, 'drain');
      // Let the server (and the well-behaved client) in between.
      if (i % 100_000 === 0) await good.check();
      else if (i % 10_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await client.write('\n');
    expect(await client.readLine()).toBe('Your data was 999999 bytes');
    const { peak } = sampler.stop();
    // However the bytes arrive, the decoder holds at most 64 chunks before it copies them
    // into one buffer: never a list of a million.
    expect(peak - idleRss).toBeLessThan(64 * MIB);
    await good.check();
    await good.checkHistory();
  }, 120_000);
});

describe('tcp-server (built app) under abuse: too many connections', () => {
  it('tells a burst of 300 clients past --max-connections 50 "Error: server busy", serving the 50 it holds', async () => {
    const server = await start(['--max-connections', '50']);
    const good = await wellBehavedClient(server.port);
    const held = await Promise.all(
      Array.from({ length: 49 }, () => LineSocket.connect({ port: server.port })),
    );
    await server.logs.waitFor('Connection accepted', { connection: 50 });
    const burst = await Promise.all(
      Array.from({ length: 300 }, () => LineSocket.connect({ port: server.port })),
    );
    await good.check();
    const refusals = await Promise.all(burst.map((client) => client.readToEnd()));
    expect(refusals).toEqual(burst.map(() => ['Error: server busy']));
    await server.logs.waitUntil(
      () => server.logs.find('Connection closed', { reason: 'server busy' }).length === 300,
    );
    await Promise.all(
      held.map(async (client, i) => {
        await client.write(`held ${i}\n`);
        expect(await client.readLine()).toBe(`Your data was ${`held ${i}`.length} bytes`);
      }),
    );
    await good.checkHistory();
  });

  it('past its open-file limit closes the connections it cannot take, serves those it holds, and takes new ones once they leave', async () => {
    // About 20 descriptors are node's own: the rest of the 64 are for clients.
    const server = await start([], { openFiles: 64 });
    const good = await wellBehavedClient(server.port);
    const crowd: LineSocket[] = [];
    for (let i = 0; i < 100; i++) crowd.push(await LineSocket.connect({ port: server.port }));
    const outcomes = await Promise.all(
      crowd.map(async (client, i) => {
        try {
          await client.write(`crowd ${i}\n`);
          return (await client.readLine()) === `Your data was ${`crowd ${i}`.length} bytes`
            ? 'answered'
            : 'wrong reply';
        } catch {
          return 'closed';
        }
      }),
    );
    const answered = outcomes.filter((outcome) => outcome === 'answered').length;
    expect(outcomes.filter((outcome) => outcome === 'wrong reply')).toEqual([]);
    // The kernel completed every handshake; past the limit the server could not accept, so
    // (libuv's way out of EMFILE) it accepted and closed them with a spare descriptor.
    expect(answered).toBeGreaterThan(10);
    expect(answered).toBeLessThan(64);
    // Logs are written in batches (every 50 ms at most): wait for the lines, then check that
    // no more came than connections were served.
    await server.logs.waitForCount('Connection accepted', 1 + answered);
    await good.check();
    expect(server.logs.find('Connection accepted')).toHaveLength(1 + answered);
    for (const client of crowd) client.socket.destroy();
    await server.logs.waitUntil(() => server.logs.find('Connection closed').length === answered);
    const later = await wellBehavedClient(server.port);
    await later.check();
    await good.checkHistory();
  });
});

describe('tcp-server (built app) under abuse: peers that vanish', () => {
  /** A client that owes the server 100 History replies of 60 kB, and reads none of them yet. */
  async function clientOwedMegabytes(port: number): Promise<LineSocket> {
    const client = await LineSocket.connect({ port }, { reading: false });
    await client.write(`${'m'.repeat(60_000)}\n${'History\n'.repeat(100)}`);
    return client;
  }

  it('logs 20 clients that reset in the middle of their replies as reason "reset", and serves on', async () => {
    const server = await start();
    const good = await wellBehavedClient(server.port);
    const resetting = await Promise.all(
      Array.from({ length: 20 }, () => clientOwedMegabytes(server.port)),
    );
    for (const client of resetting) {
      client.socket.once('data', () => client.socket.resetAndDestroy());
      client.socket.resume();
    }
    await good.check();
    await server.logs.waitUntil(
      () => server.logs.find('Connection closed', { reason: 'reset' }).length === 20,
    );
    await good.check();
    await good.checkHistory();
  });

  it('takes the reset when it writes to a client that closed without reading, and serves on', async () => {
    const server = await start();
    const good = await wellBehavedClient(server.port);
    const client = await clientOwedMegabytes(server.port);
    await server.logs.waitFor('Received message from client', { connection: 2, bytes: 7 });
    // A full close with replies unread: the kernel answers the server's next write with RST.
    client.socket.destroy();
    expect(await server.logs.waitFor('Connection closed', { connection: 2 })).toMatchObject({
      reason: 'reset',
    });
    await good.check();
    await good.checkHistory();
  });

  it('answers nothing a client writes after "Exit", however long it keeps writing', async () => {
    const server = await start();
    const good = await wellBehavedClient(server.port);
    // allowHalfOpen: this client keeps its side open, and writing, after the server ends its.
    const socket = connect({ host: '127.0.0.1', port: server.port, allowHalfOpen: true });
    onCleanup(() => socket.destroy());
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    let received = '';
    socket.setEncoding('utf8').on('data', (text: string) => (received += text));
    const ended = once(socket, 'end');
    socket.write('Exit\n');
    await ended;
    expect(received).toBe('Disconnect\n');
    for (let i = 0; i < 100; i++) socket.write(`after the end ${i}\n`);
    await good.check();
    socket.end();
    expect(await server.logs.waitFor('Connection closed', { connection: 2 })).toMatchObject({
      reason: 'exit',
    });
    expect(received).toBe('Disconnect\n');
    expect(server.logs.find('Received message from client', { connection: 2 })).toHaveLength(1);
    await good.checkHistory();
  });

  it('serves a 10 MB History reply whole to a client that reads it, and takes one destroyed mid-reply', async () => {
    const server = await start(['--max-line-bytes', '200000', '--max-history-bytes', '10000000']);
    const good = await wellBehavedClient(server.port);
    const message = 'h'.repeat(100_000);
    const fullHistory = `History: ${JSON.stringify(Array.from({ length: 100 }, () => message))}`;
    /** 100 messages of 100 kB, their replies read: History will be 10 MB. */
    async function clientWithLongHistory(): Promise<LineSocket> {
      const client = await LineSocket.connect({ port: server.port });
      await client.write(`${message}\n`.repeat(100));
      expect(new Set(await client.readLines(100))).toEqual(new Set(['Your data was 100000 bytes']));
      return client;
    }
    const reader = await clientWithLongHistory();
    const vanishing = await clientWithLongHistory();
    await good.check();

    let receivedBytes = 0;
    vanishing.socket.on('data', (text: string) => {
      receivedBytes += text.length;
      if (receivedBytes > MIB) vanishing.socket.destroy();
    });
    await vanishing.write('History\n');
    await reader.write('History\n');
    expect(await server.logs.waitFor('Connection closed', { connection: 3 })).toMatchObject({
      reason: 'reset',
    });
    await good.check();
    expect(await reader.readLine()).toBe(fullHistory);
    await good.check();
    await good.checkHistory();
  });
});

describe('tcp-server (built app) under abuse: bytes no text should hold', () => {
  it('counts NUL bytes, a bare CR and invalid UTF-8 as bytes of the line, and History shows each unambiguously', async () => {
    const server = await start();
    const good = await wellBehavedClient(server.port);
    const client = await LineSocket.connect({ port: server.port });
    await client.write(
      Buffer.concat([
        Buffer.from('a\0b\n'), // NUL
        Buffer.from('c\rd\n'), // a CR that does not end the line stays in it
        Buffer.from([0xff, 0x61, 0x0a]), // never valid UTF-8: U+FFFD, 3 bytes
        Buffer.from('\0\0\0\r\n'),
        Buffer.from('History\n'),
      ]),
    );
    await good.check();
    expect(await client.readLines(5)).toEqual([
      'Your data was 3 bytes',
      'Your data was 3 bytes',
      'Your data was 4 bytes',
      'Your data was 3 bytes',
      `History: ${JSON.stringify(['a\0b', 'c\rd', '\ufffda', '\0\0\0'])}`,
    ]);
    await good.checkHistory();
  });

  it('uppercases around NUL bytes and invalid UTF-8 with --service uppercase, one reply line each', async () => {
    const server = await start(['--service', 'uppercase']);
    const client = await LineSocket.connect({ port: server.port });
    await client.write(Buffer.concat([Buffer.from('a\0b\n'), Buffer.from([0xff, 0x7a, 0x0a])]));
    expect(await client.readLines(2)).toEqual(['A\0B', '\ufffdZ']);
  });
});
