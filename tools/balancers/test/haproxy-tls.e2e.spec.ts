import {
  makeTestCertificates,
  onCleanup,
  runApp,
  runCleanups,
  startServer,
  type RunningServer,
  type TestCertificates,
} from '@netlab-tools/app-harness';
import { once } from 'node:events';
import { connect } from 'node:tls';
import { freePort, startHaproxy } from '../src';
import { clientMessages } from './clients';

afterEach(runCleanups);

const HOST = '127.0.0.1';
/** Three servers, a balancer, a hundred handshakes: room for a shared machine. */
const BUDGET_MS = 120_000;

let pki: TestCertificates;
beforeAll(() => {
  pki = makeTestCertificates();
});
afterAll(() => pki.remove());

/** Three TLS tcp-servers with --proxy-protocol, HAProxy passing TLS through in front. */
async function startRecipe(): Promise<{ servers: RunningServer[]; port: number }> {
  const servers = await Promise.all(
    [1, 2, 3].map(() =>
      startServer('tcp-server', [
        '--host',
        HOST,
        '--proxy-protocol',
        '--tls-cert',
        pki.server.cert,
        '--tls-key',
        pki.server.key,
      ]),
    ),
  );
  const port = await freePort('tcp');
  await startHaproxy({
    listen: { host: HOST, port },
    servers: servers.map((server) => ({ host: HOST, port: server.port })),
    checkIntervalMs: 500,
    tls: { caFile: pki.ca.cert },
  });
  return { servers, port };
}

/** A TLS client through the balancer: one line, its reply, and the client's own port. */
async function tlsExchange(
  port: number,
  line: string,
): Promise<{ reply: string; clientPort: number }> {
  // The certificate names localhost: the name the balancer is reached by.
  const socket = connect({ host: HOST, port, ca: pki.ca.certPem, servername: 'localhost' });
  socket.setEncoding('utf8');
  onCleanup(() => socket.destroy());
  await once(socket, 'secureConnect');
  const clientPort = socket.localPort!;
  socket.write(`${line}\n`);
  const [reply] = (await once(socket, 'data')) as [string];
  socket.end();
  await once(socket, 'close');
  return { reply: reply.trimEnd(), clientPort };
}

describe('HAProxy passing TLS through to three TLS tcp-servers (PROXY v2 before each handshake)', () => {
  it(
    'serves TLS clients across all three; each server logs the real client and the TLS it negotiated',
    async () => {
      const { servers, port } = await startRecipe();
      const exchanges = await Promise.all(
        Array.from({ length: 60 }, (_, i) => tlsExchange(port, `tls client ${i}`)),
      );
      for (const [i, { reply }] of exchanges.entries()) {
        expect(reply).toBe(`Your data was ${Buffer.byteLength(`tls client ${i}`)} bytes`);
      }
      const run = await runApp(
        'tcp-client',
        ['--port', String(port), '--tls', '--tls-ca', pki.ca.cert, '--tls-servername', 'localhost'],
        'Hi\n',
      );
      expect(run).toMatchObject({
        code: 0,
        stdout: 'Received Message from Server: Your data was 2 bytes\n',
      });

      for (const exit of await Promise.all(servers.map((server) => server.stop('SIGTERM')))) {
        expect(exit.code).toBe(0);
      }
      const served = servers.map((server) => clientMessages(server).length);
      expect(served.every((count) => count > 0)).toBe(true);
      expect(served.reduce((a, b) => a + b)).toBe(60 + 1);
      const accepted = servers.flatMap((server) => server.logs.find('Connection accepted'));
      for (const { clientPort } of exchanges) {
        expect(accepted).toContainEqual(
          expect.objectContaining({
            remote: { address: HOST, port: clientPort },
            proxy: { address: HOST, port: expect.any(Number) },
            tls: expect.objectContaining({ protocol: 'TLSv1.3' }),
          }),
        );
      }
      // HAProxy's TLS health checks: a LOCAL header, then a handshake, then "Hi". None is
      // refused; a check HAProxy gives up on mid-handshake (its timeout is the check interval,
      // and sixty handshakes at once on a loaded machine can outlast it) is only that.
      for (const server of servers) {
        expect(server.logs.find('PROXY header rejected')).toEqual([]);
        for (const failed of server.logs.find('TLS handshake failed')) {
          expect(failed.problem).toBe('the connection closed during the handshake');
        }
      }
    },
    BUDGET_MS,
  );
});
