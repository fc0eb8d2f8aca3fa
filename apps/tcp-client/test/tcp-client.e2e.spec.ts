import { hostname } from 'node:os';
import { createFaultProxy } from '@netlab-tools/tcp-fault-proxy';
import {
  LineSocket,
  onCleanup,
  runApp,
  runCleanups,
  startClient,
  startServer,
  temporaryPath,
  type RunningServer,
} from '@netlab-tools/app-harness';

const reply = (text: string): string => `Received Message from Server: ${text}`;

function runClient(args: string[], input: string) {
  return runApp('tcp-client', args, input);
}

/** The client's --dump lines (stderr is JSON logs, one a line). */
function dumpLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'Frame out' || line.msg === 'Frame in');
}

function start(args: string[] = []): Promise<RunningServer> {
  return startServer('tcp-server', args);
}

afterEach(runCleanups);

describe('tcp-client (built app): a session', () => {
  it('answers the lecture transcript typed a line at a time, then exits 0 on Exit', async () => {
    const server = await start();
    const client = startClient('tcp-client', ['--port', String(server.port)]);
    client.type('Hi');
    expect(await client.screenLines(1)).toEqual([reply('Your data was 2 bytes')]);
    client.type('Testing Connection');
    expect((await client.screenLines(2))[1]).toBe(reply('Your data was 18 bytes'));
    client.type('History');
    expect((await client.screenLines(5)).slice(2)).toEqual([
      reply('History (2 messages)'),
      '  1. Hi',
      '  2. Testing Connection',
    ]);
    client.type('Exit');
    expect((await client.screenLines(6))[5]).toBe(reply('Disconnect'));
    // Exit ends the session although stdin is still open.
    expect(await client.exited).toMatchObject({ code: 0, stderr: '' });
  });

  it('sends piped lines without a prompt, prints every reply in order, and exits 0 at end of input', async () => {
    const server = await start();
    const result = await runClient(
      ['--port', String(server.port)],
      'Hi\nTesting Connection\nhéllo\nHistory\n',
    );
    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout: [
        reply('Your data was 2 bytes'),
        reply('Your data was 18 bytes'),
        reply('Your data was 6 bytes'),
        reply('History (3 messages)'),
        '  1. Hi',
        '  2. Testing Connection',
        '  3. héllo',
        '',
      ].join('\n'),
    });
    expect(await server.logs.waitFor('Connection closed')).toMatchObject({
      reason: 'client closed',
    });
  });

  it('waits at end of input for every reply of 5,000 pipelined lines, in order', async () => {
    const server = await start();
    const lines = Array.from({ length: 5000 }, (_, i) => 'x'.repeat(i % 50));
    const result = await runClient(['--port', String(server.port)], `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      lines.map((line) => `${reply(`Your data was ${line.length} bytes`)}\n`).join(''),
    );
  });

  it('answers a last line without a newline', async () => {
    const server = await start();
    const result = await runClient(['--port', String(server.port)], 'one\ntwo');
    expect(result).toMatchObject({
      code: 0,
      stdout: `${reply('Your data was 3 bytes')}\n${reply('Your data was 3 bytes')}\n`,
    });
  });

  it('stops at Exit: prints "Disconnect", sends none of the later lines, exits 0', async () => {
    const server = await start();
    const result = await runClient(['--port', String(server.port)], 'one\n  exit \ntwo\n');
    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout: `${reply('Your data was 3 bytes')}\n${reply('Disconnect')}\n`,
    });
    await server.logs.waitFor('Connection closed', { reason: 'exit' });
    expect(server.logs.find('Received message from client')).toHaveLength(2);
  });

  it('shows an empty History, and messages that would not show plainly, unambiguously', async () => {
    const server = await start();
    const result = await runClient(
      ['--port', String(server.port)],
      'History\n\n  padded  \n"quoted"\nHistory\n',
    );
    expect(result.stdout).toBe(
      [
        reply('History (no messages)'),
        reply('Your data was 0 bytes'),
        reply('Your data was 10 bytes'),
        reply('Your data was 8 bytes'),
        reply('History (3 messages)'),
        '  1. ""',
        '  2. "  padded  "',
        '  3. "\\"quoted\\""',
        '',
      ].join('\n'),
    );
  });

  it('prints the uppercase service replies as they come', async () => {
    const server = await start(['--service', 'uppercase']);
    const result = await runClient(['--port', String(server.port)], 'hello\nHistory\n');
    expect(result).toMatchObject({
      code: 0,
      stdout: `${reply('HELLO')}\n${reply('HISTORY')}\n`,
    });
  });
});

describe('tcp-client (built app): where it connects', () => {
  it('talks to a server on a Unix socket with --path', async () => {
    const socketPath = temporaryPath('tcp-server.sock');
    await start(['--path', socketPath]);
    const result = await runClient(['--path', socketPath], 'Hi\nHistory\n');
    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout: `${reply('Your data was 2 bytes')}\n${reply('History (1 message)')}\n  1. Hi\n`,
    });
  });

  it('talks IPv6 with --host ::1', async () => {
    const server = await start(['--host', '::1']);
    const result = await runClient(['--host', '::1', '--port', String(server.port)], 'six\n');
    expect(result).toMatchObject({ code: 0, stdout: `${reply('Your data was 3 bytes')}\n` });
  });

  it(`reaches a server by this machine's host name (${hostname()})`, async () => {
    const server = await start();
    const result = await runClient(
      ['--host', hostname(), '--port', String(server.port)],
      'by name\n',
    );
    expect(result).toMatchObject({ code: 0, stdout: `${reply('Your data was 7 bytes')}\n` });
  });

  it('through a network that delivers a byte at a time, both ways', async () => {
    const server = await start();
    const proxy = createFaultProxy({
      target: { host: '127.0.0.1', port: server.port },
      upstream: { splitBytes: 1 },
      downstream: { splitBytes: 1 },
    });
    onCleanup(() => proxy.close());
    const { port } = await proxy.listen();
    const result = await runClient(['--port', String(port)], 'Hi\nHistory\n');
    expect(result).toMatchObject({
      code: 0,
      stdout: `${reply('Your data was 2 bytes')}\n${reply('History (1 message)')}\n  1. Hi\n`,
    });
  });

  it('with --dump logs each line as "Frame out" / "Frame in" at debug level on stderr: peer, length, text and hex', async () => {
    const server = await start();
    const result = await runClient(
      ['--port', String(server.port), '--dump', '--log-level', 'debug'],
      'hi\n',
    );
    expect(result).toMatchObject({ code: 0, stdout: `${reply('Your data was 2 bytes')}\n` });
    const peer = { address: '127.0.0.1', port: server.port };
    expect(dumpLines(result.stderr)).toEqual([
      expect.objectContaining({
        msg: 'Frame out',
        level: 20,
        direction: 'out',
        peer,
        length: 3,
        text: 'hi.',
        hex: '68 69 0a',
        truncated: false,
      }),
      expect.objectContaining({
        msg: 'Frame in',
        level: 20,
        direction: 'in',
        peer,
        length: 22,
        text: 'Your data was 2 bytes.',
        truncated: false,
      }),
    ]);
  });

  it('with --dump gives a Unix socket peer as its path', async () => {
    const socketPath = temporaryPath('dump.sock');
    await start(['--path', socketPath]);
    const result = await runClient(
      ['--path', socketPath, '--dump', '--log-level', 'debug'],
      'hi\n',
    );
    expect(result.code).toBe(0);
    expect(dumpLines(result.stderr)[0]).toMatchObject({
      msg: 'Frame out',
      peer: { path: socketPath },
    });
  });

  it('with --dump shows only the first 256 bytes of a long frame, with its whole length and truncated: true', async () => {
    const server = await start();
    const long = 'a'.repeat(1000);
    const result = await runClient(
      ['--port', String(server.port), '--dump', '--log-level', 'debug'],
      `${long}\nHistory\n`,
    );
    expect(result.code).toBe(0);
    const [out, , , history] = dumpLines(result.stderr);
    expect(out).toMatchObject({
      msg: 'Frame out',
      length: 1001,
      text: long.slice(0, 256),
      truncated: true,
    });
    // The History reply carries the long line back: `History: ["aaa…"]` and the newline.
    expect(history).toMatchObject({
      msg: 'Frame in',
      length: 'History: [""]\n'.length + 1000,
      text: `History: ["${long}`.slice(0, 256),
      truncated: true,
    });
  });
});

