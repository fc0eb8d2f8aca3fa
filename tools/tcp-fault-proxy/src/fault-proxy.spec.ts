import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** What the server behind the proxy saw: every chunk as it arrived, and its end. */
interface Upstream {
  port: number;
  chunks: Buffer[];
  connections: Socket[];
  ended: Promise<void>;
}

/**
 * A server to proxy to. Each connection is handed to `onConnection` (default: echo every
 * chunk back, and end when the client ends); every chunk it receives is kept.
 */
async function upstreamServer(
  onConnection: (socket: Socket) => void = (socket) => socket.pipe(socket),
  listen: (server: Server) => void = (server) => server.listen(0, '127.0.0.1'),
): Promise<Upstream> {
  const chunks: Buffer[] = [];
  const connections: Socket[] = [];
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    connections.push(socket);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', resolveEnded);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  listen(server);
  await once(server, 'listening');
  cleanups.push(() => {
    for (const socket of connections) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    chunks,
    connections,
    ended,
  };
}

async function startProxy(
  options: FaultProxyOptions,
): Promise<{ proxy: FaultProxy; port: number }> {
  const proxy = createFaultProxy(options);
  cleanups.push(() => proxy.close());
  const { port } = await proxy.listen();
  return { proxy, port };
}

/** A client of the proxy that keeps every chunk it receives. */
async function client(port: number): Promise<{
  socket: Socket;
  chunks: Buffer[];
  closed: Promise<{ hadError: boolean; code: string | undefined }>;
}> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const chunks: Buffer[] = [];
  let code: string | undefined;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', (error: NodeJS.ErrnoException) => (code = error.code));
  const closed = new Promise<{ hadError: boolean; code: string | undefined }>((resolve) =>
    socket.once('close', (hadError: boolean) => resolve({ hadError, code })),
  );
  cleanups.push(() => socket.destroy());
  await once(socket, 'connect');
  return { socket, chunks, closed };
}

function write(socket: Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.write(data, (error) => (error ? reject(error) : resolve())),
  );
}

/** Resolves once `chunks` hold `bytes` bytes in all. */
async function received(chunks: Buffer[], bytes: number, socket?: Socket): Promise<Buffer> {
  while (Buffer.concat(chunks).length < bytes) {
    await new Promise((resolve) => setImmediate(resolve));
    if (socket?.destroyed) break;
  }
  return Buffer.concat(chunks);
}

