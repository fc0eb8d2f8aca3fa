import {
  makeTestCertificates,
  runApp,
  runCleanups,
  spawnProcess,
  type TestCertificates,
} from '@netlab-tools/app-harness';

afterEach(runCleanups);

/** openssl and node start-ups and real handshakes on a shared machine. */
const BUDGET_MS = 60_000;

let pki: TestCertificates;
beforeAll(() => {
  pki = makeTestCertificates();
});
afterAll(() => pki.remove());

const reply = (text: string): string => `Received Message from Server: ${text}`;

/**
 * `openssl s_server -rev`: a TLS server that answers each line reversed, on a port the OS
 * picks (read from its `ACCEPT 127.0.0.1:PORT` line). Stopped after the test.
 */
async function reversingServer(
  certificate: { cert: string; key: string },
  extra: string[] = [],
): Promise<number> {
  const server = spawnProcess('openssl', [
    's_server',
    '-accept',
    '127.0.0.1:0',
    '-cert',
    certificate.cert,
    '-key',
    certificate.key,
    '-rev',
    ...extra,
  ]);
  for (;;) {
    const port = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(server.output.stdout)?.[1];
    if (port) return Number(port);
    const exited = await Promise.race([
      new Promise<false>((resolve) => server.child.stdout.once('data', () => resolve(false))),
      server.exited.then(() => true),
    ]);
    if (exited) throw new Error(`openssl s_server exited: ${server.output.stderr}`);
  }
}

describe('tcp-client --tls against openssl s_server', () => {
  it(
    'verifies the server against --tls-ca and shows each reply',
    async () => {
      const port = await reversingServer(pki.server);
      const run = await runApp(
        'tcp-client',
        ['--port', String(port), '--tls', '--tls-ca', pki.ca.cert],
        'Hi\nTesting Connection\n',
      );
      expect(run.stdout).toBe(`${reply('iH')}\n${reply('noitcennoC gnitseT')}\n`);
      expect(run.code).toBe(0);
    },
    BUDGET_MS,
  );

  it(
    'presents its certificate to a server that requires one (--tls-cert, --tls-key)',
    async () => {
      const port = await reversingServer(pki.server, ['-Verify', '1', '-CAfile', pki.ca.cert]);
      const run = await runApp(
        'tcp-client',
        [
          '--port',
          String(port),
          '--tls',
          '--tls-ca',
          pki.ca.cert,
          '--tls-cert',
          pki.client.cert,
          '--tls-key',
          pki.client.key,
        ],
        'Hi\n',
      );
      expect(run.stdout).toBe(`${reply('iH')}\n`);
      expect(run.code).toBe(0);
    },
    BUDGET_MS,
  );

  it(
    'refuses a self-signed server: one line "certificate verify failed: self-signed certificate", exit 1',
    async () => {
      const port = await reversingServer(pki.selfSigned);
      const run = await runApp('tcp-client', ['--port', String(port), '--tls'], 'Hi\n');
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `TLS handshake with 127.0.0.1:${port} failed: certificate verify failed: self-signed certificate\n`,
      );
    },
    BUDGET_MS,
  );

  it(
    'refuses a certificate for another name (--tls-servername)',
    async () => {
      const port = await reversingServer(pki.server);
      const run = await runApp(
        'tcp-client',
        [
          '--port',
          String(port),
          '--tls',
          '--tls-ca',
          pki.ca.cert,
          '--tls-servername',
          'example.com',
        ],
        'Hi\n',
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^TLS handshake with \S+ failed: certificate verify failed: .*example\.com.*\n$/,
      );
    },
    BUDGET_MS,
  );

  it.each([
    [['--tls-ca', 'ca.crt'], 'tcp-client: --tls is needed with --tls-ca\n'],
    [['--tls', '--tls-cert', 'client.crt'], 'tcp-client: --tls-key is needed with --tls-cert\n'],
  ])(
    'is a usage error (exit 2) for %j',
    async (args, line) => {
      const run = await runApp('tcp-client', ['--port', '1', ...args], 'Hi\n');
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(line);
    },
    BUDGET_MS,
  );

  it(
    'names an unreadable --tls-ca file, exit 2',
    async () => {
      const run = await runApp(
        'tcp-client',
        ['--port', '1', '--tls', '--tls-ca', `${pki.dir}/missing.crt`],
        '',
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`tcp-client: --tls-ca ${pki.dir}/missing.crt: no such file\n`);
    },
    BUDGET_MS,
  );
});
