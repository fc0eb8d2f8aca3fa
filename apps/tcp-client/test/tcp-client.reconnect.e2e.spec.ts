import {
  runCleanups,
  startClient,
  startServer,
  type RunningServer,
} from '@netlab-tools/app-harness';

const reply = (text: string): string => `Received Message from Server: ${text}`;

function startTaskServer(port = 0): Promise<RunningServer> {
  return startServer('tcp-server', ['--host', '127.0.0.1', '--port', String(port)]);
}

// Two server starts, a kill and a reconnect on a machine that may be busy.
jest.setTimeout(60_000);

afterEach(runCleanups);

describe('tcp-client --reconnect (built apps)', () => {
  it('says when the connection is lost and when it is back in a new session, and goes on with the next line', async () => {
    const first = await startTaskServer();
    const { port } = first;
    const client = startClient('tcp-client', ['--port', String(port), '--reconnect']);
    client.type('Hi');
    expect(await client.screenLines(1)).toEqual([reply('Your data was 2 bytes')]);

    await first.stop('SIGKILL');
    const [lost] = await client.stderrLines(1);
    expect(lost).toMatch(
      new RegExp(`^Connection to 127\\.0\\.0\\.1:${port} lost \\(.+\\); reconnecting$`),
    );

    const second = await startTaskServer(port);
    const [, back] = await client.stderrLines(2);
    expect(back).toBe(`Reconnected to 127.0.0.1:${port}: a new session (History starts over)`);

    // A new session: History starts over, and the first line was not sent again.
    client.type('History');
    expect((await client.screenLines(2))[1]).toBe(reply('History (no messages)'));
    client.type('Exit');
    expect((await client.screenLines(3))[2]).toBe(reply('Disconnect'));
    expect(await client.exited).toMatchObject({ code: 0 });
    // The server writes its logs in batches: wait for the last line's before counting.
    await second.logs.waitFor('Connection closed', { reason: 'exit' });
    // History and Exit only: Hi, answered before the kill, was not sent again.
    expect(second.logs.find('Received message from client')).toHaveLength(2);
  });

  it('sends a line typed while the server is down once it is back, and nothing twice', async () => {
    const first = await startTaskServer();
    const { port } = first;
    const client = startClient('tcp-client', ['--port', String(port), '--reconnect']);
    client.type('one');
    expect(await client.screenLines(1)).toEqual([reply('Your data was 3 bytes')]);
    await first.stop('SIGKILL');
    await client.stderrLines(1);
    client.type('three');

    const second = await startTaskServer(port);
    expect((await client.screenLines(2))[1]).toBe(reply('Your data was 5 bytes'));
    client.endInput();
    expect(await client.exited).toMatchObject({ code: 0 });
    await second.logs.waitFor('Connection closed', { reason: 'client closed' });
    expect(second.logs.find('Received message from client')).toHaveLength(1);
  });

  it('without --reconnect, a lost server is one line on stderr and exit 1, as before', async () => {
    const server = await startTaskServer();
    const client = startClient('tcp-client', ['--port', String(server.port)]);
    client.type('Hi');
    await client.screenLines(1);
    await server.stop('SIGKILL');
    const exit = await client.exited;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^Connection to 127\.0\.0\.1:\d+ (lost|closed by the server).*\n$/);
  });
});
