import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  LineSocket,
  runApp,
  runCleanups,
  startServer,
  temporaryPath,
  type RunningServer,
} from '@netlab-tools/app-harness';

function start(args: string[] = []): Promise<RunningServer> {
  return startServer('tcp-server', args);
}

afterEach(runCleanups);

describe('tcp-server (built app): where it listens', () => {
  it('binds 0.0.0.0 by default and logs "Listening at" with transport, address and the real port', async () => {
    const server = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.logs.lines[0]).toMatchObject({
      msg: 'Listening at',
      level: 30,
      transport: 'tcp',
      address: '0.0.0.0',
      port: server.port,
    });
  });

  it('serves IPv6 with --host ::1', async () => {
    const server = await start(['--host', '::1']);
    expect(server.listening).toMatchObject({ address: '::1' });
    const client = await LineSocket.connect({ host: '::1', port: server.port });
    await client.write('six\n');
    expect(await client.readLine()).toBe('Your data was 3 bytes');
  });

  it('listens on a Unix socket with --path, logs "Listening at" with the path, and answers there', async () => {
    const socketPath = temporaryPath('tcp-server.sock');
    const server = await start(['--path', socketPath]);
    expect(server.listening).toMatchObject({ transport: 'tcp', path: socketPath });
    const client = await LineSocket.connect({ path: socketPath });
    await client.write('Hi\nHistory\n');
    expect(await client.readLines(2)).toEqual(['Your data was 2 bytes', 'History: ["Hi"]']);
    expect(await server.logs.waitFor('Connection accepted')).toMatchObject({
      connection: 1,
      local: { path: socketPath },
      remote: { path: '' },
    });
  });

  it('removes the socket file a killed server left behind, then listens on it', async () => {
    const socketPath = temporaryPath('stale.sock');
    const killed = await start(['--path', socketPath]);
    await killed.stop('SIGKILL');
    expect(statSync(socketPath).isSocket()).toBe(true); // nobody answers on it now

    const server = await start(['--path', socketPath]);
    const client = await LineSocket.connect({ path: socketPath });
    await client.write('again\n');
    expect(await client.readLine()).toBe('Your data was 5 bytes');
    expect(server.listening).toMatchObject({ path: socketPath });
  });

  it('never deletes the socket of a live server: says it is in use, exits 1, and the live one serves on', async () => {
    const socketPath = temporaryPath('live.sock');
    await start(['--path', socketPath]);
    const second = await runApp('tcp-server', ['--path', socketPath]);
    expect(second).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `tcp-server: could not listen on ${socketPath}: address already in use\n`,
    });
    const client = await LineSocket.connect({ path: socketPath });
    await client.write('still here\n');
    expect(await client.readLine()).toBe('Your data was 10 bytes');
  });

  it('leaves a file that is not a socket alone and says the address is in use', async () => {
    const filePath = temporaryPath('notes.txt');
    writeFileSync(filePath, 'keep me\n');
    const result = await runApp('tcp-server', ['--path', filePath]);
    expect(result).toMatchObject({
      code: 1,
      stderr: `tcp-server: could not listen on ${filePath}: address already in use\n`,
    });
    expect(readFileSync(filePath, 'utf8')).toBe('keep me\n');
  });

  it('says the port is in use on one stderr line and exits 1', async () => {
    const server = await start(['--host', '127.0.0.1']);
    const result = await runApp('tcp-server', [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
    ]);
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `tcp-server: could not listen on 127.0.0.1:${server.port}: address already in use\n`,
    });
  });
});

describe('tcp-server (built app): the services', () => {
  it('answers the lecture transcript and closes the connection after "Disconnect"', async () => {
    const server = await start();
    const client = await LineSocket.connect({ port: server.port });
    await client.write('Hi\nTesting Connection\nHistory\nExit\nnot answered\n');
    expect(await client.readToEnd()).toEqual([
      'Your data was 2 bytes',
      'Your data was 18 bytes',
      'History: ["Hi","Testing Connection"]',
      'Disconnect',
    ]);
    expect(await server.logs.waitFor('Connection closed')).toMatchObject({
      connection: 1,
      reason: 'exit',
    });
  });

  it('answers each line uppercased with --service uppercase, and Exit as in task', async () => {
    const server = await start(['--service', 'uppercase']);
    const client = await LineSocket.connect({ port: server.port });
    await client.write('hello wörld\nß\n  exit \n');
    expect(await client.readToEnd()).toEqual(['HELLO WÖRLD', 'SS', 'Disconnect']);
  });

  it('logs "Connection accepted" with the id and both ends, as the lecture prints "Socket connects between"', async () => {
    const server = await start(['--host', '127.0.0.1']);
    const client = await LineSocket.connect({ port: server.port });
    const accepted = await server.logs.waitFor('Connection accepted');
    expect(accepted).toMatchObject({
      level: 30,
      connection: 1,
      remote: { address: '127.0.0.1', port: client.socket.localPort },
      local: { address: '127.0.0.1', port: server.port },
    });
  });

  it('logs "Received message from client" with remote, UTF-8 byte count and connection', async () => {
    const server = await start();
    const client = await LineSocket.connect({ port: server.port });
    await client.write('héllo\n');
    expect(await client.readLine()).toBe('Your data was 6 bytes');
    expect(await server.logs.waitFor('Received message from client')).toMatchObject({
      level: 30,
      connection: 1,
      remote: { address: '127.0.0.1', port: client.socket.localPort },
      bytes: 6,
    });
  });

  it('logs "Connection closed" with reason "client closed" when the client hangs up', async () => {
    const server = await start();
    const client = await LineSocket.connect({ port: server.port });
    client.end();
    await client.closed;
    expect(await server.logs.waitFor('Connection closed')).toMatchObject({
      connection: 1,
      reason: 'client closed',
    });
  });

  it('with --dump logs each line as "Frame in" / "Frame out" at debug level: connection, peer, length, text and hex', async () => {
    const server = await start(['--dump', '--log-level', 'debug']);
    const client = await LineSocket.connect({ port: server.port });
    await client.write('hi\n');
    await client.readLine();
    const peer = { address: '127.0.0.1', port: client.socket.localPort };
    expect(await server.logs.waitFor('Frame in')).toMatchObject({
      level: 20,
      direction: 'in',
      connection: 1,
      peer,
      length: 3,
      text: 'hi.', // a byte that does not print shows as '.'
      hex: '68 69 0a',
      truncated: false,
    });
    expect(await server.logs.waitFor('Frame out')).toMatchObject({
      level: 20,
      direction: 'out',
      connection: 1,
      peer,
      length: 22,
      text: 'Your data was 2 bytes.',
      truncated: false,
    });
  });

  it('with --dump shows only the first 256 bytes of a long line, with its whole length and truncated: true', async () => {
    const server = await start(['--dump', '--log-level', 'debug']);
    const client = await LineSocket.connect({ port: server.port });
    await client.write(`${'a'.repeat(1000)}\n`);
    expect(await client.readLine()).toBe('Your data was 1000 bytes');
    expect(await server.logs.waitFor('Frame in')).toMatchObject({
      length: 1001,
      text: 'a'.repeat(256),
      hex: Array(256).fill('61').join(' '),
      truncated: true,
    });
  });
});

