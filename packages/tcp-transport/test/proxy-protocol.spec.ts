import { LineSocket } from '@netlab-tools/app-harness';
import { isIPv4 } from 'node:net';
import { createSession, lineCodec, PROXY_V2_SIGNATURE } from '@netlab/protocol';
import { createTcpServer, type ConnectionInfo, type TcpLimits } from '../src';
import { MemoryLogger, onCleanup, runCleanups } from './helpers';

afterEach(runCleanups);

/** A task line server on 127.0.0.1, reading PROXY headers unless told otherwise. */
async function startServer(
  options: { proxyProtocol?: boolean; limits?: Partial<TcpLimits> } = {},
): Promise<{
  port: number;
  logger: MemoryLogger;
  sessions: ConnectionInfo[];
  close(): Promise<void>;
}> {
  const logger = new MemoryLogger();
  const sessions: ConnectionInfo[] = [];
  const server = createTcpServer({
    codec: lineCodec(),
    createSession: (info) => {
      sessions.push(info);
      return createSession('task');
    },
    errorFrame: (message) => message,
    logger,
    limits: options.limits,
    proxyProtocol: options.proxyProtocol ?? true,
  });
  onCleanup(() => server.close({ graceMs: 0 }));
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  if ('path' in address) throw new Error('expected a TCP address');
  return { port: address.port, logger, sessions, close: () => server.close({ graceMs: 0 }) };
}

/** A PROXY v2 header: PROXY (or LOCAL) over TCP, IPv4 or IPv6, as HAProxy's send-proxy-v2 writes it. */
function proxyV2(
  command: 'proxy' | 'local',
  source = { address: '203.0.113.7', port: 51234 },
  destination = { address: '192.0.2.1', port: 1060 },
): Buffer {
  const v4 = isIPv4(source.address);
  const addresses = Buffer.alloc(v4 ? 12 : 36);
  const addressBytes = (address: string): number[] =>
    v4
      ? address.split('.').map(Number)
      : expandIPv6(address).flatMap((group) => [group >> 8, group & 0xff]);
  const size = v4 ? 4 : 16;
  addresses.set(addressBytes(source.address), 0);
  addresses.set(addressBytes(destination.address), size);
  addresses.writeUInt16BE(source.port, 2 * size);
  addresses.writeUInt16BE(destination.port, 2 * size + 2);
  const fixed = Buffer.alloc(4);
  fixed[0] = command === 'proxy' ? 0x21 : 0x20;
  fixed[1] = command === 'local' ? 0x00 : v4 ? 0x11 : 0x21;
  const body = command === 'local' ? Buffer.alloc(0) : addresses;
  fixed.writeUInt16BE(body.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, body]);
}

function expandIPv6(address: string): number[] {
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16));
}

describe('tcp server with proxyProtocol: the client the balancer names', () => {
  it('reads a v1 header, serves the line after it in the same packet, and logs the real client with the balancer as proxy', async () => {
    const { port, logger, sessions } = await startServer();
    const client = await LineSocket.connect({ port });
    client.send('PROXY TCP4 203.0.113.7 192.0.2.1 51234 1060\r\nHi\n');
    expect(await client.readLine()).toBe('Your data was 2 bytes');
    const accepted = await logger.waitFor('Connection accepted');
    expect(accepted).toMatchObject({
      connection: 1,
      remote: { address: '203.0.113.7', port: 51234 },
      local: { address: '127.0.0.1', port },
      proxy: { address: '127.0.0.1', port: client.socket.localPort },
    });
    expect((await logger.waitFor('Received message from client')).remote).toEqual({
      address: '203.0.113.7',
      port: 51234,
    });
    expect(sessions[0]).toEqual({
      id: 1,
      remote: { address: '203.0.113.7', port: 51234 },
      local: { address: '127.0.0.1', port },
      proxy: { address: '127.0.0.1', port: client.socket.localPort },
    });
  });

  it('waits for a header that arrives in pieces, and logs "Connection accepted" once it is whole', async () => {
    const { port, logger } = await startServer();
    const client = await LineSocket.connect({ port });
    client.send('PROXY TCP6 2001:db8::7 ');
    await new Promise((resolve) => setImmediate(resolve));
    client.send('2001:db8::1 40000 1060\r\n');
    client.send('Testing Connection\n');
    expect(await client.readLine()).toBe('Your data was 18 bytes');
    expect((await logger.waitFor('Connection accepted')).remote).toEqual({
      address: '2001:db8::7',
      port: 40000,
    });
  });

  it('reads a v2 header (IPv4) with the first lines right behind it', async () => {
    const { port, logger } = await startServer();
    const client = await LineSocket.connect({ port });
    client.send(Buffer.concat([proxyV2('proxy'), Buffer.from('Hi\nHistory\n')]));
    expect(await client.readLines(2)).toEqual(['Your data was 2 bytes', 'History: ["Hi"]']);
    expect((await logger.waitFor('Connection accepted')).remote).toEqual({
      address: '203.0.113.7',
      port: 51234,
    });
  });

  it('reads a v2 header (IPv6) and names the client as Node writes IPv6 addresses', async () => {
    const { port, logger } = await startServer();
    const client = await LineSocket.connect({ port });
    client.send(
      proxyV2(
        'proxy',
        { address: '2001:db8:0:0:0:0:0:7', port: 443 },
        { address: '2001:db8::1', port: 1060 },
      ),
    );
    client.send('Hi\n');
    expect(await client.readLine()).toBe('Your data was 2 bytes');
    expect((await logger.waitFor('Connection accepted')).remote).toEqual({
      address: '2001:db8::7',
      port: 443,
    });
  });

  it("keeps the socket's addresses for a LOCAL header (the balancer's health check), and serves it", async () => {
    const { port, logger } = await startServer();
    const client = await LineSocket.connect({ port });
    client.send(proxyV2('local'));
    client.send('Hi\n');
    expect(await client.readLine()).toBe('Your data was 2 bytes');
    const balancer = { address: '127.0.0.1', port: client.socket.localPort };
    expect(await logger.waitFor('Connection accepted')).toMatchObject({
      remote: balancer,
      proxy: balancer,
    });
  });
});

