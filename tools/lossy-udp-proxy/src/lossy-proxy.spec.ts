import { createSocket, type Socket } from 'node:dgram';
import { startLossyProxy, type LossyProxy, type LossyProxyOptions } from './lossy-proxy';
import { mulberry32 } from './prng';

/** An echo server and the sockets a test opens, all closed afterwards. */
describe('lossy-udp-proxy', () => {
  const sockets: Socket[] = [];
  const proxies: LossyProxy[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await Promise.all(
      sockets.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
  });

  async function bound(): Promise<Socket & { port: number }> {
    const socket = createSocket('udp4');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return Object.assign(socket, { port: socket.address().port });
  }

  async function echoBehindProxy(options: Omit<LossyProxyOptions, 'target'>): Promise<LossyProxy> {
    const echo = await bound();
    echo.on('message', (data, rinfo) => echo.send(data, rinfo.port, rinfo.address));
    const proxy = await startLossyProxy({
      ...options,
      target: { host: '127.0.0.1', port: echo.port },
    });
    proxies.push(proxy);
    return proxy;
  }

  /** Sends `count` numbered datagrams and collects echoes until `expected` arrived. */
  async function pump(proxy: LossyProxy, count: number, expected: number): Promise<string[]> {
    const client = await bound();
    const got: string[] = [];
    const done = new Promise<void>((resolve) =>
      client.on('message', (data) => {
        got.push(data.toString());
        if (got.length === expected) resolve();
      }),
    );
    for (let i = 0; i < count; i += 1) client.send(String(i), proxy.port, '127.0.0.1');
    await done;
    return got;
  }

  it('draws the same sequence for the same seed and another for another seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('passes everything through, in order, when every rate is 0', async () => {
    const proxy = await echoBehindProxy({});
    expect(await pump(proxy, 20, 20)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('duplicates every datagram, both ways, at duplicate 1', async () => {
    const proxy = await echoBehindProxy({ duplicate: 1 });
    const got = await pump(proxy, 3, 12);
    expect(got.sort()).toEqual(['0', '0', '0', '0', '1', '1', '1', '1', '2', '2', '2', '2']);
    // 3 requests doubled on the way in, then each of the 6 echoes doubled on the way out.
    expect(proxy.stats.duplicated).toBe(9);
  });

  it('drops about the configured share of datagrams, reproducibly from the seed', async () => {
    const run = async (): Promise<number> => {
      // A sink, not an echo: only the way in is decided, 200 times.
      const sink = await bound();
      const proxy = await startLossyProxy({
        drop: 0.3,
        seed: 7,
        target: { host: '127.0.0.1', port: sink.port },
      });
      proxies.push(proxy);
      const client = await bound();
      for (let i = 0; i < 200; i += 1) client.send(String(i), proxy.port, '127.0.0.1');
      // Every datagram is either dropped on the way in or forwarded; wait until all 200 are decided.
      while (proxy.stats.dropped + proxy.stats.forwarded < 200)
        await new Promise((r) => setImmediate(r));
      return proxy.stats.dropped;
    };
    const dropped = await run();
    expect(dropped).toBeGreaterThan(40);
    expect(dropped).toBeLessThan(80);
    expect(await run()).toBe(dropped);
  });

  it('reorders: with reorder 1 each datagram is held until the next one passes', async () => {
    // A sink, not an echo: swapping on the way back as well would restore the order.
    const sink = await bound();
    const arrived: string[] = [];
    const all = new Promise<void>((resolve) =>
      sink.on('message', (data) => {
        arrived.push(data.toString());
        if (arrived.length === 4) resolve();
      }),
    );
    const proxy = await startLossyProxy({
      reorder: 1,
      target: { host: '127.0.0.1', port: sink.port },
    });
    proxies.push(proxy);
    const client = await bound();
    for (let i = 0; i < 4; i += 1) client.send(String(i), proxy.port, '127.0.0.1');
    await all;
    // The first is held, the second passes it; how the rest pair up depends on timers.
    expect(arrived.slice(0, 2)).toEqual(['1', '0']);
    expect([...arrived].sort()).toEqual(['0', '1', '2', '3']);
  });

  it('keeps one upstream per client, so each client gets its own replies', async () => {
    const proxy = await echoBehindProxy({});
    const [a, b] = [await bound(), await bound()];
    const next = (s: Socket) =>
      new Promise<string>((resolve) => s.once('message', (d) => resolve(d.toString())));
    const [fromA, fromB] = [next(a), next(b)];
    a.send('from a', proxy.port, '127.0.0.1');
    b.send('from b', proxy.port, '127.0.0.1');
    expect([await fromA, await fromB]).toEqual(['from a', 'from b']);
  });
});
