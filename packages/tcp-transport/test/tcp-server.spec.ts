import { LineSocket } from '@netlab-tools/app-harness';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { createTaskSession, lineCodec } from '@netlab/protocol';
import {
  createTcpServer,
  TcpAbortError,
  TcpClosedError,
  TcpListenError,
  TcpUsageError,
} from '../src';
import { MemoryLogger, onCleanup, runCleanups, startLineServer } from './helpers';

afterEach(runCleanups);

describe('tcp server: the task exchange', () => {
  it('answers "Your data was 2 bytes" for "Hi" and "Your data was 18 bytes" for "Testing Connection"', async () => {
    const { port } = await startLineServer();
    const client = await LineSocket.connect({ port });
    client.send('Hi\n');
    expect(await client.readLine()).toBe('Your data was 2 bytes');
    client.send('Testing Connection\n');
    expect(await client.readLine()).toBe('Your data was 18 bytes');
  });

  it('answers History with this connection\'s messages, and Exit with "Disconnect" and a close', async () => {
    const { port, logger } = await startLineServer();
    const client = await LineSocket.connect({ port });
    client.send('Hi\nTesting Connection\nHistory\nExit\nnot answered\n');
    expect(await client.readToEnd()).toEqual([
      'Your data was 2 bytes',
      'Your data was 18 bytes',
      'History: ["Hi","Testing Connection"]',
      'Disconnect',
    ]);
    expect((await logger.waitFor('Connection closed')).reason).toBe('exit');
  });

  it('answers many lines that arrive in one write with one write, in order', async () => {
    const codec = lineCodec();
    const encodedBatches: number[] = [];
    const server = createTcpServer({
      codec: {
        createDecoder: codec.createDecoder,
        encode: (frames) => (encodedBatches.push(frames.length), codec.encode(frames)),
      },
      // handle only: the frame-by-frame path (bulk-answers.spec.ts has the bulk one).
      createSession: () => {
        const task = createTaskSession();
        return { handle: (line: string) => task.handle(line) };
      },
    });
    onCleanup(() => server.close({ graceMs: 0 }));
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    const client = await LineSocket.connect({ port: (address as { port: number }).port });
    const lines = Array.from({ length: 50 }, (_, i) => 'x'.repeat(i));
    client.send(lines.map((line) => `${line}\n`).join(''));
    expect(await client.readLines(50)).toEqual(
      lines.map((line) => `Your data was ${line.length} bytes`),
    );
    // Loopback delivers a 1.3 kB write in one read: one read, one encode, one write.
    expect(encodedBatches).toEqual([50]);
  });

  it('gives each connection its own session', async () => {
    const { port } = await startLineServer();
    const [a, b] = await Promise.all([LineSocket.connect({ port }), LineSocket.connect({ port })]);
    a.send('from a\n');
    b.send('from b\n');
    await Promise.all([a.readLine(), b.readLine()]);
    a.send('History\n');
    b.send('History\n');
    expect(await a.readLine()).toBe('History: ["from a"]');
    expect(await b.readLine()).toBe('History: ["from b"]');
  });

  it('serves the uppercase service too', async () => {
    const { port } = await startLineServer({ service: 'uppercase' });
    const client = await LineSocket.connect({ port });
    client.send('héllo straße\r\n');
    expect(await client.readLine()).toBe('HÉLLO STRASSE');
  });
});

describe('tcp server: contract log events', () => {
  it('logs Listening at, Connection accepted, Received message from client and Connection closed', async () => {
    const { port, logger } = await startLineServer();
    expect(logger.find('Listening at')).toEqual([
      expect.objectContaining({ transport: 'tcp', address: '127.0.0.1', port }),
    ]);
    const client = await LineSocket.connect({ port });
    client.send('héllo\n');
    await client.readLine();
    client.socket.end();
    const closed = await logger.waitFor('Connection closed');
    const accepted = logger.find('Connection accepted')[0];
    expect(accepted).toMatchObject({
      connection: 1,
      local: { address: '127.0.0.1', port },
      remote: { address: '127.0.0.1', port: client.socket.localPort },
    });
    expect(logger.find('Received message from client')).toEqual([
      expect.objectContaining({ connection: 1, remote: accepted.remote, bytes: 6 }),
    ]);
    expect(closed).toMatchObject({ connection: 1, reason: 'client closed' });
  });

  it('logs each frame at debug level with direction, length, text and hex when dump is on', async () => {
    const { port, logger } = await startLineServer({
      dump: true,
      logger: new MemoryLogger('debug'),
    });
    const client = await LineSocket.connect({ port });
    client.send('Hi\n');
    await client.readLine();
    expect(logger.find('Frame in')).toEqual([
      expect.objectContaining({
        direction: 'in',
        connection: 1,
        peer: { address: '127.0.0.1', port: client.socket.localPort },
        length: 3,
        text: 'Hi.',
        hex: '48 69 0a',
      }),
    ]);
    expect(logger.find('Frame out')[0]).toMatchObject({
      direction: 'out',
      length: 22,
      text: 'Your data was 2 bytes.',
    });
  });

  it('logs Server closed once the server has shut down', async () => {
    const { server, logger } = await startLineServer();
    await server.close();
    expect(logger.find('Server closed')).toHaveLength(1);
  });
});

