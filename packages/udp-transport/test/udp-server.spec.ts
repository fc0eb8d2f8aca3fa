import { decodeEnvelope, encodeEnvelope } from '@netlab/protocol';
import {
  createUdpServer,
  UdpBindError,
  UdpClosedError,
  UdpAbortError,
  type UdpHandler,
  type UdpServer,
} from '../src';
import { captureLogger } from './support/capture-logger';
import { openRawSocket, type RawSocket } from './support/raw-socket';

const upper: UdpHandler = (payload) => Buffer.from(payload.toString('utf8').toUpperCase());

describe('createUdpServer', () => {
  const servers: UdpServer[] = [];
  const sockets: RawSocket[] = [];

  afterEach(async () => {
    await Promise.all([...servers.splice(0), ...sockets.splice(0)].map((s) => s.close()));
  });

  async function start(
    handler: UdpHandler = upper,
    extra: Partial<Parameters<typeof createUdpServer>[0]> = {},
    host = '127.0.0.1',
  ) {
    const logger = captureLogger();
    const server = createUdpServer({ handler, logger, ...extra });
    servers.push(server);
    const address = await server.listen({ host, port: 0 });
    return { server, address, logger };
  }

  async function peer(address = '127.0.0.1'): Promise<RawSocket> {
    const socket = await openRawSocket(address);
    sockets.push(socket);
    return socket;
  }

  it('binds port 0 to a real port and logs "Listening at" with it', async () => {
    const { address, logger, server } = await start();
    expect(address).toEqual({ address: '127.0.0.1', port: expect.any(Number), family: 'IPv4' });
    expect(address.port).toBeGreaterThan(0);
    expect(server.address).toEqual(address);
    expect(logger.records).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'Listening at',
        fields: { transport: 'udp', address: '127.0.0.1', port: address.port },
      }),
    );
  });

  it('answers a plain datagram with a plain reply and logs the sender and byte count', async () => {
    const { address, logger } = await start();
    const client = await peer();
    await client.send('hello', address.port);
    const reply = await client.next();
    expect(reply.data.toString()).toBe('HELLO');
    expect(reply.rinfo.port).toBe(address.port);
    expect(logger.records).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'Received message from client',
        fields: { remote: { address: '127.0.0.1', port: client.port }, bytes: 5 },
      }),
    );
  });

  it('answers an enveloped datagram with an envelope carrying the same id', async () => {
    const { address } = await start();
    const client = await peer();
    await client.send(encodeEnvelope(4_000_000_001, Buffer.from('abc')), address.port);
    const reply = decodeEnvelope((await client.next()).data);
    expect(reply.id).toBe(4_000_000_001);
    expect(reply.payload.toString()).toBe('ABC');
  });

  it('answers the empty datagram with an empty datagram', async () => {
    const { address } = await start();
    const client = await peer();
    await client.send(Buffer.alloc(0), address.port);
    expect((await client.next()).data.length).toBe(0);
  });

  it('answers an envelope with an empty payload with a header-only envelope carrying its id', async () => {
    const { address } = await start();
    const client = await peer();
    await client.send(encodeEnvelope(9, Buffer.alloc(0)), address.port);
    expect(decodeEnvelope((await client.next()).data)).toEqual({
      version: 1,
      id: 9,
      payload: Buffer.alloc(0),
    });
  });

  it('answers a full 65,507-byte datagram', async () => {
    const { address } = await start();
    const client = await peer();
    await client.send(Buffer.alloc(65_507, 'x'), address.port);
    const reply = await client.next();
    expect(reply.data.length).toBe(65_507);
    expect(reply.data.every((byte) => byte === 'X'.charCodeAt(0))).toBe(true);
  });

  it('drops a reply larger than the request, with a warning, and serves on', async () => {
    const grow: UdpHandler = (payload) =>
      payload.toString() === 'grow'
        ? Buffer.from('GROWN!')
        : upper(payload, { address: '', port: 0 });
    const { address, logger } = await start(grow);
    const client = await peer();
    await client.send('grow', address.port);
    await client.send('ok', address.port);
    expect((await client.next()).data.toString()).toBe('OK');
    expect(client.received).toHaveLength(1);
    expect(logger.messages('warn')).toContain('Dropped reply larger than request');
  });

  it('never lets the envelope make a reply larger than the request', async () => {
    const { address } = await start(() => Buffer.from('xy'));
    const client = await peer();
    await client.send(encodeEnvelope(7, Buffer.from('a')), address.port); // 7 bytes in, 8 would go out
    await client.send(encodeEnvelope(8, Buffer.from('ab')), address.port);
    expect(decodeEnvelope((await client.next()).data).id).toBe(8);
  });

  it('drops a malformed envelope with a warning instead of answering it', async () => {
    const { address, logger } = await start();
    const client = await peer();
    await client.send(Buffer.from([0xff, 0x01, 0x00]), address.port); // too short for a header
    await client.send(Buffer.from([0xff, 0x09, 0, 0, 0, 1, 0x61]), address.port); // unknown version
    await client.send('next', address.port);
    expect((await client.next()).data.toString()).toBe('NEXT');
    expect(logger.messages('warn').filter((m) => m === 'Dropped malformed envelope')).toHaveLength(
      2,
    );
  });

  it('sends nothing when the handler returns undefined, and survives a throwing handler', async () => {
    const handler: UdpHandler = (payload) => {
      const text = payload.toString();
      if (text === 'quiet') return undefined;
      if (text === 'throw') throw new Error('handler bug');
      return Buffer.from(text.toUpperCase());
    };
    const { address, logger } = await start(handler);
    const client = await peer();
    await client.send('quiet', address.port);
    await client.send('throw', address.port);
    await client.send('loud', address.port);
    expect((await client.next()).data.toString()).toBe('LOUD');
    expect(logger.messages('error')).toContain('Handler failed');
  });

  it('serves IPv6 on ::1', async () => {
    const { address } = await start(upper, {}, '::1');
    expect(address).toMatchObject({ address: '::1', family: 'IPv6' });
    const client = await peer('::1');
    await client.send('six', address.port);
    expect((await client.next()).data.toString()).toBe('SIX');
  });

  it('rejects with UdpBindError naming host, port and "address already in use"', async () => {
    const { address } = await start();
    const second = createUdpServer({ handler: upper });
    servers.push(second);
    const failure = second.listen({ host: '127.0.0.1', port: address.port });
    await expect(failure).rejects.toBeInstanceOf(UdpBindError);
    await expect(failure).rejects.toMatchObject({
      code: 'UDP_BIND_FAILED',
      host: '127.0.0.1',
      port: address.port,
      message: `could not bind 127.0.0.1:${address.port}: address already in use`,
      cause: expect.objectContaining({ code: 'EADDRINUSE' }),
    });
  });

  it('closes idempotently, logs "Server closed" once, and refuses to listen again', async () => {
    const { server, logger } = await start();
    await Promise.all([server.close(), server.close()]);
    await server.close();
    expect(logger.messages().filter((m) => m === 'Server closed')).toHaveLength(1);
    expect(server.address).toBeUndefined();
    await expect(server.listen({ port: 0 })).rejects.toBeInstanceOf(UdpClosedError);
  });

  it('closes without having listened', async () => {
    const server = createUdpServer({ handler: upper });
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('rejects listen with UdpAbortError when the signal is already aborted', async () => {
    const server = createUdpServer({ handler: upper });
    servers.push(server);
    await expect(server.listen({ port: 0, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      UdpAbortError,
    );
  });

  it('drops datagrams past the per-source rate limit and counts each source address separately', async () => {
    const { address, logger } = await start(upper, {
      rateLimit: { perSecond: 0.001, burst: 2, maxSources: 16 },
    });
    const a = await peer();
    const b = await peer('127.0.0.2'); // another source address (all of 127/8 is loopback on Linux)
    for (const text of ['a1', 'a2', 'a3']) await a.send(text, address.port);
    await b.send('b1', address.port, '127.0.0.1');
    expect((await b.next()).data.toString()).toBe('B1');
    // The server handled a3 before b1 (one socket, one queue), so the log is complete.
    expect(
      logger.messages('debug').filter((m) => m === 'Dropped datagram over rate limit'),
    ).toHaveLength(1);
    expect(
      logger.messages('info').filter((m) => m === 'Received message from client'),
    ).toHaveLength(3);
  });

  it('with dump, logs each datagram as "Datagram in" / "Datagram out" with its peer, text and hex', async () => {
    const { address, logger } = await start(upper, { dump: true });
    const client = await peer();
    await client.send('hi', address.port);
    await client.next();
    const dumps = logger.records.filter((r) => r.msg.startsWith('Datagram '));
    expect(dumps.map((r) => r.msg)).toEqual(['Datagram in', 'Datagram out']);
    expect(dumps.map((r) => r.fields)).toEqual([
      expect.objectContaining({
        direction: 'in',
        peer: { address: '127.0.0.1', port: client.port },
        length: 2,
        text: 'hi',
        hex: '68 69',
        truncated: false,
      }),
      expect.objectContaining({
        direction: 'out',
        peer: { address: '127.0.0.1', port: client.port },
        length: 2,
        text: 'HI',
        hex: '48 49',
        truncated: false,
      }),
    ]);
  });
});
