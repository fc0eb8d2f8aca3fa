import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import {
  TcpAbortError,
  TcpClosedError,
  TcpConnectError,
  TcpConnectionLostError,
  connectTcp,
  type TcpClient,
} from '../src';
import { createFaultProxy } from '@netlab-tools/tcp-fault-proxy';
import { MemoryLogger, onCleanup, runCleanups, startLineServer } from './helpers';

afterEach(runCleanups);

async function connected(port: number): Promise<TcpClient<string>> {
  const client = await connectTcp({ host: '127.0.0.1', port });
  onCleanup(() => client.close());
  return client;
}

/** A server that accepts and then does exactly what the test tells it to. */
async function scriptedServer(
  onSocket: (socket: import('node:net').Socket) => void,
): Promise<number> {
  const server: Server = createServer(onSocket);
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe('tcp client: requests and replies', () => {
  it('pairs each request with its reply, in order, when many are in flight', async () => {
    const { port } = await startLineServer();
    const client = await connected(port);
    const replies = await Promise.all(
      ['Hi', 'Testing Connection', 'héllo'].map((line) => client.request(line)),
    );
    expect(replies).toEqual([
      'Your data was 2 bytes',
      'Your data was 18 bytes',
      'Your data was 6 bytes',
    ]);
    expect(client.pending).toBe(0);
  });

  it('yields the replies to send() through replies(), ending when the connection closes', async () => {
    const { port } = await startLineServer();
    const client = await connected(port);
    client.send('Hi');
    client.send('History');
    client.send('Exit');
    const replies: string[] = [];
    for await (const reply of client.replies()) replies.push(reply);
    expect(replies).toEqual(['Your data was 2 bytes', 'History: ["Hi"]', 'Disconnect']);
    await expect(client.closed()).resolves.toBeUndefined();
  });

  it('gets every reply after end() (half-close), then closes cleanly', async () => {
    const { port } = await startLineServer();
    const client = await connected(port);
    const replies = ['a', 'bb', 'ccc'].map((line) => client.request(line));
    await client.end();
    expect(await Promise.all(replies)).toEqual([
      'Your data was 1 bytes',
      'Your data was 2 bytes',
      'Your data was 3 bytes',
    ]);
    await expect(client.closed()).resolves.toBeUndefined();
  });

  it('works through a network that delivers a byte at a time', async () => {
    const { port } = await startLineServer();
    const proxy = createFaultProxy({
      target: { host: '127.0.0.1', port },
      upstream: { splitBytes: 1 },
      downstream: { splitBytes: 1 },
    });
    onCleanup(() => proxy.close());
    const client = await connected((await proxy.listen()).port);
    expect(await client.request('Testing Connection')).toBe('Your data was 18 bytes');
  });

  it('receives a History reply far longer than a request line may be', async () => {
    const { port } = await startLineServer({
      limits: { maxLineBytes: 65_536 },
      historyMaxBytes: 2_000_000,
    });
    const client = await connected(port);
    const message = 'q'.repeat(65_000);
    for (let i = 0; i < 20; i++) client.send(message);
    const history = await client.request('History');
    expect(history).toHaveLength('History: []'.length + 20 * (65_000 + 3) - 1);
  });

  it('refuses send() after end() with TcpClosedError', async () => {
    const { port } = await startLineServer();
    const client = await connected(port);
    const ending = client.end();
    expect(() => client.send('late')).toThrow(TcpClosedError);
    await expect(client.request('late')).rejects.toBeInstanceOf(TcpClosedError);
    await ending;
  });

  it('rejects an aborted request and drops its reply when it comes', async () => {
    const { port } = await startLineServer();
    const client = await connected(port);
    const controller = new AbortController();
    const first = client.request('first', { signal: controller.signal });
    controller.abort();
    await expect(first).rejects.toBeInstanceOf(TcpAbortError);
    expect(await client.request('second!')).toBe('Your data was 7 bytes');
  });
});

describe('tcp client: dump', () => {
  it('logs each frame out and in at debug level with the peer as an address and port, as the server does', async () => {
    const { port } = await startLineServer();
    const logger = new MemoryLogger('debug');
    const client = await connectTcp({ host: 'localhost', port }, { logger, dump: true });
    onCleanup(() => client.close());
    await client.request('Hi');
    // The address the socket reached, not the name it was given.
    const peer = { address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/), port };
    expect(logger.find('Frame out')).toEqual([
      expect.objectContaining({ direction: 'out', peer, length: 3, text: 'Hi.', hex: '48 69 0a' }),
    ]);
    expect(logger.find('Frame in')).toEqual([
      expect.objectContaining({
        direction: 'in',
        peer,
        length: 22,
        text: 'Your data was 2 bytes.',
        truncated: false,
      }),
    ]);
  });
});

describe('tcp client: failures', () => {
  it('rejects with "Could not connect to 127.0.0.1:PORT: connection refused" when nothing listens', async () => {
    const port = await scriptedServer(() => undefined);
    // Find a port nobody listens on: the one we just had, once closed.
    await runCleanups();
    const error = await connectTcp({ host: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TcpConnectError);
    expect(error).toMatchObject({
      code: 'TCP_CONNECT_FAILED',
      host: '127.0.0.1',
      port,
      message: `Could not connect to 127.0.0.1:${port}: connection refused`,
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
  });

  it('rejects a missing Unix socket path with TcpConnectError carrying the path', async () => {
    const error = await connectTcp({ path: '/nonexistent/netlab.sock' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TCP_CONNECT_FAILED',
      path: '/nonexistent/netlab.sock',
      message: 'Could not connect to /nonexistent/netlab.sock: no such socket file',
    });
  });

  it('rejects connect with TcpAbortError when the signal has fired', async () => {
    const { port } = await startLineServer();
    await expect(
      connectTcp({ host: '127.0.0.1', port }, { signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(TcpAbortError);
  });

  it('rejects outstanding requests with TcpConnectionLostError when the server resets mid-reply', async () => {
    const port = await scriptedServer((socket) => {
      socket.once('data', () => {
        socket.write('Your data');
        socket.resetAndDestroy();
      });
    });
    const client = await connected(port);
    const reply = client.request('Hi');
    await expect(reply).rejects.toBeInstanceOf(TcpConnectionLostError);
    const error = await client.closed();
    expect(error).toMatchObject({
      code: 'TCP_CONNECTION_LOST',
      port,
      unanswered: 1,
    });
    // Whether the kernel reports the RST or, with the data not yet read, a plain end depends
    // on timing; either way the one line says the connection was lost and what is owed.
    expect(error?.message).toMatch(
      new RegExp(
        `^Connection to 127\\.0\\.0\\.1:${port} lost \\((connection reset by peer|closed by the server)\\) with 1 reply outstanding$`,
      ),
    );
  });

  it('reports a server that closes with replies owed as lost, not as a clean end', async () => {
    const port = await scriptedServer((socket) => socket.once('data', () => socket.end()));
    const client = await connected(port);
    client.send('one');
    client.send('two');
    const error = await client.closed();
    expect(error).toBeInstanceOf(TcpConnectionLostError);
    expect(error?.message).toBe(
      `Connection to 127.0.0.1:${port} lost (closed by the server) with 2 replies outstanding`,
    );
  });

  it('makes close() idempotent and rejects what was outstanding with TcpClosedError', async () => {
    const port = await scriptedServer(() => undefined);
    const client = await connected(port);
    const reply = client.request('never answered');
    await Promise.all([client.close(), client.close()]);
    await expect(reply).rejects.toBeInstanceOf(TcpClosedError);
    await expect(client.closed()).resolves.toBeUndefined();
  });
});