describe('tcp server: lifecycle', () => {
  it('resolves listen() with the port the OS picked for port 0', async () => {
    const { server, port } = await startLineServer();
    expect(port).toBeGreaterThan(0);
    expect(server.address).toEqual({ address: '127.0.0.1', port, family: 'IPv4' });
  });

  it('listens on IPv6 loopback', async () => {
    const server = createTcpServer({
      codec: lineCodec(),
      createSession: () => createTaskSession(),
    });
    onCleanup(() => server.close());
    const address = await server.listen({ host: '::1', port: 0 });
    expect(address).toMatchObject({ address: '::1', family: 'IPv6' });
  });

  it('rejects a port in use with TcpListenError carrying host, port and the cause', async () => {
    const { port } = await startLineServer();
    const second = createTcpServer({
      codec: lineCodec(),
      createSession: () => createTaskSession(),
    });
    const error = await second.listen({ host: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TcpListenError);
    expect(error).toMatchObject({
      code: 'TCP_LISTEN_FAILED',
      host: '127.0.0.1',
      port,
      message: `could not listen on 127.0.0.1:${port}: address already in use`,
      cause: expect.objectContaining({ code: 'EADDRINUSE' }),
    });
  });

  it('refuses a second listen() with TcpUsageError, and listen() after close() with TcpClosedError', async () => {
    const { server } = await startLineServer();
    await expect(server.listen({ port: 0 })).rejects.toBeInstanceOf(TcpUsageError);
    await server.close();
    await expect(server.listen({ port: 0 })).rejects.toBeInstanceOf(TcpClosedError);
  });

  it('rejects listen() with TcpAbortError when the signal has fired', async () => {
    const server = createTcpServer({
      codec: lineCodec(),
      createSession: () => createTaskSession(),
    });
    const error = await server
      .listen({ port: 0, signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TCP_ABORTED' });
    expect(error).toBeInstanceOf(TcpAbortError);
  });

  it('makes close() idempotent: every call returns the same promise', async () => {
    const { server } = await startLineServer();
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('lets a later close({ graceMs: 0 }) cut a long grace period short', async () => {
    const { server, port, logger } = await startLineServer();
    // A client that does not read never sees our FIN, so its connection would linger
    // through the whole grace period: only the cut can end it within this test's time.
    const client = await LineSocket.connect({ port }, { reading: false });
    client.send('Hi\n');
    await logger.waitFor('Received message from client');
    const graceful = server.close({ graceMs: 60_000 });
    await server.close({ graceMs: 0 });
    await graceful;
    expect(logger.find('Connection closed')[0]).toMatchObject({ reason: 'shutdown' });
    expect(logger.find('Server closed')).toHaveLength(1);
  });

  it('closes a server that never listened without error', async () => {
    const server = createTcpServer({
      codec: lineCodec(),
      createSession: () => createTaskSession(),
    });
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('rejects limits that would switch a limit off', () => {
    expect(() =>
      createTcpServer({
        codec: lineCodec(),
        createSession: () => createTaskSession(),
        limits: { maxConnections: 0 },
      }),
    ).toThrow(TcpUsageError);
  });

  it('keeps the port usable by others after close()', async () => {
    const { server, port } = await startLineServer();
    await server.close();
    const other = createServer();
    other.listen(port, '127.0.0.1');
    await once(other, 'listening');
    await new Promise((resolve) => other.close(resolve));
  });
});
