import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { hostname } from 'node:os';
import {
  onCleanup,
  runApp,
  runCleanups,
  startServer,
  type RunningServer,
} from '@netlab-tools/app-harness';
import { decodeEnvelope, encodeEnvelope } from '@netlab/protocol';

const reply = (text: string): string => `Received Message from Server: ${text}`;

function runClient(args: string[], input: string) {
  return runApp('udp-client', args, input);
}

/** The client's stderr as JSON log lines (every line must be one). */
function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** --dump's lines: one per datagram sent or received. */
function isDump(msg: unknown): boolean {
  return msg === 'Datagram out' || msg === 'Datagram in';
}

function start(args: string[] = []): Promise<RunningServer> {
  return startServer('udp-server', args);
}

afterEach(runCleanups);

describe('udp-client (built app)', () => {
  it('sends piped lines in order and prints each reply, with no prompt, then exits 0', async () => {
    const server = await start();
    const result = await runClient(
      ['--port', String(server.port)],
      'Hello\nTesting Connection\nhéllo wörld\n\n',
    );
    expect(result).toMatchObject({
      code: 0,
      stdout: [
        reply('HELLO'),
        reply('TESTING CONNECTION'),
        reply('HÉLLO WÖRLD'),
        reply(''),
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('sends an empty line as an empty message and prints the empty reply, as a textbook client would', async () => {
    const server = await start();
    const result = await runClient(['--port', String(server.port)], '\nafter\n');
    expect(result).toMatchObject({
      code: 0,
      stdout: `${reply('')}\n${reply('AFTER')}\n`,
      stderr: '',
    });
    // On the wire the empty line is the 6-byte envelope header and nothing more.
    await server.logs.waitFor('Received message from client', { bytes: 6 + 5 });
    const received = server.logs.find('Received message from client').map((line) => line.bytes);
    expect(received).toEqual([6, 6 + 5]);
  });

  it('with --dump logs each datagram out and in at debug level on stderr, keeping stdout for replies', async () => {
    const server = await start();
    const args = ['--port', String(server.port), '--log-level', 'debug'];
    const dumped = await runClient([...args, '--dump'], 'hi\n');
    expect(dumped).toMatchObject({ code: 0, stdout: `${reply('HI')}\n` });
    const datagrams = logLines(dumped.stderr).filter((line) => isDump(line.msg));
    const peer = { address: '127.0.0.1', port: server.port };
    // The envelope: 0xFF, version 1, a 4-byte request id, then the text.
    expect(datagrams).toEqual([
      expect.objectContaining({
        msg: 'Datagram out',
        level: 20,
        direction: 'out',
        peer,
        length: 8,
        truncated: false,
      }),
      expect.objectContaining({
        msg: 'Datagram in',
        level: 20,
        direction: 'in',
        peer,
        length: 8,
        truncated: false,
      }),
    ]);
    const [out, back] = datagrams as { hex: string; text: string }[];
    expect(out.hex).toMatch(/^ff 01( [0-9a-f]{2}){4} 68 69$/);
    expect(out.text).toMatch(/^\.\.[\s\S]{4}hi$/);
    expect(back.hex).toBe(out.hex.replace(/68 69$/, '48 49')); // same id, text uppercased
    expect(back.text).toMatch(/HI$/);

    const plain = await runClient(args, 'hi\n');
    expect(logLines(plain.stderr).filter((line) => isDump(line.msg))).toEqual([]);
  });

  it('with --dump shows only the first 256 bytes of a long datagram, with its whole length and truncated: true', async () => {
    const server = await start();
    const line = 'x'.repeat(1000);
    const result = await runClient(
      ['--port', String(server.port), '--log-level', 'debug', '--dump'],
      `${line}\n`,
    );
    expect(result).toMatchObject({ code: 0, stdout: `${reply('X'.repeat(1000))}\n` });
    const [out, back] = logLines(result.stderr).filter((entry) => isDump(entry.msg)) as {
      length: number;
      text: string;
      hex: string;
      truncated: boolean;
    }[];
    // 6 envelope bytes, then the line: 256 bytes shown, 1006 counted.
    expect(out).toMatchObject({ length: 1006, truncated: true });
    expect(out.text).toMatch(/^\.\.[\s\S]{4}x{250}$/);
    expect(out.hex.split(' ')).toHaveLength(256);
    expect(back).toMatchObject({ length: 1006, truncated: true });
    expect(back.text).toMatch(/X{250}$/);
  });

  it(`reaches a server by this machine's host name (${hostname()})`, async () => {
    const server = await start(); // 0.0.0.0, so every local address answers
    const result = await runClient(
      ['--host', hostname(), '--port', String(server.port)],
      'by name\n',
    );
    expect(result).toMatchObject({ code: 0, stdout: `${reply('BY NAME')}\n` });
  });

  it('talks IPv6 with --host ::1', async () => {
    const server = await start(['--host', '::1']);
    const result = await runClient(['--host', '::1', '--port', String(server.port)], 'six\n');
    expect(result).toMatchObject({ code: 0, stdout: `${reply('SIX')}\n` });
  });

  it('treats Exit as the end of input: later lines are not sent', async () => {
    const server = await start();
    const result = await runClient(['--port', String(server.port)], 'one\n  exit \ntwo\n');
    expect(result).toMatchObject({ code: 0, stdout: `${reply('ONE')}\n`, stderr: '' });
  });

  it('prints "No reply from HOST:PORT after N tries" for each unanswered line, carries on, and exits 1', async () => {
    const server = await start();
    const port = server.port;
    await server.stop('SIGTERM'); // nothing listens there now
    const result = await runClient(
      ['--port', String(port), '--timeout', '30', '--retries', '1'],
      'a\nb\n',
    );
    const noReply = `No reply from 127.0.0.1:${port} after 2 tries`;
    expect(result).toMatchObject({ code: 1, stdout: `${noReply}\n${noReply}\n`, stderr: '' });
  });

  it('keeps every retry within --max-timeout: fifteen re-sends and more, then the reply, in seconds not minutes', async () => {
    // A server that answers from the 16th datagram on. Capped at 100 ms, the retries take two
    // seconds at most; uncapped, fifteen ceilings doubling to the default 30 s would take
    // minutes (about two on average), far past this test's budget. It answers every try from
    // the 16th, not the 16th alone: this server lives in the test's process, and a reply it
    // sends late (a busy machine) is then taken on one of the five tries left instead of
    // failing the test for its own delay.
    const server = createSocket('udp4');
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
    let received = 0;
    server.on('message', (datagram, from) => {
      received += 1;
      if (received < 16) return;
      const { id } = decodeEnvelope(datagram);
      server.send(encodeEnvelope(id, Buffer.from('AT LAST')), from.port, from.address);
    });
    server.bind(0, '127.0.0.1');
    await once(server, 'listening');
    const result = await runClient(
      [
        '--port',
        String(server.address().port),
        '--timeout',
        '100',
        '--max-timeout',
        '100',
        '--retries',
        '20',
      ],
      'at last\n',
    );
    expect(result).toMatchObject({ code: 0, stdout: `${reply('AT LAST')}\n`, stderr: '' });
    expect(received).toBeGreaterThanOrEqual(16);
  }, 60_000);

  it('refuses a line longer than one datagram before sending, and goes on with the next', async () => {
    const server = await start();
    const long = 'x'.repeat(65_502);
    const result = await runClient(
      ['--port', String(server.port)],
      `${long}\n${'y'.repeat(65_501)}\nok\n`,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'udp-client: line of 65502 bytes not sent: one datagram carries at most 65501 bytes of message\n',
    );
    expect(result.stdout).toBe(`${reply('Y'.repeat(65_501))}\n${reply('OK')}\n`);
    await server.logs.waitFor('Received message from client', { bytes: 2 + 6 });
    // Only the two lines that fit reached the server.
    expect(server.logs.find('Received message from client')).toHaveLength(2);
  });

  it('says it cannot resolve an unknown host on one line and exits 1', async () => {
    const result = await runClient(['--host', 'no-such-host.invalid'], 'x\n');
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^Could not connect to no-such-host\.invalid:12000: .+\n$/);
  });

  it('rejects a bad flag with one clear line and exit 2, sending nothing', async () => {
    expect(await runClient(['--timeout', 'soon'], 'x\n')).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'udp-client: --timeout must be an integer from 1 to 600000 (got "soon")\n',
    });
  });

  it('rejects --max-timeout 0 with one clear line and exit 2', async () => {
    expect(await runClient(['--max-timeout', '0'], 'x\n')).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'udp-client: --max-timeout must be an integer from 1 to 600000 (got "0")\n',
    });
  });
});
