import {
  runApp,
  runCleanups,
  startClient,
  startServer,
  type RunningServer,
  type TypedClient,
} from '@netlab-tools/app-harness';
import { freePort, startHaproxy } from '../src';
import { clientMessages, tcpClients } from './clients';

afterEach(runCleanups);

const HOST = '127.0.0.1';

/** Three tcp-servers with --proxy-protocol and HAProxy (send-proxy-v2, health checks) in front. */
async function startRecipe(): Promise<{ servers: RunningServer[]; port: number }> {
  const servers = await Promise.all(
    [1, 2, 3].map(() => startServer('tcp-server', ['--host', HOST, '--proxy-protocol'])),
  );
  const port = await freePort('tcp');
  await startHaproxy({
    listen: { host: HOST, port },
    servers: servers.map((server) => ({ host: HOST, port: server.port })),
    checkIntervalMs: 200,
  });
  return { servers, port };
}

/** The server that logs a message of `bytes` bytes (every typed line below has its own length). */
function serverOfLine(servers: RunningServer[], bytes: number): Promise<RunningServer> {
  return Promise.race(
    servers.map((server) =>
      server.logs.waitFor('Received message from client', { bytes }).then(() => server),
    ),
  );
}

/** Stops servers with SIGTERM: every line they logged is then written out. */
async function stopAll(servers: RunningServer[]): Promise<void> {
  for (const exit of await Promise.all(servers.map((server) => server.stop('SIGTERM')))) {
    expect(exit.code).toBe(0);
  }
}

describe('HAProxy (TCP mode, send-proxy-v2, health checks) in front of three tcp-servers', () => {
  it('serves hundreds of clients across all three, and the servers log each real client, not HAProxy', async () => {
    const { servers, port } = await startRecipe();
    const exchanges = await tcpClients(port, 300, 'haproxy');
    for (const { line, reply } of exchanges) {
      expect(reply).toBe(`Your data was ${Buffer.byteLength(line)} bytes`);
    }
    // Built clients too, as a user would run them.
    const runs = await Promise.all(
      [1, 2, 3].map(() =>
        runApp('tcp-client', ['--port', String(port)], 'Hi\nTesting Connection\n'),
      ),
    );
    for (const run of runs) {
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toBe(
        'Received Message from Server: Your data was 2 bytes\n' +
          'Received Message from Server: Your data was 18 bytes\n',
      );
    }

    await stopAll(servers);
    const served = servers.map((server) => clientMessages(server).length);
    expect(served.every((count) => count > 0)).toBe(true);
    expect(served.reduce((a, b) => a + b)).toBe(300 + 3 * 2);

    // Each raw client's own address and port are in some server's "Connection accepted" as
    // remote, beside HAProxy's outgoing address as proxy.
    const accepted = servers.flatMap((server) => server.logs.find('Connection accepted'));
    for (const { clientPort } of exchanges) {
      expect(accepted).toContainEqual(
        expect.objectContaining({
          remote: { address: HOST, port: clientPort },
          proxy: { address: HOST, port: expect.any(Number) },
        }),
      );
    }
    // HAProxy's checks arrive with a LOCAL header and are answered like any client.
    for (const server of servers) {
      expect(server.logs.find('PROXY header rejected')).toEqual([]);
    }
  });

  it('when one server is killed mid-run, its clients get one clear error line, the others and new clients are served', async () => {
    const { servers, port } = await startRecipe();
    // Long-lived conversations: client i types a line of 40 + i bytes, which tells which
    // server it landed on.
    const clients: TypedClient[] = [];
    for (let i = 0; i < 6; i++) {
      const client = startClient('tcp-client', ['--port', String(port)]);
      client.type('x'.repeat(40 + i));
      expect(await client.screenLines(1)).toEqual([
        `Received Message from Server: Your data was ${40 + i} bytes`,
      ]);
      clients.push(client);
    }
    const homes = await Promise.all(clients.map((_, i) => serverOfLine(servers, 40 + i)));
    const victim = homes[0];
    const onVictim = clients.filter((_, i) => homes[i] === victim);
    const onOthers = clients.filter((_, i) => homes[i] !== victim);
    expect(onOthers.length).toBeGreaterThan(0);

    await victim.stop('SIGKILL');

    for (const client of onVictim) {
      const exit = await client.exited;
      expect(exit.code).toBe(1);
      expect(exit.stderr).toBe(`Connection to ${HOST}:${port} closed by the server\n`);
    }
    for (const client of onOthers) {
      client.type('Hi');
      expect((await client.screenLines(2))[1]).toBe(
        'Received Message from Server: Your data was 2 bytes',
      );
      client.endInput();
      expect(await client.exited).toMatchObject({ code: 0, stderr: '' });
    }

    // New clients: HAProxy takes the dead server out (a failed check, or a refused
    // connection retried on another server) and serves every one of them.
    const survivors = servers.filter((server) => server !== victim);
    const exchanges = await tcpClients(port, 100, 'after');
    for (const { line, reply } of exchanges) {
      expect(reply).toBe(`Your data was ${Buffer.byteLength(line)} bytes`);
    }
    const run = await runApp('tcp-client', ['--port', String(port)], 'still here\n');
    expect(run).toMatchObject({
      code: 0,
      stdout: 'Received Message from Server: Your data was 10 bytes\n',
    });
    await stopAll(survivors);
    // The 100 raw clients' lines ("after client 0" .. "after client 99": 14 or 15 bytes) and
    // the built client's (10 bytes), every one answered by a survivor.
    const served = survivors.flatMap((server) => clientMessages(server).map((line) => line.bytes));
    expect(served.filter((bytes) => bytes === 14 || bytes === 15)).toHaveLength(100);
    expect(served.filter((bytes) => bytes === 10)).toHaveLength(1);
  });
});
