// Stopping under load (issue 7): SIGTERM while clients are in the middle of a line, in the
// middle of a reply, or pipelining. The contract: every line the server has read is
// answered, no reply is cut (a client gets only whole lines), exit 0 within --grace; a
// second signal closes at once. The single-client cases are in tcp-server.e2e.spec.ts.
import { connect } from 'node:net';
import {
  LineSocket,
  runCleanups,
  startServer,
  type RunningServer,
} from '@netlab-tools/app-harness';

const MESSAGE = 'm'.repeat(60_000);
const HISTORY_REPLY = `History: ["${MESSAGE}"]`;

function start(args: string[] = []): Promise<RunningServer> {
  return startServer('tcp-server', ['--host', '127.0.0.1', ...args]);
}

/** The connection id the server gave a client, from its `Connection accepted` line. */
async function connectionOf(server: RunningServer, client: LineSocket): Promise<number> {
  const accepted = await server.logs.waitUntil(
    (line) =>
      line.msg === 'Connection accepted' &&
      (line.remote as { port?: number } | undefined)?.port === client.socket.localPort,
  );
  return Number(accepted.connection);
}

/**
 * Sends SIGTERM and resolves with the exit and how long the stop took by the server's own
 * clock, from its `stopLine` (the signal's log line) to its `Server closed` line: on a busy machine the
 * test's own process may notice the exit late, and must not count that against the server.
 */
async function stopTimed(
  server: RunningServer,
  stopLine = 'Shutting down',
): Promise<{ code: number | null; elapsedMs: number }> {
  const { code } = await server.stop('SIGTERM');
  const [shuttingDown] = server.logs.find(stopLine);
  const [closed] = server.logs.find('Server closed');
  return { code, elapsedMs: Number(closed?.time) - Number(shuttingDown?.time) };
}

afterEach(runCleanups);

