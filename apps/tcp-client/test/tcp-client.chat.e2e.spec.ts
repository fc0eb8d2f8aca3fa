import {
  LineSocket,
  runCleanups,
  startClient,
  startServer,
  type RunningServer,
} from '@netlab-tools/app-harness';

function startChat(): Promise<RunningServer> {
  return startServer('tcp-server', ['--host', '127.0.0.1', '--port', '0', '--service', 'chat']);
}

/** Resolves once `count` members are in: each connection is logged as accepted. */
async function membersIn(server: RunningServer, count: number): Promise<void> {
  await server.logs.waitFor('Connection accepted', { connection: count });
}

jest.setTimeout(60_000);

afterEach(runCleanups);

describe('tcp-client --chat (built apps)', () => {
  it('sends each line without waiting for a reply and prints every line others say as it arrives', async () => {
    const server = await startChat();
    const other = await LineSocket.connect({ host: '127.0.0.1', port: server.port });
    await membersIn(server, 1);
    const client = startClient('tcp-client', ['--port', String(server.port), '--chat']);
    await membersIn(server, 2);

    // Two lines in a row, no reply to either: both reach the other member.
    client.type('hello');
    client.type('anyone there?');
    const [hello, anyone] = await other.readLines(2, 30_000);
    const name = /^(127\.0\.0\.1:\d+): hello$/.exec(hello)?.[1];
    expect(name).toBeDefined();
    expect(anyone).toBe(`${name}: anyone there?`);

    await other.write('hi back\n');
    const otherName = `127.0.0.1:${other.socket.localPort}`;
    expect(await client.screenLines(1)).toEqual([`${otherName}: hi back`]);

    client.type('Exit');
    expect((await client.screenLines(2))[1]).toBe('Disconnect');
    expect(await client.exited).toMatchObject({ code: 0, stderr: '' });
  });
});