describe('tcp-server (built app): stopping', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s logs "Server closed" and exits 0',
    async (signal) => {
      const server = await start();
      const { code } = await server.stop(signal);
      expect(code).toBe(0);
      expect(server.logs.lines.at(-1)).toMatchObject({ msg: 'Server closed' });
    },
  );

  it('on SIGTERM answers what a client already sent, closes it with reason "shutdown", then exits 0', async () => {
    const server = await start();
    const client = await LineSocket.connect({ port: server.port });
    await client.write('Hi\n');
    await server.logs.waitFor('Received message from client');
    const { code } = await server.stop('SIGTERM');
    expect(code).toBe(0);
    expect(await client.readToEnd()).toEqual(['Your data was 2 bytes']);
    expect(server.logs.find('Connection closed')).toEqual([
      expect.objectContaining({ connection: 1, reason: 'shutdown' }),
    ]);
    expect(server.logs.lines.at(-1)).toMatchObject({ msg: 'Server closed' });
  });

  it('does not let a client that never reads hold the stop past --grace', async () => {
    const server = await start(['--grace', '200']);
    const stuck = await LineSocket.connect({ port: server.port }, { reading: false });
    await stuck.write(`${'m'.repeat(10_000)}\n${'History\n'.repeat(2000)}`);
    await server.logs.waitFor('Received message from client');
    expect(await server.stop('SIGTERM')).toMatchObject({ code: 0 });
    expect(server.logs.find('Server closed')).toHaveLength(1);
  });

  it('closes at once on a second signal, whatever the grace period', async () => {
    const server = await start(['--grace', '600000']);
    const stuck = await LineSocket.connect({ port: server.port }, { reading: false });
    await stuck.write(`${'m'.repeat(10_000)}\n${'History\n'.repeat(2000)}`);
    await server.logs.waitFor('Received message from client');
    server.child.kill('SIGTERM');
    await server.logs.waitFor('Shutting down');
    expect(await server.stop('SIGTERM')).toMatchObject({ code: 0 });
    expect(server.logs.find('Second signal: closing at once')).toHaveLength(1);
    expect(server.logs.lines.at(-1)).toMatchObject({ msg: 'Server closed' });
  });
});

describe('tcp-server (built app): flags', () => {
  it.each([
    [['--port', '70000'], 'tcp-server: --port must be an integer from 0 to 65535 (got "70000")'],
    [
      ['--service', 'echo'],
      'tcp-server: --service must be one of task, uppercase, chat (got "echo")',
    ],
    [
      ['--max-line-bytes', '0'],
      'tcp-server: --max-line-bytes must be an integer from 1 to 1073741824 (got "0")',
    ],
    [
      ['--idle-timeout', 'soon'],
      'tcp-server: --idle-timeout must be an integer from 1 to 2147483647 (got "soon")',
    ],
    [['--path'], 'tcp-server: --path needs a value (see --help)'],
    [['--workerz', '2'], 'tcp-server: unknown flag --workerz (see --help)'],
  ])('rejects %j with one clear line and exit 2, binding nothing', async (args, line) => {
    const result = await runApp('tcp-server', args);
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: `${line}\n` });
  });

  it('prints usage listing the limit flags for --help, and the version for --version', async () => {
    const help = await runApp('tcp-server', ['--help']);
    expect(help.code).toBe(0);
    for (const flag of [
      '--path PATH',
      '--service NAME',
      '--max-line-bytes BYTES',
      '--max-connections N',
      '--idle-timeout MS',
      '--line-deadline MS',
      '--grace MS',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const { version } = JSON.parse(
      readFileSync(path.resolve(__dirname, '../package.json'), 'utf8'),
    ) as { version: string };
    expect(await runApp('tcp-server', ['--version'])).toMatchObject({
      code: 0,
      stdout: `${version}\n`,
      stderr: '',
    });
  });
});
