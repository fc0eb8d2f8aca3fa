import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import {
  onCleanup,
  runApp,
  runCleanups,
  startServer,
  type LogLine,
  type RunningServer,
} from '@netlab-tools/app-harness';

/** A --workers 2 server on port 0, once both workers log `Listening at`. */
async function startTwoWorkers(): Promise<{ server: RunningServer; listening: LogLine[] }> {
  const server = await startServer('udp-server', ['--host', '127.0.0.1', '--workers', '2']);
  const listening = await server.logs.waitForCount('Listening at', 2);
  return { server, listening };
}

/** A UDP client socket on loopback, closed after the test. */
async function clientSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  onCleanup(() => socket.close());
  return socket;
}

/**
 * Sends `count` datagrams from `sockets` sockets, `window` in flight on each, and resolves
 * with every reply text. Nothing is lost on loopback at this rate; a missing reply fails the
 * test by its timeout rather than passing unseen.
 */
async function sendMany(port: number, sockets: number, perSocket: number): Promise<string[]> {
  const replies: string[] = [];
  await Promise.all(
    Array.from({ length: sockets }, async (_, s) => {
      const socket = await clientSocket();
      for (let i = 0; i < perSocket; i++) {
        const reply = once(socket, 'message') as Promise<[Buffer]>;
        socket.send(`socket ${s} datagram ${i}`, port, '127.0.0.1');
        replies.push((await reply)[0].toString());
      }
    }),
  );
  return replies;
}

function pidOf(line: LogLine): number {
  return Number(line.pid);
}

afterEach(runCleanups);

describe('udp-server --workers (built app)', () => {
  it('binds both workers to the one port the OS picked for --port 0, each its own process', async () => {
    const { server, listening } = await startTwoWorkers();
    expect(listening.map((line) => line.worker).sort()).toEqual([1, 2]);
    expect(listening.map((line) => line.port)).toEqual([server.port, server.port]);
    expect(server.port).toBeGreaterThan(0);
    expect(new Set(listening.map(pidOf)).size).toBe(2);
  });

  it('answers datagrams on either worker, and every log line says which worker wrote it', async () => {
    const { server, listening } = await startTwoWorkers();
    const replies = await sendMany(server.port, 8, 25);
    expect(replies).toHaveLength(200);
    expect(replies.every((reply) => /^SOCKET \d DATAGRAM \d+$/.test(reply))).toBe(true);
    await server.logs.waitForCount('Received message from client', 200);
    // Both workers read the one shared socket, and which of them the kernel wakes is up to
    // the scheduler: on a busy machine one may take all 200. So each is shown answering
    // alone, with the other stopped (SIGSTOP) and so unable to take a datagram.
    for (const running of listening) {
      const stopped = listening.find((line) => line !== running)!;
      const before = server.logs.find('Received message from client').length;
      process.kill(pidOf(stopped), 'SIGSTOP');
      try {
        expect(await sendMany(server.port, 2, 5)).toHaveLength(10);
        const received = await server.logs.waitForCount(
          'Received message from client',
          before + 10,
        );
        expect(received.slice(before).map((line) => line.worker)).toEqual(
          Array.from({ length: 10 }, () => running.worker),
        );
      } finally {
        process.kill(pidOf(stopped), 'SIGCONT');
      }
    }
    for (const line of server.logs.lines) {
      expect(line).toEqual(expect.objectContaining({ worker: expect.any(Number) }));
    }
  });

  it('on SIGTERM closes every worker, logs "Server closed" and exits 0', async () => {
    const { server } = await startTwoWorkers();
    await sendMany(server.port, 1, 3);
    const exit = await server.stop('SIGTERM');
    expect(exit).toMatchObject({ code: 0, stderr: '' });
    expect(server.logs.find('Server closed').map((line) => line.worker)).toEqual(
      expect.arrayContaining([0, 1, 2]),
    );
    expect(server.logs.lines.at(-1)).toMatchObject({ msg: 'Server closed', worker: 0 });
  });

  it('replaces a killed worker while the other answers on', async () => {
    const { server, listening } = await startTwoWorkers();
    const victim = listening[1];
    process.kill(pidOf(victim), 'SIGKILL');
    expect(await server.logs.waitFor('Worker exited unexpectedly')).toMatchObject({
      worker: 0,
      child: { worker: victim.worker, pid: pidOf(victim) },
      signal: 'SIGKILL',
      restartInMs: 100,
    });
    expect(await sendMany(server.port, 1, 5)).toHaveLength(5);
    const [, replacement] = await server.logs.waitForCount('Listening at', 2, {
      worker: victim.worker,
    });
    expect(replacement.port).toBe(server.port);
    expect(pidOf(replacement)).not.toBe(pidOf(victim));
    expect(await sendMany(server.port, 4, 10)).toHaveLength(40);
  });

  it('says the port is in use on one stderr line and exits 1, without restarting workers', async () => {
    const { server } = await startTwoWorkers();
    const second = await runApp('udp-server', [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--workers',
      '2',
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `udp-server: could not bind 127.0.0.1:${server.port}: address already in use\n`,
    );
    expect(second.stdout).not.toContain('Worker exited unexpectedly');
  });

  it('leaves no worker holding the port when the primary is killed', async () => {
    const { server } = await startTwoWorkers();
    const port = server.port;
    // Every worker holds the shared socket: the port is free only once all of them are gone.
    await server.stop('SIGKILL');
    const again = await startServer('udp-server', ['--host', '127.0.0.1', '--port', String(port)]);
    expect(again.port).toBe(port);
  });
});
