import { runApp, runCleanups, startServer, type RunningServer } from '@netlab-tools/app-harness';
import { freePort, startNginx } from '../src';
import { clientMessages, tcpClients, udpClients } from './clients';

afterEach(runCleanups);

const HOST = '127.0.0.1';

/**
 * nginx's stream module in front of three udp-servers (UDP, proxy_responses 1) and three
 * tcp-servers (TCP, proxy_protocol on).
 */
async function startRecipe(): Promise<{
  udpServers: RunningServer[];
  tcpServers: RunningServer[];
  udpPort: number;
  tcpPort: number;
}> {
  const [udpServers, tcpServers] = await Promise.all([
    Promise.all([1, 2, 3].map(() => startServer('udp-server', ['--host', HOST]))),
    Promise.all(
      [1, 2, 3].map(() => startServer('tcp-server', ['--host', HOST, '--proxy-protocol'])),
    ),
  ]);
  const [udpPort, tcpPort] = await Promise.all([freePort('udp'), freePort('tcp')]);
  await startNginx({
    host: HOST,
    udpPort,
    udpServers: udpServers.map((server) => ({ host: HOST, port: server.port })),
    tcpPort,
    tcpServers: tcpServers.map((server) => ({ host: HOST, port: server.port })),
  });
  return { udpServers, tcpServers, udpPort, tcpPort };
}

/** Stops servers with SIGTERM: every line they logged is then written out. */
async function stopAll(servers: RunningServer[]): Promise<void> {
  for (const exit of await Promise.all(servers.map((server) => server.stop('SIGTERM')))) {
    expect(exit.code).toBe(0);
  }
}

describe('nginx stream in front of three udp-servers (UDP) and three tcp-servers (TCP)', () => {
  it('answers hundreds of datagrams from all three udp-servers, and the built udp-client through it', async () => {
    const { udpServers, udpPort } = await startRecipe();
    const exchanges = await udpClients(udpPort, 300, 'nginx');
    for (const { line, reply } of exchanges) expect(reply).toBe(line.toUpperCase());
    // udp-client accepts a reply only from the address it sent to: nginx answers from its own.
    const run = await runApp('udp-client', ['--port', String(udpPort)], 'hello\nworld\n');
    expect(run).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'Received Message from Server: HELLO\nReceived Message from Server: WORLD\n',
    });
    await stopAll(udpServers);
    const served = udpServers.map((server) => clientMessages(server).length);
    expect(served.every((count) => count > 0)).toBe(true);
    expect(served.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(302);
  });

  it('serves TCP clients across all three tcp-servers, which log each real client (PROXY v1 from nginx)', async () => {
    const { tcpServers, tcpPort } = await startRecipe();
    const exchanges = await tcpClients(tcpPort, 150, 'nginx');
    for (const { line, reply } of exchanges) {
      expect(reply).toBe(`Your data was ${Buffer.byteLength(line)} bytes`);
    }
    await stopAll(tcpServers);
    expect(tcpServers.every((server) => clientMessages(server).length > 0)).toBe(true);
    const accepted = tcpServers.flatMap((server) => server.logs.find('Connection accepted'));
    for (const { clientPort } of exchanges) {
      expect(accepted).toContainEqual(
        expect.objectContaining({
          remote: { address: HOST, port: clientPort },
          proxy: { address: HOST, port: expect.any(Number) },
        }),
      );
    }
  });

  it('when one udp-server is killed mid-run, every line of new udp-clients is still answered', async () => {
    const { udpServers, udpPort } = await startRecipe();
    expect(await udpClients(udpPort, 30, 'before')).toHaveLength(30);
    const [victim, ...survivors] = udpServers;
    await victim.stop('SIGKILL');
    // A datagram nginx sends to the dead server gets ICMP port unreachable, and nginx takes
    // that server out for a while; the client's retry (udp-client's own) goes to another.
    const runs = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) =>
        runApp(
          'udp-client',
          // A first wait of 1 s (then 2, 4, 8 s): a busy machine can hold a reply past 300 ms,
          // and a client that gave up on it would blame the servers for its own lateness.
          ['--port', String(udpPort), '--timeout', '1000'],
          `line ${i}\nagain ${i}\n`,
        ),
      ),
    );
    for (const [i, run] of runs.entries()) {
      expect(run).toMatchObject({
        code: 0,
        stdout:
          `Received Message from Server: LINE ${i + 1}\n` +
          `Received Message from Server: AGAIN ${i + 1}\n`,
      });
    }
    const after = await udpClients(udpPort, 100, 'after');
    for (const { line, reply } of after) expect(reply).toBe(line.toUpperCase());
    await stopAll(survivors);
    expect(survivors.every((server) => clientMessages(server).length > 0)).toBe(true);
  });
});