describe('tcp-server (built app): SIGTERM under load', () => {
  it('answers every line it had read from 60 clients mid-line, mid-reply and pipelining, in whole lines, and exits 0 within --grace', async () => {
    const server = await start(['--grace', '20000']);
    const port = server.port;

    // 20 in the middle of a line: two whole lines, then half of a third.
    const midLine = await Promise.all(
      Array.from({ length: 20 }, () => LineSocket.connect({ port })),
    );
    for (const client of midLine) await client.write('Hi\nTesting Connection\nhalf a li');

    // 20 in the middle of a reply: 50 History replies of 60 kB owed (3 MB each, 60 MB in
    // all), not read yet, so most are still queued in the server when the stop begins.
    const midReply = await Promise.all(
      Array.from({ length: 20 }, () => LineSocket.connect({ port }, { reading: false })),
    );
    for (const client of midReply) await client.write(`${MESSAGE}\n${'History\n'.repeat(50)}`);

    // 20 pipelining: 200 lines in one write, read as they come.
    const pipelining = await Promise.all(
      Array.from({ length: 20 }, () => LineSocket.connect({ port })),
    );
    const pipelined = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    for (const client of pipelining) await client.write(`${pipelined.join('\n')}\n`);

    // Everything above has been read by the server: the first reply of each was logged.
    const ids = new Map<LineSocket, number>();
    for (const client of [...midLine, ...midReply, ...pipelining]) {
      const id = await connectionOf(server, client);
      ids.set(client, id);
      await server.logs.waitFor('Received message from client', { connection: id });
    }

    const stopped = stopTimed(server);
    await server.logs.waitFor('Shutting down');
    for (const client of midReply) client.socket.resume();
    const [midLineReplies, midReplyReplies, pipeliningReplies] = await Promise.all(
      [midLine, midReply, pipelining].map((group) =>
        Promise.all(group.map((client) => client.readToEnd())),
      ),
    );
    const { code, elapsedMs } = await stopped;

    expect(code).toBe(0);
    expect(elapsedMs).toBeLessThan(20_000);
    // readToEnd keeps an unfinished last line as a line of its own: none may appear.
    expect(midLineReplies).toEqual(
      midLine.map(() => ['Your data was 2 bytes', 'Your data was 18 bytes']),
    );
    expect(midReplyReplies).toEqual(
      midReply.map(() => ['Your data was 60000 bytes', ...Array(50).fill(HISTORY_REPLY)]),
    );
    expect(pipeliningReplies).toEqual(
      pipelining.map(() => pipelined.map((line) => `Your data was ${line.length} bytes`)),
    );
    // Each reply answers a line the server logged as received, and each such line got one.
    for (const [client, id] of ids) {
      const received = server.logs.find('Received message from client', { connection: id });
      const replies = midLine.includes(client) ? 2 : midReply.includes(client) ? 51 : 200;
      expect(received).toHaveLength(replies);
    }
    const closed = server.logs.find('Connection closed');
    expect(closed).toHaveLength(60);
    expect(closed.every((line) => line.reason === 'shutdown')).toBe(true);
    expect(server.logs.lines.at(-1)).toMatchObject({ msg: 'Server closed' });
  }, 120_000);

  it('refuses new connections once the stop has begun, while it drains the old ones', async () => {
    const server = await start(['--grace', '20000']);
    const draining = await LineSocket.connect({ port: server.port }, { reading: false });
    await draining.write(`${MESSAGE}\n${'History\n'.repeat(100)}`);
    await server.logs.waitFor('Received message from client', { bytes: 7 });

    const stopped = stopTimed(server);
    await server.logs.waitFor('Shutting down');
    // Refused; or, when it reached the listen backlog just before the listener closed,
    // reset or closed at once. Either way it is never served.
    const latecomer = connect({ host: '127.0.0.1', port: server.port });
    let answered = false;
    latecomer.on('data', () => (answered = true));
    let failure: string | undefined;
    latecomer.on('error', (error: NodeJS.ErrnoException) => (failure = error.code));
    // Not events.once: it rejects on the 'error' this test expects.
    await new Promise((resolve) => latecomer.once('close', resolve));
    expect([undefined, 'ECONNREFUSED', 'ECONNRESET']).toContain(failure);
    expect(answered).toBe(false);

    draining.socket.resume();
    const replies = await draining.readToEnd();
    expect(replies).toHaveLength(101);
    expect(replies.at(-1)).toBe(HISTORY_REPLY);
    expect(await stopped).toMatchObject({ code: 0 });
  }, 120_000);

  it('on a second SIGTERM closes at once, with 30 clients that never read and 10 mid-line, and exits 0', async () => {
    const server = await start(['--grace', '600000']);
    const stuck = await Promise.all(
      Array.from({ length: 30 }, () =>
        LineSocket.connect({ port: server.port }, { reading: false }),
      ),
    );
    for (const client of stuck) await client.write(`${MESSAGE}\n${'History\n'.repeat(200)}`);
    const midLine = await Promise.all(
      Array.from({ length: 10 }, () => LineSocket.connect({ port: server.port })),
    );
    for (const client of midLine) await client.write('no newline yet');
    // Every one accepted (a connection still in the listen backlog is merely refused).
    for (const client of stuck) {
      const id = await connectionOf(server, client);
      await server.logs.waitFor('Received message from client', { connection: id, bytes: 7 });
    }
    for (const client of midLine) await connectionOf(server, client);

    server.child.kill('SIGTERM');
    await server.logs.waitFor('Shutting down');
    const { code, elapsedMs } = await stopTimed(server, 'Second signal: closing at once');
    expect(code).toBe(0);
    // "At once": the grace period is ten minutes; half a minute leaves room for a server
    // starved of CPU on a busy machine and still tells "at once" from "after the grace".
    expect(elapsedMs).toBeLessThan(30_000);
    expect(server.logs.find('Second signal: closing at once')).toHaveLength(1);
    expect(server.logs.find('Connection closed')).toHaveLength(40);
    expect(server.logs.lines.at(-1)).toMatchObject({ msg: 'Server closed' });
  }, 120_000);
});