describe('tcp server with proxyProtocol: connections without a valid header', () => {
  it('closes a malformed header with a warning naming the problem, one line to the peer, and reason "reset"', async () => {
    const { port, logger, sessions } = await startServer();
    const client = await LineSocket.connect({ port });
    client.send('PROXY TCP4 999.0.0.1 192.0.2.1 51234 1060\r\nHi\n');
    expect(await client.readToEnd()).toEqual(['Error: PROXY protocol header expected']);
    expect(await logger.waitFor('PROXY header rejected')).toMatchObject({
      level: 'warn',
      connection: 1,
      peer: { address: '127.0.0.1', port: client.socket.localPort },
      problem: 'Invalid PROXY protocol header: v1 header has a bad IPv4 address',
    });
    expect(await logger.waitFor('Connection closed')).toMatchObject({
      connection: 1,
      reason: 'reset',
      detail: 'proxy header',
    });
    expect(logger.find('Connection accepted')).toEqual([]);
    expect(sessions).toEqual([]);
  });

  it('closes a plain client (no header: it sent its line first) and says what the port expects', async () => {
    const { port, logger } = await startServer();
    const client = await LineSocket.connect({ port });
    client.send('Hi\n');
    expect(await client.readToEnd()).toEqual(['Error: PROXY protocol header expected']);
    expect((await logger.waitFor('PROXY header rejected')).problem).toBe(
      'Invalid PROXY protocol header: the connection does not start with "PROXY " or the v2 signature',
    );
    expect(logger.find('Received message from client')).toEqual([]);
  });

  it('closes a connection whose header is not complete within lineDeadlineMs', async () => {
    const { port, logger } = await startServer({ limits: { lineDeadlineMs: 200 } });
    const client = await LineSocket.connect({ port });
    client.send('PROXY TCP4 203.0.113.7 ');
    expect(await client.readToEnd()).toEqual(['Error: PROXY protocol header expected']);
    expect((await logger.waitFor('PROXY header rejected')).problem).toBe(
      'no PROXY header within 200 ms',
    );
    expect((await logger.waitFor('Connection closed')).reason).toBe('reset');
  });

  it('logs a peer that leaves before its header (a TCP check without PROXY) and serves the next one', async () => {
    const { port, logger } = await startServer();
    const leaving = await LineSocket.connect({ port });
    leaving.socket.end();
    await leaving.closed;
    expect((await logger.waitFor('PROXY header rejected')).problem).toBe(
      'the connection ended before its PROXY header',
    );
    expect(await logger.waitFor('Connection closed')).toMatchObject({
      reason: 'reset',
      detail: 'proxy header',
    });
    const next = await LineSocket.connect({ port });
    next.send('PROXY TCP4 203.0.113.8 192.0.2.1 1 2\r\nHi\n');
    expect(await next.readLine()).toBe('Your data was 2 bytes');
  });

  it('drops a connection still waiting for its header at shutdown, without a warning', async () => {
    const { port, logger, close } = await startServer();
    const client = await LineSocket.connect({ port });
    client.send('PROXY ');
    // Nothing is logged before the header: give the server a moment to accept and read.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await close();
    await client.closed;
    expect(logger.find('PROXY header rejected')).toEqual([]);
    expect(logger.find('Connection closed')).toEqual([
      expect.objectContaining({ connection: 1, reason: 'shutdown' }),
    ]);
    expect(logger.entries.at(-1)).toMatchObject({ msg: 'Server closed' });
  });
});

describe('tcp server without proxyProtocol', () => {
  it('treats a PROXY line as an ordinary message, and the socket peer as the client', async () => {
    const { port, logger } = await startServer({ proxyProtocol: false });
    const client = await LineSocket.connect({ port });
    const line = 'PROXY TCP4 203.0.113.7 192.0.2.1 51234 1060';
    client.send(`${line}\r\nHi\n`);
    expect(await client.readLines(2)).toEqual([
      `Your data was ${line.length} bytes`,
      'Your data was 2 bytes',
    ]);
    const accepted = await logger.waitFor('Connection accepted');
    expect(accepted.remote).toEqual({ address: '127.0.0.1', port: client.socket.localPort });
    expect(accepted).not.toHaveProperty('proxy');
  });
});
