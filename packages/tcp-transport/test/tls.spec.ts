import { makeTestCertificates, LineSocket, type TestCertificates } from '@netlab-tools/app-harness';
import { once } from 'node:events';
import { connect as connectTcpSocket } from 'node:net';
import { connect as connectTlsSocket, type TLSSocket } from 'node:tls';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROXY_V2_SIGNATURE } from '@netlab/protocol';
import {
  connectTcp,
  loadClientTlsFiles,
  loadServerTlsFiles,
  TcpConnectionLostError,
  TcpTlsConfigError,
  TcpTlsHandshakeError,
  type ConnectionInfo,
  type TcpClient,
  type TcpClientTlsOptions,
  createTcpServer,
} from '../src';
import { lineCodec, createSession } from '@netlab/protocol';
import { MemoryLogger, onCleanup, runCleanups, startLineServer } from './helpers';

afterEach(runCleanups);

/** Each test's budget: real handshakes on a machine others are loading too. */
const BUDGET_MS = 20_000;

// One PKI for the file: openssl takes a moment per key, and no test changes the files.
let pki: TestCertificates;
beforeAll(() => {
  pki = makeTestCertificates();
});
afterAll(() => pki.remove());

function serverTls(mutual = false) {
  return {
    key: pki.server.keyPem,
    cert: pki.server.certPem,
    ca: pki.ca.certPem,
    requireClientCertificate: mutual,
  };
}

async function tlsClient(port: number, tls: TcpClientTlsOptions): Promise<TcpClient<string>> {
  const client = await connectTcp({ host: '127.0.0.1', port }, { tls });
  onCleanup(() => client.close());
  return client;
}

/** A bare node:tls client (no netlab code on this side): what a stranger's program does. */
async function bareTlsClient(
  port: number,
  options: { cert?: string; key?: string; socket?: import('node:net').Socket } = {},
): Promise<TLSSocket> {
  const socket = connectTlsSocket({
    host: '127.0.0.1',
    port,
    ca: pki.ca.certPem,
    ...options,
  });
  socket.on('error', () => undefined);
  onCleanup(() => socket.destroy());
  await once(socket, 'secureConnect');
  return socket;
}

describe('tcp server over TLS: the exchange', () => {
  it(
    'answers "Your data was 2 bytes" for "Hi", and logs the protocol and cipher it negotiated',
    async () => {
      const sessions: ConnectionInfo[] = [];
      const { port, logger } = await startLineServer({ tls: serverTls(), sessions });
      const client = await tlsClient(port, { ca: pki.ca.certPem });
      await expect(client.request('Hi')).resolves.toBe('Your data was 2 bytes');
      await expect(client.request('History')).resolves.toBe('History: ["Hi"]');
      const accepted = await logger.waitFor('Connection accepted');
      expect(accepted.tls).toEqual({ protocol: 'TLSv1.3', cipher: expect.stringMatching(/^TLS_/) });
      expect(sessions[0].tls).toEqual(accepted.tls);
    },
    BUDGET_MS,
  );

  it(
    'gets every reply after end() (half-close over TLS), then closes cleanly',
    async () => {
      const { port, logger } = await startLineServer({ tls: serverTls(), service: 'uppercase' });
      const client = await tlsClient(port, { ca: pki.ca.certPem });
      const replies = ['one', 'two', 'three'].map((line) => client.request(line));
      await client.end();
      await expect(Promise.all(replies)).resolves.toEqual(['ONE', 'TWO', 'THREE']);
      await expect(logger.waitFor('Connection closed')).resolves.toMatchObject({
        reason: 'client closed',
      });
    },
    BUDGET_MS,
  );

  it(
    'dumps the plaintext of each frame, not the TLS records',
    async () => {
      const logger = new MemoryLogger('debug');
      const { port } = await startLineServer({ tls: serverTls(), dump: true, logger });
      const client = await tlsClient(port, { ca: pki.ca.certPem });
      await client.request('Hi');
      expect(logger.find('Frame in')[0]).toMatchObject({ length: 3, hex: '48 69 0a' });
      expect(logger.find('Frame out')[0]).toMatchObject({ text: 'Your data was 2 bytes.' });
    },
    BUDGET_MS,
  );

  it(
    'keeps the line limit: a line too long gets its error reply over TLS, then the close',
    async () => {
      const { port, logger } = await startLineServer({
        tls: serverTls(),
        limits: { maxLineBytes: 8 },
      });
      const client = await tlsClient(port, { ca: pki.ca.certPem });
      client.send('much longer than eight bytes');
      const replies: string[] = [];
      for await (const reply of client.replies()) replies.push(reply);
      expect(replies).toEqual(['Error: line too long (limit 8 bytes)']);
      await expect(logger.waitFor('Connection closed')).resolves.toMatchObject({
        reason: 'line too long',
      });
    },
    BUDGET_MS,
  );

  it(
    'stops reading from a TLS client that does not read its replies, and memory stays bounded',
    async () => {
      const { port, logger } = await startLineServer({
        tls: serverTls(),
        service: 'uppercase',
        limits: { maxPendingWriteBytes: 65_536, stuckWriterTimeoutMs: 500 },
      });
      const socket = await bareTlsClient(port);
      socket.pause();
      // 24 MB of lines whose replies no socket buffer can hold: the server must stop reading.
      const line = `${'a'.repeat(60_000)}\n`;
      for (let i = 0; i < 400; i++) socket.write(line);
      await expect(logger.waitFor('Connection closed')).resolves.toMatchObject({
        reason: 'idle timeout',
        detail: 'stuck writer',
      });
    },
    BUDGET_MS,
  );
});

