import { decodeEnvelope, encodeEnvelope } from '@netlab/protocol';
import { setTimeout as sleep } from 'node:timers/promises';
import { createUdpServer, type UdpHandler, type UdpServer, type UdpServerOptions } from '../src';
import { captureLogger } from './support/capture-logger';
import { openRawSocket, type RawSocket } from './support/raw-socket';

/** A Promise with its resolve at hand, for a handler the test releases. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('createUdpServer with asynchronous handlers', () => {
  const servers: UdpServer[] = [];
  const sockets: RawSocket[] = [];

  afterEach(async () => {
    await Promise.all([
      ...servers.splice(0).map((s) => s.close({ graceMs: 0 })),
      ...sockets.splice(0).map((s) => s.close()),
    ]);
  });

  async function start(handler: UdpHandler, extra: Partial<UdpServerOptions> = {}) {
    const logger = captureLogger();
    const server = createUdpServer({ handler, logger, ...extra });
    servers.push(server);
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    const client = await openRawSocket();
    sockets.push(client);
    return { server, port: address.port, logger, client };
  }

  it('sends the reply a handler resolves, plain to a plain datagram and enveloped to an enveloped one', async () => {
    const { port, client } = await start(async (payload) => {
      await sleep(20);
      return Buffer.from(payload.toString().toUpperCase());
    });
    await client.send('plain', port);
    expect((await client.next()).data.toString()).toBe('PLAIN');
    await client.send(encodeEnvelope(7, Buffer.from('wrapped')), port);
    const reply = decodeEnvelope((await client.next()).data);
    expect({ id: reply.id, text: reply.payload.toString() }).toEqual({ id: 7, text: 'WRAPPED' });
  });

  it('sends nothing for a rejected handler, logs "Handler failed" at warn, and serves on', async () => {
    const { port, client, logger } = await start(async (payload) => {
      if (payload.toString() === 'fail') throw new Error('store unavailable');
      return Buffer.from('ok');
    });
    await client.send('fail', port);
    const failed = await logger.waitFor('Handler failed');
    expect(failed.level).toBe('warn');
    expect((failed.fields.err as Error).message).toBe('store unavailable');
    await client.send('next', port);
    expect((await client.next()).data.toString()).toBe('ok');
    expect(client.received).toHaveLength(1);
  });

  it('drops and counts datagrams past maxInFlight awaited handlers, and answers again once they settle', async () => {
    const release = gate();
    let calls = 0;
    const { server, port, client } = await start(
      async (payload) => {
        calls++;
        await release.promise;
        return Buffer.from(payload.toString().toUpperCase());
      },
      { maxInFlight: 3 },
    );
    for (let i = 0; i < 10; i++) await client.send(`m${i}`, port);
    // The server reads every datagram: wait until all ten are handled or dropped.
    while (server.inFlight + server.dropped < 10) await sleep(5);
    expect({ calls, inFlight: server.inFlight, dropped: server.dropped }).toEqual({
      calls: 3,
      inFlight: 3,
      dropped: 7,
    });
    release.open();
    const replies = await Promise.all([client.next(), client.next(), client.next()]);
    expect(replies.map((r) => r.data.toString()).sort()).toEqual(['M0', 'M1', 'M2']);
    expect(server.inFlight).toBe(0);
    await client.send('again', port);
    expect((await client.next()).data.toString()).toBe('AGAIN');
  });

  it('waits on close() for the handlers in flight and sends their replies before closing', async () => {
    const { server, port, client, logger } = await start(async (payload) => {
      await sleep(200);
      return Buffer.from(payload.toString().toUpperCase());
    });
    await client.send('late', port);
    await logger.waitFor('Received message from client');
    const closed = server.close({ graceMs: 10_000 });
    expect((await client.next()).data.toString()).toBe('LATE');
    await closed;
    expect(logger.messages('info')).toContain('Server closed');
    expect(server.inFlight).toBe(0);
  });

  it('closes at the end of the grace a handler that never settles', async () => {
    const { server, port, client, logger } = await start(() => new Promise<never>(() => undefined));
    await client.send('forever', port);
    await logger.waitFor('Received message from client');
    await server.close({ graceMs: 100 });
    expect(logger.messages('info')).toContain('Server closed');
    expect(server.inFlight).toBe(1);
  });
});
