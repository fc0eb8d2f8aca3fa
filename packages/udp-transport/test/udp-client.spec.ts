import { lookup } from 'node:dns/promises';
import { decodeEnvelope, encodeEnvelope, ENVELOPE_HEADER_BYTES } from '@netlab/protocol';
import {
  createUdpClient,
  createUdpServer,
  MAX_REQUEST_PAYLOAD_BYTES,
  UdpAbortError,
  UdpClosedError,
  UdpConnectError,
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
    random?: () => number,
  ): UdpClient & { logger: ReturnType<typeof captureLogger> } {
    const logger = captureLogger();
    return Object.assign(track(createUdpClient({ host, port, logger, random })), { logger });
  }

  /** The top of every jitter window: each wait is its whole ceiling, the contract's (docs/contract.md) envelope. */
  const topOfWindow = (): number => 1 - Number.EPSILON / 2; // the largest double below 1

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

  it('rejects with UdpTimeoutError after 1 + retries tries, doubling the wait each time (jitter at its top)', async () => {
    const fake = await fakeServer();
    const started = performance.now();
    const c = client(fake.port, '127.0.0.1', topOfWindow);
    const failure = c.request('anyone?', { timeout: 40, retries: 3 });
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
    // 40, 80, 160 ms between tries, by the client's clock when it sends each: a timer never
    // fires early, so a busy event loop can only make them longer (the exact schedule is
    // proven with fake timers below). Not by when they were received: this process, late on
    // a busy machine, once took two tries in one turn, 0.8 ms apart.
    const sent = c.logger.records.filter((r) => r.msg === 'Sending request').map((r) => r.at);
    expect(sent).toHaveLength(4);
    const gaps = sent.slice(1).map((at, i) => at - sent[i]);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(40 * 2 ** i - 5));
    expect(elapsed).toBeGreaterThanOrEqual(40 + 80 + 160 + 320 - 5);
  });

  describe('backoff schedule (setTimeout faked, sockets real)', () => {
    // Only the retry timers are faked: sockets, nextTick and setImmediate stay real, so the
    // datagrams still cross loopback while the test moves the clock by hand.
    beforeEach(() => {
      jest.useFakeTimers({
        doNotFake: [
          'Date',
          'hrtime',
          'nextTick',
          'performance',
          'queueMicrotask',
          'setImmediate',
          'clearImmediate',
          'setInterval',
          'clearInterval',
        ],
      });
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    /** The attempt numbers the client has sent so far (it logs each send as it makes it). */
    const attempts = (c: ReturnType<typeof client>): unknown[] =>
      c.logger.records.filter((r) => r.msg === 'Sending request').map((r) => r.fields.attempt);

    /**
     * Lets I/O callbacks and promise reactions run without moving the faked clock; a due
     * retry timer sends once the loop has read what is pending, so this lets it send too.
     */
    const settleIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

    function outcome(promise: Promise<unknown>): () => string {
      let state = 'pending';
      promise.then(
        () => (state = 'resolved'),
        (error: Error) => (state = error.name),
      );
      return () => state;
    }

    /** Advances the clock through each wait, checking no try goes out a millisecond early. */
    async function expectWaits(
      c: ReturnType<typeof client>,
      fake: RawSocket,
      request: Promise<unknown>,
      waits: number[],
    ): Promise<void> {
      const state = outcome(request);
      await fake.next(); // the first try is out and its timer armed
      for (const [index, wait] of waits.slice(0, -1).entries()) {
        const attempt = index + 2;
        jest.advanceTimersByTime(wait - 1);
        await settleIo();
        expect(attempts(c)).toHaveLength(attempt - 1);
        jest.advanceTimersByTime(1);
        await settleIo();
        expect(attempts(c)).toHaveLength(attempt);
        await fake.next();
      }
      jest.advanceTimersByTime(waits[waits.length - 1] - 1);
      await settleIo();
      expect(state()).toBe('pending');
      jest.advanceTimersByTime(1);
      await expect(request).rejects.toMatchObject({ code: 'UDP_TIMEOUT', tries: waits.length });
    }

    it('waits the whole first timeout, then a random share of a doubling ceiling: half of it for a draw of 0.5', async () => {
      const fake = await fakeServer();
      const c = client(fake.port, '127.0.0.1', () => 0.5);
      const request = c.request('anyone?', { timeout: 100, retries: 3 });
      // Ceilings 100, 200, 400, 800; the first wait is never drawn.
      await expectWaits(c, fake, request, [100, 100, 200, 400]);
    });

    it('never waits past maxTimeout, however many retries came before', async () => {
      const fake = await fakeServer();
      const c = client(fake.port, '127.0.0.1', topOfWindow);
      const request = c.request('anyone?', { timeout: 100, maxTimeout: 250, retries: 4 });
      await expectWaits(c, fake, request, [100, 200, 250, 250, 250]);
    });

    it('waits the whole first timeout even past maxTimeout, which caps the retries', async () => {
      const fake = await fakeServer();
      const c = client(fake.port, '127.0.0.1', topOfWindow);
      const request = c.request('anyone?', { timeout: 300, maxTimeout: 120, retries: 2 });
      await expectWaits(c, fake, request, [300, 120, 120]);
    });

    it('retries at once for a draw of 0: a wait of 0 ms is inside the window', async () => {
      const fake = await fakeServer();
      const c = client(fake.port, '127.0.0.1', () => 0);
      const request = c.request('anyone?', { timeout: 100, retries: 2 });
      await expectWaits(c, fake, request, [100, 1, 1]);
    });

    it('re-sends after exactly timeout, 2×timeout, 4×timeout, and gives up after 8×timeout more (jitter at its top)', async () => {
      const fake = await fakeServer();
      const c = client(fake.port, '127.0.0.1', topOfWindow);
      const request = c.request('anyone?', { timeout: 100, retries: 3 });
      const state = outcome(request);
      await fake.next(); // the first try is out and its timer armed
      for (const [wait, attempt] of [
        [100, 2],
        [200, 3],
        [400, 4],
      ]) {
        jest.advanceTimersByTime(wait - 1);
        await settleIo();
        expect(attempts(c)).toHaveLength(attempt - 1);
        jest.advanceTimersByTime(1);
        await settleIo();
        expect(attempts(c)).toEqual(Array.from({ length: attempt }, (_, i) => i + 1));
        await fake.next();
      }
      jest.advanceTimersByTime(799);
      await settleIo();
      expect(state()).toBe('pending');
      jest.advanceTimersByTime(1);
      await expect(request).rejects.toMatchObject({ code: 'UDP_TIMEOUT', tries: 4 });
      expect(fake.received).toHaveLength(4);
    });

    it("caps a wait at setTimeout's limit (2^31 - 1 ms) rather than letting it fire at once", async () => {
      // Node (and the fake clock) run a longer timer after 1 ms: uncapped, the second wait of
      // 2^31 ms would end the request almost at once.
      const fake = await fakeServer();
      const c = client(fake.port, '127.0.0.1', topOfWindow);
      const request = c.request('patience', {
        timeout: 2 ** 30,
        maxTimeout: 2 ** 40,
        retries: 1,
      });
      const state = outcome(request);
      await fake.next();
      jest.advanceTimersByTime(2 ** 30);
      await settleIo();
      expect(attempts(c)).toEqual([1, 2]);
      await fake.next();
      jest.advanceTimersByTime(2 ** 31 - 2);
      await settleIo();
      expect(state()).toBe('pending');
      jest.advanceTimersByTime(1);
      await expect(request).rejects.toBeInstanceOf(UdpTimeoutError);
    });
  });

  it('retries until the server answers', async () => {
    const fake = await fakeServer();
    const reply = client(fake.port).request('third time lucky', { timeout: 20, retries: 5 });
    await fake.next();
    await fake.next();
    await fake.reply(await fake.next(), 'ANSWERED');
    await expect(reply).resolves.toEqual(Buffer.from('ANSWERED'));
    // Three at least: with 20 ms between tries, a busy machine may let a fourth go before the
    // answer to the third is read (a Node 24 run in a clean-clone test:all sent four).
    expect(fake.received.length).toBeGreaterThanOrEqual(3);
    const sent = fake.received.map((datagram) => Buffer.from(datagram.data).toString('hex'));
    expect(new Set(sent).size).toBe(1);
  });

  it('takes a reply that reached its socket while this process was late, instead of timing out', async () => {
    // The server answers at once, then this process stays busy past the client's wait: the
    // client's timer comes due with the reply already in its socket's buffer, unread. A
    // verdict given at once would blame the server for this process's lateness.
    const fake = await fakeServer();
    fake.socket.once('message', (datagram, from) => {
      const { id } = decodeEnvelope(datagram);
      fake.socket.send(encodeEnvelope(id, Buffer.from('ANSWERED')), from.port, from.address);
      // Queued after the send's own tick (an IP address is "looked up" on the next tick):
      // the reply is on its way through loopback before the loop is held.
      process.nextTick(() => {
        const busyUntil = performance.now() + 300;
        while (performance.now() < busyUntil); // six times the client's wait
      });
    });
    const c = client(fake.port);
    await expect(c.request('late reader', { timeout: 50, retries: 0 })).resolves.toEqual(
      Buffer.from('ANSWERED'),
    );
    expect(fake.received).toHaveLength(1);
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
    const logger = captureLogger();
    const c = track(createUdpClient({ host: '127.0.0.1', port: fake.port, logger, dump: true }));
    const reply = c.request('who is there?');
    const request = await fake.next();
    // Sent to the client's own port before the real reply: if the kernel delivered it, the
    // client would resolve with it, since the id matches.
    await stranger.send(
      encodeEnvelope(decodeEnvelope(request.data).id, Buffer.from('FORGED')),
      request.rinfo.port,
    );
    await fake.reply(request, 'GENUINE');
    await expect(reply).resolves.toEqual(Buffer.from('GENUINE'));
    // The socket is connected, so the kernel dropped the forgery: the client never saw it.
    const seen = logger.records.filter(
      (r) => r.msg === 'Datagram in' && r.fields.direction === 'in',
    );
    expect(seen).toHaveLength(1);
    expect(seen[0].fields).toMatchObject({ peer: { address: '127.0.0.1', port: fake.port } });
  });

  it('rejects with UdpAbortError when the signal fires while waiting, and sends no more tries', async () => {
    const fake = await fakeServer();
    const c = client(fake.port);
    const controller = new AbortController();
    const reason = new Error('user pressed Ctrl+C');
    const reply = c.request('wait', { timeout: 20, retries: 5, signal: controller.signal });
    await fake.next();
    controller.abort(reason);
    await expect(reply).rejects.toBeInstanceOf(UdpAbortError);
    await expect(reply).rejects.toMatchObject({ code: 'UDP_ABORTED', cause: reason });
    // A later request outlives the aborted one's next retry time (20 ms) several times over;
    // had its timer survived, a retry of 'wait' would have reached the server meanwhile.
    await expect(c.request('later', { timeout: 150, retries: 0 })).rejects.toBeInstanceOf(
      UdpTimeoutError,
    );
    expect(fake.received.map((d) => decodeEnvelope(d.data).payload.toString())).toEqual([
      'wait',
      'later',
    ]);
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

  it('keeps its remaining tries through "port unreachable" and takes the reply of a server that comes up', async () => {
    const gone = await openRawSocket();
    const port = gone.port;
    await gone.close();
    const c = client(port);
    const reply = c.request('are you up yet?', { timeout: 50, retries: 6 });
    // The kernel answers the first try with ICMP port unreachable ...
    await c.logger.waitFor('No one answered yet');
    // ... then a server binds the port, and a retry reaches it.
    const server = track(
      createUdpServer({ handler: (payload) => Buffer.from(payload.toString().toUpperCase()) }),
    );
    await server.listen({ host: '127.0.0.1', port });
    await expect(reply).resolves.toEqual(Buffer.from('ARE YOU UP YET?'));
  });

  it('rejects with a typed UdpConnectError, never a crash, when the kernel refuses the destination', async () => {
    // A broadcast address without SO_BROADCAST: connect() fails with EACCES.
    const c = client(12000, '255.255.255.255');
    const failure = c.request('to everyone');
    await expect(failure).rejects.toBeInstanceOf(UdpConnectError);
    await expect(failure).rejects.toMatchObject({
      code: 'UDP_CONNECT_FAILED',
      message: 'Could not connect to 255.255.255.255:12000: permission denied',
      cause: expect.objectContaining({ code: 'EACCES' }),
    });
  });

  it('sends an empty payload as a header-only envelope and resolves with the empty reply', async () => {
    const { port } = await uppercaseServer();
    const fake = await fakeServer();
    await expect(client(port).request('')).resolves.toEqual(Buffer.alloc(0));
    // On the wire: the 6-byte header and nothing else.
    const c = client(fake.port);
    const reply = c.request(Buffer.alloc(0));
    const request = await fake.next();
    expect(request.data).toHaveLength(ENVELOPE_HEADER_BYTES);
    await fake.reply(request, '');
    await expect(reply).resolves.toEqual(Buffer.alloc(0));
  });

  it('closes without having connected, as often as it is asked', async () => {
    const c = client(12000);
    await expect(Promise.all([c.close(), c.close()])).resolves.toEqual([undefined, undefined]);
    await expect(c.connect()).rejects.toBeInstanceOf(UdpClosedError);
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
    await expect(c.request('x', { maxTimeout: 0 })).rejects.toThrow(
      'maxTimeout must be a positive number of milliseconds (got 0)',
    );
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