describe('tcp server over TLS: client certificates (mutual TLS)', () => {
  it(
    'accepts a client certificate signed by its CA and tells the session its subject',
    async () => {
      const sessions: ConnectionInfo[] = [];
      const { port, logger } = await startLineServer({ tls: serverTls(true), sessions });
      const client = await tlsClient(port, {
        ca: pki.ca.certPem,
        cert: pki.client.certPem,
        key: pki.client.keyPem,
      });
      await expect(client.request('Hi')).resolves.toBe('Your data was 2 bytes');
      const accepted = await logger.waitFor('Connection accepted');
      expect(accepted.tls).toMatchObject({
        clientCertificate: {
          subject: 'CN=alice',
          issuer: 'CN=netlab test CA',
          fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
        },
      });
      expect(sessions[0].tls?.clientCertificate?.subject).toBe('CN=alice');
    },
    BUDGET_MS,
  );

  it(
    'refuses a client without a certificate: one warn line, "tls handshake failed", others served on',
    async () => {
      const { port, logger } = await startLineServer({ tls: serverTls(true) });
      const refused = connectTlsSocket({ host: '127.0.0.1', port, ca: pki.ca.certPem });
      refused.on('error', () => undefined);
      onCleanup(() => refused.destroy());
      const closed = await logger.waitFor('Connection closed');
      expect(closed).toMatchObject({
        connection: 1,
        reason: 'tls handshake failed',
        detail: 'peer did not return a certificate',
      });
      expect(logger.find('TLS handshake failed')).toEqual([
        expect.objectContaining({
          level: 'warn',
          connection: 1,
          problem: 'peer did not return a certificate',
        }),
      ]);
      expect(logger.find('Connection accepted')).toEqual([]);
      const served = await tlsClient(port, {
        ca: pki.ca.certPem,
        cert: pki.client.certPem,
        key: pki.client.keyPem,
      });
      await expect(served.request('Hi')).resolves.toBe('Your data was 2 bytes');
    },
    BUDGET_MS,
  );

  it(
    'refuses a client certificate its CA did not sign, with the verification error as detail',
    async () => {
      const { port, logger } = await startLineServer({ tls: serverTls(true) });
      const rogue = connectTlsSocket({
        host: '127.0.0.1',
        port,
        ca: pki.ca.certPem,
        cert: pki.rogue.certPem,
        key: pki.rogue.keyPem,
      });
      rogue.on('error', () => undefined);
      onCleanup(() => rogue.destroy());
      await expect(logger.waitFor('Connection closed')).resolves.toMatchObject({
        reason: 'tls handshake failed',
        detail: 'certificate verify failed: self-signed certificate',
      });
      await once(rogue, 'close');
      expect(logger.find('Connection accepted')).toEqual([]);
    },
    BUDGET_MS,
  );
});

