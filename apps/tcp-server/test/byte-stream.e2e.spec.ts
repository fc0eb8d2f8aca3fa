import { execFileSync } from 'node:child_process';
import { createFaultProxy, type StreamFaults } from '@netlab-tools/tcp-fault-proxy';
import {
  LineSocket,
  onCleanup,
  runCleanups,
  runToEnd,
  startServer,
  type RunningServer,
} from '@netlab-tools/app-harness';

const TRANSCRIPT = 'Hi\nTesting Connection\nhéllo\nHistory\n';
const TRANSCRIPT_REPLIES = [
  'Your data was 2 bytes',
  'Your data was 18 bytes',
  'Your data was 6 bytes',
  'History: ["Hi","Testing Connection","héllo"]',
];

function start(args: string[] = []): Promise<RunningServer> {
  return startServer('tcp-server', args);
}

/** A fault proxy in front of the server, closed after the test; resolves with its port. */
async function throughProxy(
  serverPort: number,
  faults: { upstream?: StreamFaults; downstream?: StreamFaults },
): Promise<number> {
  const proxy = createFaultProxy({ target: { host: '127.0.0.1', port: serverPort }, ...faults });
  onCleanup(() => proxy.close());
  return (await proxy.listen()).port;
}

/** Whether netcat is installed here; where it is not, a raw Python socket stands in for it. */
function hasNetcat(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v nc'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Sends stdin, shuts down its sending side (as nc -N does), prints what comes back until EOF.
const PYTHON_PLAIN_CLIENT = [
  'import socket, sys',
  's = socket.create_connection(("127.0.0.1", int(sys.argv[1])))',
  's.sendall(sys.stdin.buffer.read())',
  's.shutdown(socket.SHUT_WR)',
  'while True:',
  '    data = s.recv(4096)',
  '    if not data:',
  '        break',
  '    sys.stdout.buffer.write(data)',
  's.close()',
].join('\n');

afterEach(runCleanups);

describe('tcp-server (built app): a stream of bytes, not of messages', () => {
  it('answers many lines that arrive in one write, in order', async () => {
    const server = await start();
    const client = await LineSocket.connect({ port: server.port });
    const lines = Array.from({ length: 500 }, (_, i) => `message ${i}`);
    await client.write(`${lines.join('\n')}\n`);
    expect(await client.readLines(500)).toEqual(
      lines.map((line) => `Your data was ${Buffer.byteLength(line)} bytes`),
    );
  });

  it('answers one line written a byte at a time as one message', async () => {
    const server = await start();
    const client = await LineSocket.connect({ port: server.port });
    client.socket.setNoDelay(true);
    for (const byte of Buffer.from('Testing Connection\n')) {
      await client.write(Buffer.from([byte]));
    }
    expect(await client.readLine()).toBe('Your data was 18 bytes');
    expect(await server.logs.waitFor('Received message from client')).toMatchObject({
      bytes: 18,
    });
  });

  it('answers the transcript through a proxy that splits every write into 1-byte pieces, both ways', async () => {
    const server = await start();
    const port = await throughProxy(server.port, {
      upstream: { splitBytes: 1 },
      downstream: { splitBytes: 1 },
    });
    const client = await LineSocket.connect({ port });
    await client.write(TRANSCRIPT);
    expect(await client.readLines(4)).toEqual(TRANSCRIPT_REPLIES);
  });

  it('answers the transcript through a proxy that joins separate writes into one', async () => {
    const server = await start();
    const port = await throughProxy(server.port, { upstream: { joinMs: 30 } });
    const client = await LineSocket.connect({ port });
    for (const line of TRANSCRIPT.split(/(?<=\n)/)) await client.write(line);
    expect(await client.readLines(4)).toEqual(TRANSCRIPT_REPLIES);
  });

  it('drops the \\r of a \\r\\n line end, as telnet sends them', async () => {
    const server = await start();
    const client = await LineSocket.connect({ port: server.port });
    await client.write('Hi\r\nHistory\r\n');
    expect(await client.readLines(2)).toEqual(['Your data was 2 bytes', 'History: ["Hi"]']);
  });

  it('counts invalid UTF-8 as its U+FFFD replacement text and serves on', async () => {
    const server = await start();
    const client = await LineSocket.connect({ port: server.port });
    // 0xff and 0xfe never occur in UTF-8: each becomes U+FFFD (3 bytes).
    await client.write(Buffer.from([0xff, 0xfe, 0x61, 0x0a]));
    await client.write('History\nHi\n');
    expect(await client.readLines(3)).toEqual([
      'Your data was 7 bytes',
      'History: ["\ufffd\ufffda"]',
      'Your data was 2 bytes',
    ]);
  });
});

describe('tcp-server (built app): half-close', () => {
  it('answers every line of a client that ends its sending side after the last one, then closes', async () => {
    const server = await start();
    const client = await LineSocket.connect({ port: server.port });
    await client.write(TRANSCRIPT);
    client.end();
    expect(await client.readToEnd()).toEqual(TRANSCRIPT_REPLIES);
    expect(await server.logs.waitFor('Connection closed')).toMatchObject({
      reason: 'client closed',
    });
  });

  it('answers an unfinished last line when the client ends its sending side', async () => {
    const server = await start();
    const client = await LineSocket.connect({ port: server.port });
    await client.write('Hi\nno newline');
    client.end();
    expect(await client.readToEnd()).toEqual(['Your data was 2 bytes', 'Your data was 10 bytes']);
  });

  it(`answers a plain client that half-closes after its last line (${hasNetcat() ? 'nc -N' : 'a raw Python socket, as nc is not installed'})`, async () => {
    const server = await start();
    const result = hasNetcat()
      ? await runToEnd('nc', ['-N', '127.0.0.1', String(server.port)], TRANSCRIPT)
      : await runToEnd('python3', ['-c', PYTHON_PLAIN_CLIENT, String(server.port)], TRANSCRIPT);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`${TRANSCRIPT_REPLIES.join('\n')}\n`);
  });
});

describe('tcp-server (built app): plain clients', () => {
  it('answers the textbook Python client: send a line, receive the reply, close', async () => {
    const server = await start();
    const python = [
      'from socket import *',
      'clientSocket = socket(AF_INET, SOCK_STREAM)',
      'clientSocket.settimeout(5)',
      `clientSocket.connect(("127.0.0.1", ${server.port}))`,
      'reader = clientSocket.makefile("r", encoding="utf-8", newline="\\n")',
      'for sentence in ["Hi", "Testing Connection", "héllo", "History", "Exit"]:',
      '    clientSocket.sendall((sentence + "\\n").encode())',
      '    print("From Server:", reader.readline().rstrip("\\n"))',
      'clientSocket.close()',
    ].join('\n');
    const result = await runToEnd('python3', ['-c', python]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      [
        'From Server: Your data was 2 bytes',
        'From Server: Your data was 18 bytes',
        'From Server: Your data was 6 bytes',
        'From Server: History: ["Hi","Testing Connection","héllo"]',
        'From Server: Disconnect',
        '',
      ].join('\n'),
    );
  });
});
