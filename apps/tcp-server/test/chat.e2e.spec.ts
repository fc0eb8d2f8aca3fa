import {
  LineSocket,
  runApp,
  runCleanups,
  startServer,
  type RunningServer,
} from '@netlab-tools/app-harness';

function startChat(args: string[] = []): Promise<RunningServer> {
  return startServer('tcp-server', [
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--service',
    'chat',
    ...args,
  ]);
}

/** A member of the room, with the name the others see it by. */
async function join(
  server: RunningServer,
  count: number,
): Promise<LineSocket & { readonly name: string }> {
  const member = await LineSocket.connect({ host: '127.0.0.1', port: server.port });
  // In the room once the server has accepted it (connections are numbered from 1).
  await server.logs.waitFor('Connection accepted', { connection: count });
  return Object.assign(member, { name: `127.0.0.1:${member.socket.localPort}` });
}

jest.setTimeout(60_000);

afterEach(runCleanups);

describe('tcp-server --service chat (built app)', () => {
  it('relays a line from one client to the two others as "<address:port>: <line>", not back to its sender', async () => {
    const server = await startChat();
    const alice = await join(server, 1);
    const bob = await join(server, 2);
    const carol = await join(server, 3);

    await alice.write('hello everyone\n');
    expect(await bob.readLine(30_000)).toBe(`${alice.name}: hello everyone`);
    expect(await carol.readLine(30_000)).toBe(`${alice.name}: hello everyone`);
    await bob.write('hi alice\n');
    expect(await alice.readLine(30_000)).toBe(`${bob.name}: hi alice`);
    expect(await carol.readLine(30_000)).toBe(`${bob.name}: hi alice`);

    // Exit as in task; the next line alice reads is that reply, so nothing of hers came back.
    await alice.write('Exit\n');
    expect(await alice.readToEnd(30_000)).toEqual(['Disconnect']);
    expect(await server.logs.waitFor('Connection closed', { connection: 1 })).toMatchObject({
      reason: 'exit',
    });
    await carol.write('alice has gone\n');
    expect(await bob.readLine(30_000)).toBe(`${carol.name}: alice has gone`);
  });

  it('cuts off a client that never reads, and serves the others on', async () => {
    const server = await startChat();
    const talker = await join(server, 1);
    const listener = await join(server, 2);
    const deaf = await join(server, 3);
    deaf.socket.pause(); // never reads: its kernel buffers fill, then the server's budget

    // 32 MiB of chat: far more than loopback's socket buffers and the 64 KiB budget hold.
    // The talker keeps at most one batch ahead of the listener that reads: a reader that
    // falls megabytes behind is cut off as a slow reader, and on a busy machine this test's
    // own process is the listener's reader, so it must not let the talker run away from it.
    const line = 'x'.repeat(1023);
    const batch = 256;
    const count = 32 * 1024;
    let received = 0;
    for (let i = 0; i < count; i += batch) {
      const delivered = listener.readLines(batch, 60_000);
      await talker.write(`${line}\n`.repeat(batch));
      received += (await delivered).length;
    }
    expect(received).toBe(count);

    expect(await server.logs.waitFor('Connection closed', { connection: 3 })).toMatchObject({
      reason: 'reset',
    });
    await talker.write('still here?\n');
    expect(await listener.readLine(30_000)).toBe(`${talker.name}: still here?`);
  });

  it('refuses --workers 2: each worker would have a room of its own', async () => {
    const result = await runApp('tcp-server', ['--service', 'chat', '--workers', '2']);
    expect(result).toMatchObject({
      code: 2,
      stderr: 'tcp-server: --service chat runs in one process: drop --workers\n',
    });
  });
});