describe('tcp server over TLS: peers that do not finish a handshake', () => {
  it(
    'closes a plaintext client on a TLS port with the OpenSSL reason',
    async () => {
      const { port, logger } = await startLineServer({ tls: serverTls() });
      const plain = await LineSocket.connect({ port });
      // Longer than a TLS record header (5 bytes), so OpenSSL has something to judge.
      await plain.write('Testing Connection\n');
      await plain.closed;
      const closed = await logger.waitFor('Connection closed');
      expect(closed).toMatchObject({ reason: 'tls handshake failed' });
      expect(closed.detail).toMatch(/^[a-z][a-z0-9 ]+$/); // OpenSSL's reason, e.g. "wrong version number"
      expect(logger.find('TLS handshake failed')).toHaveLength(1);
    },
    BUDGET_MS,
  );

  it(
    'takes a peer that leaves without a byte (a port probe) as a client that closed, not a failure',
    async () => {
      const { port, logger } = await startLineServer({ tls: serverTls() });
      const probe = await LineSocket.connect({ port });
      probe.socket.end();
      await probe.closed;
      await expect(logger.waitFor('Connection closed')).resolves.toMatchObject({
        reason: 'client closed',
        detail: 'before tls handshake',
      });
      expect(logger.find('TLS handshake failed')).toEqual([]);
    },
    BUDGET_MS,
  );

  it(
    'closes a client that never finishes its handshake once the line deadline passes (slowloris)',
    async () => {
      const { port, logger } = await startLineServer({
        tls: serverTls(),
        limits: { lineDeadlineMs: 300 },
      });
      const silent = await LineSocket.connect({ port });
      await silent.closed;
      await expect(logger.waitFor('Connection closed')).resolves.toMatchObject({
        reason: 'idle timeout',
        detail: 'tls handshake',
      });
      expect(logger.find('TLS handshake failed')).toEqual([]);
    },
    BUDGET_MS,
  );

  it(
    'closes connections still in their handshake at shutdown, with reason "shutdown"',
    async () => {
      const { server, port, logger } = await startLineServer({ tls: serverTls() });
      const silent = await LineSocket.connect({ port });
      // Connections are accepted in order: once a later client is answered, the server has
      // the silent one too, in its handshake.
      const later = await tlsClient(port, { ca: pki.ca.certPem });
      await later.request('Hi');
      await server.close({ graceMs: 1000 });
      await silent.closed;
      await expect(logger.waitFor('Connection closed', { connection: 1 })).resolves.toMatchObject({
        reason: 'shutdown',
      });
    },
    BUDGET_MS,
  );
});

describe('tcp server over TLS behind a balancer (PROXY v2 before the handshake)', () => {
  it(
    'reads the header in the clear, then the handshake, and names the client the header names',
    async () => {
      const { port, logger } = await startLineServer({ tls: serverTls(), proxyProtocol: true });
      const raw = connectTcpSocket({ host: '127.0.0.1', port });
      onCleanup(() => raw.destroy());
      await once(raw, 'connect');
      const header = Buffer.alloc(16 + 12);
      PROXY_V2_SIGNATURE.copy(header, 0);
      header.set([0x21, 0x11, 0x00, 12], 12);
      header.set([203, 0, 113, 7, 192, 0, 2, 1], 16);
      header.writeUInt16BE(51234, 24);
      header.writeUInt16BE(1060, 26);
      raw.write(header);
      const socket = await bareTlsClient(port, { socket: raw });
      socket.write('Hi\n');
      const [reply] = (await once(socket, 'data')) as [Buffer];
      expect(reply.toString()).toBe('Your data was 2 bytes\n');
      const accepted = await logger.waitFor('Connection accepted');
      expect(accepted.remote).toEqual({ address: '203.0.113.7', port: 51234 });
      expect(accepted.tls).toMatchObject({ protocol: 'TLSv1.3' });
    },
    BUDGET_MS,
  );
});

describe('tcp server over TLS: certificate rotation', () => {
  it(
    'gives new connections the new certificate while an open one goes on with the old',
    async () => {
      const { server, port } = await startLineServer({ tls: serverTls() });
      const before = await bareTlsClient(port);
      expect(before.getPeerCertificate().subject.CN).toBe('localhost');
      server.updateTls({ key: pki.rotated.keyPem, cert: pki.rotated.certPem, ca: pki.ca.certPem });
      const after = await bareTlsClient(port);
      expect(after.getPeerCertificate().subject.CN).toBe('localhost rotated');
      before.write('Hi\n');
      const [reply] = (await once(before, 'data')) as [Buffer];
      expect(reply.toString()).toBe('Your data was 2 bytes\n');
    },
    BUDGET_MS,
  );

  it(
    'refuses a key that does not match, keeping the certificate it had',
    async () => {
      const { server, port } = await startLineServer({ tls: serverTls() });
      expect(() => server.updateTls({ key: pki.client.keyPem, cert: pki.rotated.certPem })).toThrow(
        TcpTlsConfigError,
      );
      const socket = await bareTlsClient(port);
      expect(socket.getPeerCertificate().subject.CN).toBe('localhost');
    },
    BUDGET_MS,
  );
});