describe('createFaultProxy', () => {
  it('forwards bytes both ways unchanged when no fault is set', async () => {
    const upstream = await upstreamServer();
    const { port } = await startProxy({ target: { host: '127.0.0.1', port: upstream.port } });
    const { socket, chunks } = await client(port);
    await write(socket, 'hello, proxy\n');
    expect((await received(chunks, 13)).toString()).toBe('hello, proxy\n');
  });

  it('cuts every write into pieces of splitBytes, each forwarded on its own', async () => {
    const upstream = await upstreamServer();
    const { port } = await startProxy({
      target: { host: '127.0.0.1', port: upstream.port },
      upstream: { splitBytes: 1 },
    });
    const { socket } = await client(port);
    // Until the server has accepted, the first pieces would wait in its kernel queue together.
    await write(socket, 'T');
    await received(upstream.chunks, 1);
    await write(socket, 'esting Connection\n');
    const all = await received(upstream.chunks, 19);
    expect(all.toString()).toBe('Testing Connection\n');
    // One piece at a time, each with a turn of the event loop before the next.
    expect(upstream.chunks.map((chunk) => chunk.length)).toEqual(Array(19).fill(1));
  });

  it('joins what arrives within joinMs into one write', async () => {
    const upstream = await upstreamServer();
    const { port } = await startProxy({
      target: { host: '127.0.0.1', port: upstream.port },
      upstream: { joinMs: 50 },
    });
    const { socket } = await client(port);
    for (const line of ['Hi\n', 'Testing Connection\n', 'History\n']) await write(socket, line);
    await received(upstream.chunks, 30);
    expect(upstream.chunks.map(String)).toEqual(['Hi\nTesting Connection\nHistory\n']);
  });

  it('holds each chunk for delayMs before forwarding it', async () => {
    const upstream = await upstreamServer();
    const { port } = await startProxy({
      target: { host: '127.0.0.1', port: upstream.port },
      upstream: { delayMs: 100 },
    });
    const { socket } = await client(port);
    const sent = performance.now();
    await write(socket, 'late\n');
    await received(upstream.chunks, 5);
    // A lower bound only: the delay is the fault, and timers never fire early.
    expect(performance.now() - sent).toBeGreaterThanOrEqual(99);
  });

  it('applies faults only in the direction they are given for', async () => {
    const upstream = await upstreamServer((socket) =>
      socket.once('data', () => socket.write('one reply in one write\n')),
    );
    const { port } = await startProxy({
      target: { host: '127.0.0.1', port: upstream.port },
      upstream: { splitBytes: 2 },
    });
    const { socket, chunks } = await client(port);
    await write(socket, 'go\n');
    const reply = await received(chunks, 23);
    expect(reply.toString()).toBe('one reply in one write\n');
    expect(chunks).toHaveLength(1);
  });

  it('resets the client connection after resetAfterBytes from the server', async () => {
    const upstream = await upstreamServer((socket) =>
      socket.once('data', () => socket.write('x'.repeat(100))),
    );
    const { port } = await startProxy({
      target: { host: '127.0.0.1', port: upstream.port },
      resetAfterBytes: 10,
    });
    const { socket, chunks, closed } = await client(port);
    await write(socket, 'go\n');
    await closed;
    // The kernel may drop bytes not yet read when the reset arrives; never more than 10 come.
    expect(Buffer.concat(chunks).length).toBeLessThanOrEqual(10);
    expect(Buffer.concat(chunks).toString()).toBe('x'.repeat(Buffer.concat(chunks).length));
  });

  it("forwards the client's half-close, and the server's replies after it", async () => {
    const upstream = await upstreamServer((socket) =>
      socket.on('end', () => socket.end('answered after your end\n')),
    );
    const { port } = await startProxy({ target: { host: '127.0.0.1', port: upstream.port } });
    const { socket, chunks, closed } = await client(port);
    await write(socket, 'last line\n');
    socket.end();
    await upstream.ended;
    expect(await closed).toMatchObject({ hadError: false });
    expect(Buffer.concat(chunks).toString()).toBe('answered after your end\n');
  });

  it('forwards to a Unix socket path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netlab-proxy-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const socketPath = path.join(dir, 'upstream.sock');
    await upstreamServer(undefined, (server) => server.listen(socketPath));
    const { port } = await startProxy({ target: { path: socketPath } });
    const { socket, chunks } = await client(port);
    await write(socket, 'over a path\n');
    expect((await received(chunks, 12)).toString()).toBe('over a path\n');
  });

  it('closes the client connection when the target refuses', async () => {
    const upstream = await upstreamServer();
    const refusedPort = upstream.port;
    await cleanups.pop()!(); // close the upstream server: its port now refuses
    const { port } = await startProxy({ target: { host: '127.0.0.1', port: refusedPort } });
    const { closed } = await client(port);
    await closed;
  });

  it('counts the connections it proxies, and close() destroys them all, once and for all', async () => {
    const upstream = await upstreamServer();
    const { proxy, port } = await startProxy({
      target: { host: '127.0.0.1', port: upstream.port },
    });
    const first = await client(port);
    const second = await client(port);
    await write(first.socket, 'a');
    await write(second.socket, 'b');
    await received(upstream.chunks, 2);
    expect(proxy.connections).toBe(2);
    const closing = proxy.close();
    expect(proxy.close()).toBe(closing);
    await closing;
    await Promise.all([first.closed, second.closed]);
    expect(proxy.connections).toBe(0);
  });
});
