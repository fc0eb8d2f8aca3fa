import {
  LineSocket,
  makeTestCertificates,
  runApp,
  runCleanups,
  onCleanup,
  runToEnd,
  startServer,
  type RunningServer,
  type TestCertificates,
} from '@netlab-tools/app-harness';
import { once } from 'node:events';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect, type TLSSocket } from 'node:tls';

afterEach(runCleanups);

/** Real peers, real handshakes, a built server: room for a slow, shared machine. */
const BUDGET_MS = 60_000;

let pki: TestCertificates;
beforeAll(() => {
  pki = makeTestCertificates();
});
afterAll(() => pki.remove());

function tlsServer(extra: string[] = [], files = pki.server): Promise<RunningServer> {
  return startServer('tcp-server', [
    '--host',
    '127.0.0.1',
    '--tls-cert',
    files.cert,
    '--tls-key',
    files.key,
    ...extra,
  ]);
}

/** A node:tls client that trusts the test CA, open until the test ends. */
async function tlsSocket(port: number, options: { cert?: string; key?: string } = {}) {
  const socket = connect({ host: '127.0.0.1', port, ca: pki.ca.certPem, ...options });
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  onCleanup(() => socket.destroy());
  await once(socket, 'secureConnect');
  return socket;
}

async function ask(socket: TLSSocket, line: string): Promise<string> {
  socket.write(`${line}\n`);
  const [reply] = (await once(socket, 'data')) as [string];
  return reply;
}

describe('tcp-server with TLS: real clients', () => {
  it(
    'answers openssl s_client, and --dump logs the plaintext lines',
    async () => {
      const server = await tlsServer(['--dump']);
      const run = await runToEnd(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${server.port}`,
          '-CAfile',
          pki.ca.cert,
          '-verify_return_error',
          '-quiet',
          '-ign_eof',
        ],
        'Hi\nExit\n',
      );
      expect(run.stdout).toBe('Your data was 2 bytes\nDisconnect\n');
      expect(await server.logs.waitFor('Connection accepted')).toMatchObject({
        tls: { protocol: 'TLSv1.3', cipher: expect.stringMatching(/^TLS_/) },
      });
      expect(await server.logs.waitFor('Frame in')).toMatchObject({ text: 'Hi.', length: 3 });
      expect(await server.logs.waitFor('Connection closed')).toMatchObject({ reason: 'exit' });
    },
    BUDGET_MS,
  );

  it(
    'answers socat OPENSSL: (verifying the server) with the uppercase service',
    async () => {
      const server = await tlsServer(['--service', 'uppercase']);
      const run = await runToEnd(
        'socat',
        ['-', `OPENSSL:127.0.0.1:${server.port},cafile=${pki.ca.cert}`],
        'héllo\nExit\n',
      );
      expect(run.stdout).toBe('HÉLLO\nDisconnect\n');
    },
    BUDGET_MS,
  );

  it(
    'answers ncat --ssl with a client certificate when client certificates are required',
    async () => {
      const server = await tlsServer(['--tls-ca', pki.ca.cert, '--tls-client-auth']);
      const run = await runToEnd(
        'ncat',
        [
          '--ssl',
          '--ssl-verify',
          '--ssl-trustfile',
          pki.ca.cert,
          '--ssl-cert',
          pki.client.cert,
          '--ssl-key',
          pki.client.key,
          // ncat checks the name against the certificate's DNS names only: not an IP address.
          'localhost',
          String(server.port),
        ],
        'Testing Connection\nExit\n',
      );
      expect(run.stdout).toBe('Your data was 18 bytes\nDisconnect\n');
      expect(await server.logs.waitFor('Connection accepted')).toMatchObject({
        tls: { clientCertificate: { subject: 'CN=alice', issuer: 'CN=netlab test CA' } },
      });
    },
    BUDGET_MS,
  );
});

describe('tcp-server with TLS: clients it refuses', () => {
  it(
    'refuses s_client without a client certificate: one warn line, "tls handshake failed", others served on',
    async () => {
      const server = await tlsServer(['--tls-ca', pki.ca.cert, '--tls-client-auth']);
      const refused = await runToEnd(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${server.port}`,
          '-CAfile',
          pki.ca.cert,
          '-quiet',
          '-ign_eof',
        ],
        'Hi\n',
      );
      expect(refused.stdout).toBe('');
      expect(await server.logs.waitFor('Connection closed')).toMatchObject({
        connection: 1,
        reason: 'tls handshake failed',
        detail: 'peer did not return a certificate',
      });
      expect(server.logs.find('TLS handshake failed')).toEqual([
        expect.objectContaining({ level: 40, problem: 'peer did not return a certificate' }),
      ]);
      const served = await tlsSocket(server.port, {
        cert: pki.client.certPem,
        key: pki.client.keyPem,
      });
      expect(await ask(served, 'Hi')).toBe('Your data was 2 bytes\n');
    },
    BUDGET_MS,
  );

  it(
    'refuses a client certificate signed by no CA it trusts',
    async () => {
      const server = await tlsServer(['--tls-ca', pki.ca.cert, '--tls-client-auth']);
      await runToEnd(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${server.port}`,
          '-CAfile',
          pki.ca.cert,
          '-cert',
          pki.rogue.cert,
          '-key',
          pki.rogue.key,
          '-quiet',
          '-ign_eof',
        ],
        'Hi\n',
      );
      expect(await server.logs.waitFor('Connection closed')).toMatchObject({
        reason: 'tls handshake failed',
        detail: 'certificate verify failed: self-signed certificate',
      });
    },
    BUDGET_MS,
  );

  it(
    'closes a plaintext client on the TLS port with the OpenSSL reason',
    async () => {
      const server = await tlsServer();
      const plain = await LineSocket.connect({ port: server.port });
      await plain.write('Testing Connection\n');
      await plain.readToEnd(BUDGET_MS / 2);
      const closed = await server.logs.waitFor('Connection closed');
      expect(closed).toMatchObject({ reason: 'tls handshake failed' });
      expect(closed.detail).toMatch(/^[a-z][a-z0-9 ]+$/);
    },
    BUDGET_MS,
  );

  it(
    'closes a client that never finishes its handshake at the line deadline',
    async () => {
      const server = await tlsServer(['--line-deadline', '500']);
      const silent = await LineSocket.connect({ port: server.port });
      await silent.closed;
      expect(await server.logs.waitFor('Connection closed')).toMatchObject({
        reason: 'idle timeout',
        detail: 'tls handshake',
      });
    },
    BUDGET_MS,
  );
});

describe('tcp-server with TLS: files', () => {
  it.each([
    [
      'a missing certificate',
      (dir: string) => ['--tls-cert', path.join(dir, 'missing.crt'), '--tls-key', pki.server.key],
      /--tls-cert \S+missing\.crt: no such file/,
    ],
    [
      'a key that is not PEM',
      (dir: string) => ['--tls-cert', pki.server.cert, '--tls-key', path.join(dir, 'notes.txt')],
      /--tls-key \S+notes\.txt: not a PEM private key/,
    ],
    [
      'a key that does not match',
      () => ['--tls-cert', pki.server.cert, '--tls-key', pki.client.key],
      /--tls-key \S+client\.key: does not match the certificate in \S+server\.crt/,
    ],
    [
      'a certificate without its key',
      () => ['--tls-cert', pki.server.cert],
      /--tls-key is needed with --tls-cert/,
    ],
  ])(
    'exits 2 before binding for %s, with one line naming the flag and the problem',
    async (_what, args, message) => {
      writeFileSync(path.join(pki.dir, 'notes.txt'), 'not a key\n');
      const run = await runApp('tcp-server', ['--port', '0', ...args(pki.dir)]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^tcp-server: ${message.source}`));
    },
    BUDGET_MS,
  );
});