describe('tcp client over TLS', () => {
  it(
    'refuses a server it cannot verify: "certificate verify failed: self-signed certificate"',
    async () => {
      const { port } = await startLineServer({
        tls: { key: pki.selfSigned.keyPem, cert: pki.selfSigned.certPem },
      });
      const attempt = connectTcp({ host: '127.0.0.1', port }, { tls: {} });
      await expect(attempt).rejects.toThrow(TcpTlsHandshakeError);
      await expect(attempt).rejects.toThrow(
        `TLS handshake with 127.0.0.1:${port} failed: certificate verify failed: self-signed certificate`,
      );
    },
    BUDGET_MS,
  );

  it(
    'refuses a certificate for another name',
    async () => {
      const { port } = await startLineServer({ tls: serverTls() });
      const attempt = connectTcp(
        { host: '127.0.0.1', port },
        { tls: { ca: pki.ca.certPem, servername: 'example.com' } },
      );
      await expect(attempt).rejects.toThrow(/certificate verify failed: .*example\.com/);
    },
    BUDGET_MS,
  );

  it(
    'checks an IP target against the certificate and a host name target by SNI',
    async () => {
      const { port } = await startLineServer({ tls: serverTls() });
      for (const host of ['127.0.0.1', 'localhost']) {
        const client = await connectTcp({ host, port }, { tls: { ca: pki.ca.certPem } });
        onCleanup(() => client.close());
        await expect(client.request('Hi')).resolves.toBe('Your data was 2 bytes');
      }
    },
    BUDGET_MS,
  );
});

describe('tcp client over TLS against a server requiring client certificates', () => {
  it(
    'without a certificate, loses the connection with "the server requires a client certificate"',
    async () => {
      const { port } = await startLineServer({ tls: serverTls(true) });
      const client = await connectTcp({ host: '127.0.0.1', port }, { tls: { ca: pki.ca.certPem } });
      onCleanup(() => client.close());
      const reply = client.request('Hi');
      await expect(reply).rejects.toThrow(TcpConnectionLostError);
      await expect(reply).rejects.toThrow(
        /lost \(the server requires a client certificate \(tlsv13 alert certificate required\)\)/,
      );
      await expect(client.closed()).resolves.toBeInstanceOf(TcpConnectionLostError);
    },
    BUDGET_MS,
  );
});

describe('TLS files', () => {
  it(
    'loads a server key and certificate that match, and a client CA',
    async () => {
      const tls = await loadServerTlsFiles(
        { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert },
        { requireClientCertificate: true },
      );
      expect(tls.requireClientCertificate).toBe(true);
      expect(String(tls.cert)).toBe(pki.server.certPem);
      await expect(loadClientTlsFiles({ ca: pki.ca.cert })).resolves.toEqual({
        ca: Buffer.from(pki.ca.certPem),
      });
    },
    BUDGET_MS,
  );

  it.each([
    ['a missing file', 'missing.crt', 'cert', /missing\.crt: no such file/],
    ['a file that is not PEM', 'notes.txt', 'cert', /notes\.txt: not a PEM certificate/],
    ['a certificate given as the key', 'server.crt', 'key', /server\.crt: not a PEM private key/],
  ])(
    'names %s and its problem',
    async (_what, name, which, message) => {
      const file = path.join(pki.dir, name);
      if (name === 'notes.txt') writeFileSync(file, 'hello\n');
      const files = { cert: pki.server.cert, key: pki.server.key, [which]: file };
      const attempt = loadServerTlsFiles(files);
      await expect(attempt).rejects.toThrow(TcpTlsConfigError);
      await expect(attempt).rejects.toThrow(message);
    },
    BUDGET_MS,
  );

  it(
    'names the key that does not match its certificate',
    async () => {
      await expect(
        loadServerTlsFiles({ cert: pki.server.cert, key: pki.client.key }),
      ).rejects.toThrow(`${pki.client.key}: does not match the certificate in ${pki.server.cert}`);
    },
    BUDGET_MS,
  );

  it(
    'refuses mismatched PEM given to createTcpServer directly, with a TcpTlsConfigError',
    () => {
      expect(() =>
        createTcpServer({
          codec: lineCodec(),
          createSession: () => createSession('task'),
          tls: { key: pki.client.keyPem, cert: pki.server.certPem },
        }),
      ).toThrow('the private key does not match the certificate');
    },
    BUDGET_MS,
  );
});