describe('tcp-client (built app): when the server is not there', () => {
  it('says "Could not connect to 127.0.0.1:PORT: connection refused" on stderr and exits 1', async () => {
    const server = await start();
    const port = server.port;
    await server.stop('SIGTERM'); // nothing listens there now
    expect(await runClient(['--port', String(port)], 'Hi\n')).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: `Could not connect to 127.0.0.1:${port}: connection refused\n`,
    });
  });

  it('says there is no such socket file for a --path nobody listens on', async () => {
    const socketPath = temporaryPath('nobody.sock');
    expect(await runClient(['--path', socketPath], 'Hi\n')).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `Could not connect to ${socketPath}: no such socket file\n`,
    });
  });

  it('says it cannot find an unknown host on one line and exits 1', async () => {
    const result = await runClient(['--host', 'no-such-host.invalid'], 'x\n');
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^Could not connect to no-such-host\.invalid:1060: .+\n$/);
  });

  it('says the server closed the connection when it stops mid-session, and exits 1', async () => {
    const server = await start();
    const client = startClient('tcp-client', ['--port', String(server.port)]);
    client.type('Hi');
    await client.screenLines(1);
    await server.stop('SIGTERM');
    expect(await client.exited).toMatchObject({
      code: 1,
      stdout: `${reply('Your data was 2 bytes')}\n`,
      stderr: `Connection to 127.0.0.1:${server.port} closed by the server\n`,
    });
  });

  it('says the connection was lost, and how many replies it owed, when a reply is cut off', async () => {
    const server = await start();
    const proxy = createFaultProxy({
      target: { host: '127.0.0.1', port: server.port },
      resetAfterBytes: 30,
    });
    onCleanup(() => proxy.close());
    const { port } = await proxy.listen();
    const result = await runClient(['--port', String(port)], 'Hi\nTesting Connection\nHistory\n');
    expect(result.code).toBe(1);
    // The first 30 bytes hold the first reply whole. On a reset the kernel may drop bytes
    // not yet read, and it may report the reset or only the end of the stream: either way
    // the user sees the replies that came, then one line saying what was lost.
    const shown = result.stdout === '' ? 0 : 1;
    expect(result.stdout).toBe(shown ? `${reply('Your data was 2 bytes')}\n` : '');
    expect(result.stderr).toMatch(
      new RegExp(
        `^Connection to 127\\.0\\.0\\.1:${port} lost \\((connection reset by peer|closed by the server)\\) with ${3 - shown} replies outstanding\\n$`,
      ),
    );
  });

  it('says "server busy" on stderr, not as a reply, when the server is full, and exits 1', async () => {
    const server = await start(['--max-connections', '1']);
    const held = await LineSocket.connect({ port: server.port });
    await held.write('Hi\n');
    await held.readLine();
    expect(await runClient(['--port', String(server.port)], 'Hi\nHistory\n')).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `Connection to 127.0.0.1:${server.port} closed by the server: server busy\n`,
    });
  });

  it('prints the replies before a line that is too long, then says why the server closed', async () => {
    const server = await start(['--max-line-bytes', '8']);
    const result = await runClient(
      ['--port', String(server.port)],
      `ok\n${'x'.repeat(20)}\nnever sent or never answered\n`,
    );
    expect(result).toMatchObject({
      code: 1,
      stdout: `${reply('Your data was 2 bytes')}\n`,
      stderr: `Connection to 127.0.0.1:${server.port} closed by the server: line too long (limit 8 bytes)\n`,
    });
  });

  it('says the server closed an idle session, as soon as it does', async () => {
    const server = await start(['--idle-timeout', '300']);
    const client = startClient('tcp-client', ['--port', String(server.port)]);
    // stdin stays open: the client learns of the close from the server, not from its input.
    expect(await client.exited).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `Connection to 127.0.0.1:${server.port} closed by the server: idle timeout (no data for 300 ms)\n`,
    });
  });
});

describe('tcp-client (built app): flags', () => {
  it.each([
    [['--port', '0'], 'tcp-client: --port must be an integer from 1 to 65535 (got "0")'],
    [
      ['--host', 'bad host!'],
      'tcp-client: --host must be an IPv4 or IPv6 address or a host name (got "bad host!")',
    ],
    [['--timeout', '5'], 'tcp-client: unknown flag --timeout (see --help)'],
  ])('rejects %j with one clear line and exit 2, sending nothing', async (args, line) => {
    expect(await runClient(args, 'Hi\n')).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `${line}\n`,
    });
  });

  it('prints usage for --help', async () => {
    const help = await runClient(['--help'], '');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--path PATH');
  });
});
