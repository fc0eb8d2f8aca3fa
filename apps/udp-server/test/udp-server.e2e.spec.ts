import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeEnvelope, encodeEnvelope } from '@netlab/protocol';
import {
  runApp,
  runCleanups,
  runToEnd,
  startServer,
  type RunningServer,
} from '@netlab-tools/app-harness';
import { exchange } from './support/datagram-peer';

function start(args: string[] = []): Promise<RunningServer> {
  return startServer('udp-server', args);
}

afterEach(runCleanups);

describe('udp-server (built app)', () => {
  it('binds 0.0.0.0 by default and logs "Listening at" with the real port', async () => {
    const server = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.logs.lines[0]).toMatchObject({
      msg: 'Listening at',
      transport: 'udp',
      address: '0.0.0.0',
      level: 30,
    });
  });

  it('uppercases a plain datagram as nc -u sends it, and logs the sender and byte count', async () => {
    const server = await start();
    expect((await exchange(server.port, 'hello world\n')).toString()).toBe('HELLO WORLD\n');
    const received = await server.logs.waitFor('Received message from client');
    expect(received).toMatchObject({
      remote: { address: '127.0.0.1', port: expect.any(Number) },
      bytes: 12,
    });
  });

  it('answers a textbook Python client (sendto, recvfrom(2048)) with uppercase text', async () => {
    const server = await start();
    const python = [
      'from socket import *',
      'import sys',
      'clientSocket = socket(AF_INET, SOCK_DGRAM)',
      'clientSocket.settimeout(5)',
      'for message in ["hello", "Testing Connection", "héllo"]:',
      `    clientSocket.sendto(message.encode(), ("127.0.0.1", ${server.port}))`,
      '    modifiedMessage, serverAddress = clientSocket.recvfrom(2048)',
      '    print(modifiedMessage.decode())',
      'clientSocket.close()',
    ].join('\n');
    const result = await runToEnd('python3', ['-c', python]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('HELLO\nTESTING CONNECTION\nHÉLLO\n');
  });

  it('answers an enveloped datagram with an envelope carrying the same id', async () => {
    const server = await start();
    const reply = decodeEnvelope(
      await exchange(server.port, encodeEnvelope(42, Buffer.from('abc'))),
    );
    expect(reply).toMatchObject({ id: 42, payload: Buffer.from('ABC') });
  });

  it('never replies with more bytes than it received ("ŉ" uppercases to 3 bytes from 2)', async () => {
    const server = await start();
    const request = Buffer.from('ŉ ß ﬀ');
    const reply = await exchange(server.port, request);
    expect(reply.length).toBeLessThanOrEqual(request.length);
  });

  it('answers the empty datagram with an empty datagram', async () => {
    const server = await start();
    expect((await exchange(server.port, Buffer.alloc(0))).length).toBe(0);
  });

  it('answers a 65,507-byte datagram in full', async () => {
    const server = await start();
    const reply = await exchange(server.port, Buffer.alloc(65_507, 'q'));
    expect(reply.equals(Buffer.alloc(65_507, 'Q'))).toBe(true);
  });

  it('serves IPv6 with --host ::1', async () => {
    const server = await start(['--host', '::1']);
    expect(server.logs.lines[0]).toMatchObject({ address: '::1' });
    expect((await exchange(server.port, 'six', '::1')).toString()).toBe('SIX');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s logs "Server closed" and exits 0',
    async (signal) => {
      const server = await start();
      const { code } = await server.stop(signal);
      expect(code).toBe(0);
      expect(server.logs.lines.at(-1)).toMatchObject({ msg: 'Server closed' });
    },
  );

  it('with --dump logs each datagram as "Datagram in" / "Datagram out" at debug level: peer, length, text and hex', async () => {
    const server = await start(['--dump', '--log-level', 'debug']);
    await exchange(server.port, 'hi');
    const { remote } = await server.logs.waitFor('Received message from client');
    expect(remote).toEqual({ address: '127.0.0.1', port: expect.any(Number) });
    expect(await server.logs.waitFor('Datagram in')).toMatchObject({
      level: 20,
      direction: 'in',
      peer: remote,
      length: 2,
      text: 'hi',
      hex: '68 69',
      truncated: false,
    });
    expect(await server.logs.waitFor('Datagram out')).toMatchObject({
      level: 20,
      direction: 'out',
      peer: remote,
      length: 2,
      text: 'HI',
      hex: '48 49',
      truncated: false,
    });
  });

  it('with --dump shows only the first 256 bytes of a long datagram, with its whole length and truncated: true', async () => {
    const server = await start(['--dump', '--log-level', 'debug']);
    expect((await exchange(server.port, 'a'.repeat(1000))).toString()).toBe('A'.repeat(1000));
    expect(await server.logs.waitFor('Datagram in')).toMatchObject({
      length: 1000,
      text: 'a'.repeat(256),
      hex: Array(256).fill('61').join(' '),
      truncated: true,
    });
    expect(await server.logs.waitFor('Datagram out')).toMatchObject({
      length: 1000,
      text: 'A'.repeat(256),
      truncated: true,
    });
  });

  it('with --dump alone (no --log-level) shows the dump lines: --dump turns debug on', async () => {
    const server = await start(['--dump']);
    await exchange(server.port, 'hi');
    expect(await server.logs.waitFor('Datagram out')).toMatchObject({ level: 20, text: 'HI' });
  });

  it('without --dump logs no datagram, even at debug level', async () => {
    const server = await start(['--log-level', 'debug']);
    await exchange(server.port, 'hi');
    await server.stop('SIGTERM');
    expect(server.logs.find('Received message from client')).toHaveLength(1);
    expect(server.logs.lines.filter((line) => line.msg.startsWith('Datagram'))).toEqual([]);
  });

  it('says the port is in use on one stderr line and exits 1', async () => {
    const server = await start(['--host', '127.0.0.1']);
    const result = await runApp('udp-server', [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
    ]);
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `udp-server: could not bind 127.0.0.1:${server.port}: address already in use\n`,
    });
  });

  it.each([
    [['--port', 'abc'], 'udp-server: --port must be an integer from 0 to 65535 (got "abc")'],
    [
      ['--log-level', 'loud'],
      'udp-server: --log-level must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ],
    [['--bogus'], 'udp-server: unknown flag --bogus (see --help)'],
  ])('rejects %j with one clear line and exit 2, binding nothing', async (args, line) => {
    const result = await runApp('udp-server', args);
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: `${line}\n` });
  });

  it('prints usage for --help and the version for --version', async () => {
    const help = await runApp('udp-server', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--rate-limit N');
    const { version } = JSON.parse(
      readFileSync(path.resolve(__dirname, '../package.json'), 'utf8'),
    ) as { version: string };
    expect(await runApp('udp-server', ['--version'])).toMatchObject({
      code: 0,
      stdout: `${version}\n`,
      stderr: '',
    });
  });
});