describe('tcp-server with TLS: certificate rotation on SIGHUP', () => {
  it(
    'gives new connections the new certificate while open ones stay and are served',
    async () => {
      const cert = path.join(pki.dir, 'live.crt');
      const key = path.join(pki.dir, 'live.key');
      copyFileSync(pki.server.cert, cert);
      copyFileSync(pki.server.key, key);
      const server = await tlsServer([], { ...pki.server, cert, key });
      const before = await tlsSocket(server.port);
      expect(before.getPeerCertificate().subject.CN).toBe('localhost');
      expect(await ask(before, 'Hi')).toBe('Your data was 2 bytes\n');

      copyFileSync(pki.rotated.cert, cert);
      copyFileSync(pki.rotated.key, key);
      server.child.kill('SIGHUP');
      await server.logs.waitFor('TLS certificate reloaded');

      const after = await tlsSocket(server.port);
      expect(after.getPeerCertificate().subject.CN).toBe('localhost rotated');
      expect(await ask(after, 'Hi')).toBe('Your data was 2 bytes\n');
      // The connection from before the rotation: same session, same History, never closed.
      expect(await ask(before, 'History')).toBe('History: ["Hi"]\n');
      expect(server.logs.find('Connection closed')).toEqual([]);
    },
    BUDGET_MS,
  );

  it(
    'logs a failed reload (a key that does not match) and keeps serving with the certificate it had',
    async () => {
      const cert = path.join(pki.dir, 'half.crt');
      const key = path.join(pki.dir, 'half.key');
      copyFileSync(pki.server.cert, cert);
      copyFileSync(pki.server.key, key);
      const server = await tlsServer([], { ...pki.server, cert, key });
      copyFileSync(pki.rotated.cert, cert); // the key is not rotated with it
      server.child.kill('SIGHUP');
      const failed = await server.logs.waitFor(
        'TLS reload failed: still serving the previous certificate',
      );
      expect(failed).toMatchObject({ level: 50 });
      expect(failed.problem).toMatch(/^--tls-key \S+half\.key: does not match the certificate/);
      const socket = await tlsSocket(server.port);
      expect(socket.getPeerCertificate().subject.CN).toBe('localhost');
      expect(await ask(socket, 'Hi')).toBe('Your data was 2 bytes\n');
    },
    BUDGET_MS,
  );

  it(
    'with --workers 2, the primary relays SIGHUP to every worker',
    async () => {
      const cert = path.join(pki.dir, 'workers.crt');
      const key = path.join(pki.dir, 'workers.key');
      copyFileSync(pki.server.cert, cert);
      copyFileSync(pki.server.key, key);
      const server = await tlsServer(['--workers', '2'], { ...pki.server, cert, key });
      await server.logs.waitForCount('Listening at', 2);
      copyFileSync(pki.rotated.cert, cert);
      copyFileSync(pki.rotated.key, key);
      server.child.kill('SIGHUP');
      const reloaded = await server.logs.waitForCount('TLS certificate reloaded', 2);
      expect(reloaded.map((line) => line.worker).sort()).toEqual([1, 2]);
      // Two connections: the primary hands them to the workers in turn.
      for (let i = 0; i < 2; i++) {
        const socket = await tlsSocket(server.port);
        expect(socket.getPeerCertificate().subject.CN).toBe('localhost rotated');
        expect(await ask(socket, 'Hi')).toBe('Your data was 2 bytes\n');
      }
    },
    BUDGET_MS,
  );
});
