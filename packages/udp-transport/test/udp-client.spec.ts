import { lookup } from 'node:dns/promises';
import { decodeEnvelope, encodeEnvelope } from '@netlab/protocol';
import {
  createUdpClient,
  createUdpServer,
  MAX_REQUEST_PAYLOAD_BYTES,
  UdpAbortError,
  UdpClosedError,
  UdpMessageTooLargeError,
  UdpTimeoutError,
  UdpUsageError,
  type UdpClient,
  type UdpServer,
} from '../src';
import { captureLogger } from './support/capture-logger';
import { openRawSocket, type Datagram, type RawSocket } from './support/raw-socket';

describe('createUdpClient', () => {
  const closables: { close(): Promise<void> }[] = [];

  afterEach(async () => {
    await Promise.all(closables.splice(0).map((c) => c.close()));
  });

  function track<T extends { close(): Promise<void> }>(thing: T): T {
    closables.push(thing);
    return thing;
  }

  async function uppercaseServer(host = '127.0.0.1'): Promise<{ server: UdpServer; port: number }> {
    const server = track(
      createUdpServer({
        handler: (payload) => Buffer.from(payload.toString('utf8').toUpperCase()),
      }),
    );
    const { port } = await server.listen({ host, port: 0 });
    return { server, port };
  }

  /** A server under the test's control: it answers only when told. */
  async function fakeServer(): Promise<
    RawSocket & { reply(to: Datagram, text: string, id?: number): Promise<void> }
  > {
    const raw = track(await openRawSocket());
    return Object.assign(raw, {
      reply: (to: Datagram, text: string, id = decodeEnvelope(to.data).id) =>
        raw.send(encodeEnvelope(id, Buffer.from(text)), to.rinfo.port, to.rinfo.address),
    });
  }

  function client(
    port: number,
    host = '127.0.0.1',
  ): UdpClient & { logger: ReturnType<typeof captureLogger> } {
    const logger = captureLogger();
    return Object.assign(track(createUdpClient({ host, port, logger })), { logger });
  }

  it('resolves with the reply to its request', async () => {
    const { port } = await uppercaseServer();
    await expect(client(port).request('hello')).resolves.toEqual(Buffer.from('HELLO'));
  });

  it('gives each of many concurrent requests its own reply, whatever the reply order', async () => {
    const fake = await fakeServer();
    const c = client(fake.port);
    const texts = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const replies = Promise.all(texts.map((text) => c.request(text)));
    const requests = await Promise.all(texts.map(() => fake.next()));
    for (const request of requests.reverse()) {
      await fake.reply(request, decodeEnvelope(request.data).payload.toString().toUpperCase());
    }
    expect((await replies).map(String)).toEqual(texts.map((t) => t.toUpperCase()));
  });

  it('rejects with UdpTimeoutError after 1 + retries tries, doubling the wait each time', async () => {
    const fake = await fakeServer();
    const started = performance.now();
    const failure = client(fake.port).request('anyone?', { timeout: 40, retries: 3 });
    await expect(failure).rejects.toBeInstanceOf(UdpTimeoutError);
    await expect(failure).rejects.toMatchObject({
      code: 'UDP_TIMEOUT',
      tries: 4,
      host: '127.0.0.1',
      port: fake.port,
      message: `No reply from 127.0.0.1:${fake.port} after 4 tries`,
    });
    const elapsed = performance.now() - started;
    expect(fake.received).toHaveLength(4);
    const ids = fake.received.map((d) => decodeEnvelope(d.data).id);
    expect(new Set(ids).size).toBe(1); // a retry is the same request
    const gaps = fake.received.slice(1).map((d, i) => d.at - fake.received[i].at);
    // 40, 80, 160 ms; timers never fire early, the event loop may make them late.
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(40 * 2 ** i - 5));
    expect(gaps[2]).toBeGreaterThan(gaps[0] * 2);
    expect(elapsed).toBeGreaterThanOrEqual(40 + 80 + 160 + 320 - 5);
  });

  it('retries until the server answers', async () => {
    const fake = await fakeServer();
    const reply = client(fake.port).request('third time lucky', { timeout: 20, retries: 5 });
    await fake.next();
    await fake.next();
    await fake.reply(await fake.next(), 'ANSWERED');
    await expect(reply).resolves.toEqual(Buffer.from('ANSWERED'));
    expect(fake.received).toHaveLength(3);
  });

  it('discards a late reply to an earlier request instead of taking it as the current one', async () => {
    const fake = await fakeServer();
    const c = client(fake.port);
    await expect(c.request('first', { timeout: 20, retries: 0 })).rejects.toBeInstanceOf(
      UdpTimeoutError,
    );
    const first = fake.received[0];
    const second = c.request('second', { timeout: 5000, retries: 0 });
    const secondRequest = await fake.next().then(() => fake.next());
    await fake.reply(first, 'FIRST (late)');
    await fake.reply(secondRequest, 'SECOND');
    await expect(second).resolves.toEqual(Buffer.from('SECOND'));
    expect(c.logger.messages('debug')).toContain('Discarded stale or duplicate reply');
  });

  it('discards duplicated replies', async () => {
    const fake = await fakeServer();
    const c = client(fake.port);
    const one = c.request('one');
    const oneRequest = await fake.next();
    await fake.reply(oneRequest, 'ONE');
    await fake.reply(oneRequest, 'ONE');
    await expect(one).resolves.toEqual(Buffer.from('ONE'));
    const two = c.request('two');
    await fake.reply(await fake.next(), 'TWO');
    await expect(two).resolves.toEqual(Buffer.from('TWO'));
    expect(c.logger.messages('debug')).toContain('Discarded stale or duplicate reply');
  });

  it('ignores replies without an envelope', async () => {
    const fake = await fakeServer();
    const c = client(fake.port);
    const reply = c.request('x');
    const request = await fake.next();
    await fake.send('PLAIN', request.rinfo.port);
    await fake.reply(request, 'X');
    await expect(reply).resolves.toEqual(Buffer.from('X'));
    expect(c.logger.messages('debug')).toContain('Discarded reply without envelope');
  });

  it('never accepts a reply from anyone but its server, even one with the right id', async () => {
    const fake = await fakeServer();
    const stranger = track(await openRawSocket());
    const reply = client(fake.port).request('who is there?');
    const request = await fake.next();
    // Sent before the real reply: if the kernel delivered it, the client would resolve with it.
    await stranger.send(
      encodeEnvelope(decodeEnvelope(request.data).id, Buffer.from('FORGED')),
      request.rinfo.port,
    );
    await fake.reply(request, 'GENUINE');
    await expect(reply).resolves.toEqual(Buffer.from('GENUINE'));
  });

  it('rejects with UdpAbortError when the signal fires while waiting, and sends no more tries', async () => {
    const fake = await fakeServer();
    const controller = new AbortController();
    const reply = client(fake.port).request('wait', { timeout: 10_000, signal: controller.signal });
    await fake.next();
    controller.abort();
    await expect(reply).rejects.toBeInstanceOf(UdpAbortError);
    await expect(reply).rejects.toMatchObject({ code: 'UDP_ABORTED' });
  });

  it('sends nothing for an already aborted signal', async () => {
    const fake = await fakeServer();
    const c = client(fake.port);
    await expect(c.request('no', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      UdpAbortError,
    );
    await expect(c.request('yes', { timeout: 20, retries: 0 })).rejects.toBeInstanceOf(
      UdpTimeoutError,
    );
    expect(fake.received.map((d) => decodeEnvelope(d.data).payload.toString())).toEqual(['yes']);
  });

  it(`refuses a payload over ${MAX_REQUEST_PAYLOAD_BYTES} bytes before sending, and sends one of exactly that size`, async () => {
    const { port } = await uppercaseServer();
    const c = client(port);
    const failure = c.request(Buffer.alloc(MAX_REQUEST_PAYLOAD_BYTES + 1));
    await expect(failure).rejects.toBeInstanceOf(UdpMessageTooLargeError);
    await expect(failure).rejects.toMatchObject({ bytes: 65_502, limit: 65_501 });
    const reply = await c.request(Buffer.alloc(MAX_REQUEST_PAYLOAD_BYTES, 'a'));
    expect(reply).toEqual(Buffer.alloc(MAX_REQUEST_PAYLOAD_BYTES, 'A'));
  });

  it('treats "port unreachable" from a closed port as no reply: it retries, then times out, never crashes', async () => {
    const gone = await openRawSocket();
    const port = gone.port;
    await gone.close();
    const c = client(port);
    const failure = c.request('hello?', { timeout: 20, retries: 2 });
    await expect(failure).rejects.toBeInstanceOf(UdpTimeoutError);
    await expect(failure).rejects.toMatchObject({ tries: 3 });
  });

  it('rejects pending requests with UdpClosedError on close, closes idempotently, and refuses later requests', async () => {
    const fake = await fakeServer();
    const c = client(fake.port);
    const pending = c.request('never answered', { timeout: 10_000 });
    await fake.next();
    await Promise.all([c.close(), c.close()]);
    await expect(pending).rejects.toBeInstanceOf(UdpClosedError);
    await expect(c.request('after')).rejects.toBeInstanceOf(UdpClosedError);
  });

  it('rejects misuse at once with UdpUsageError', async () => {
    expect(() => createUdpClient({ host: '127.0.0.1', port: 0 })).toThrow(UdpUsageError);
    const c = client(9);
    await expect(c.request('x', { timeout: 0 })).rejects.toBeInstanceOf(UdpUsageError);
    await expect(c.request('x', { retries: -1 })).rejects.toBeInstanceOf(UdpUsageError);
  });

  it('talks to an IPv6 server on ::1', async () => {
    const { port } = await uppercaseServer('::1');
    const c = client(port, '::1');
    await expect(c.request('six')).resolves.toEqual(Buffer.from('SIX'));
    expect(c.remote).toEqual({ address: '::1', port });
  });

  it('resolves a host name to the server it names', async () => {
    const { address } = await lookup('localhost');
    const { port } = await uppercaseServer(address);
    const c = client(port, 'localhost');
    await expect(c.request('by name')).resolves.toEqual(Buffer.from('BY NAME'));
    expect(c.remote.address).toBe(address);
  });

  it('rejects with UdpConnectError for a host name that does not resolve', async () => {
    const c = client(12000, 'no-such-host.invalid');
    await expect(c.request('x')).rejects.toMatchObject({
      code: 'UDP_CONNECT_FAILED',
      host: 'no-such-host.invalid',
    });
  });
});
