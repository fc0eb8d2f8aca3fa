import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { backoffCeiling } from '@netlab/protocol';
import {
  TCP_CLIENT_STATUS,
  TcpClosedError,
  TcpConnectError,
  TcpConnectionLostError,
  TcpTimeoutError,
  TcpUsageError,
  connectTcp,
  type TcpClient,
  type TcpClientStatus,
  type TcpReconnectOptions,
} from '../src';
import { onCleanup, runCleanups } from './helpers';

// Generous budgets: a loaded machine may take seconds to run a reconnect through.
jest.setTimeout(30_000);

afterEach(runCleanups);

/**
 * A line server that records every line it reads and answers `ok <line>`, except lines
 * starting with `hold`, which it keeps unanswered, and lines starting with `late`, which it
 * answers only when the next line comes. `kill()` drops every connection and stops
 * listening, as a crashed server would; `listen(port)` can start it again on the same port.
 */
class RecordingServer {
  readonly lines: string[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #lineWaiters: { line: string; resolve: () => void }[] = [];

  constructor() {
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
      let buffered = '';
      let late: string | undefined;
      socket.on('data', (chunk) => {
        buffered += chunk.toString('utf8');
        let end: number;
        while ((end = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
          this.lines.push(line);
          if (late !== undefined) socket.write(`ok ${late}\n`);
          late = line.startsWith('late') ? line : undefined;
          if (!line.startsWith('hold') && late === undefined) socket.write(`ok ${line}\n`);
          this.#lineWaiters = this.#lineWaiters.filter((waiter) => {
            if (waiter.line !== line) return true;
            waiter.resolve();
            return false;
          });
        }
      });
    });
    onCleanup(() => this.kill());
  }

  async listen(port = 0): Promise<number> {
    this.#server.listen(port, '127.0.0.1');
    await once(this.#server, 'listening');
    return (this.#server.address() as { port: number }).port;
  }

  /** Resolves once `line` has been read (already, or later). */
  received(line: string): Promise<void> {
    if (this.lines.includes(line)) return Promise.resolve();
    return new Promise((resolve) => this.#lineWaiters.push({ line, resolve }));
  }

  async kill(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    if (this.#server.listening) await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** Every status the client reports, and a way to await the next one of a kind. */
class StatusLog {
  readonly seen: TcpClientStatus[] = [];
  #waiters: { type: string; count: number; resolve: () => void }[] = [];

  readonly record = (status: TcpClientStatus): void => {
    this.seen.push(status);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.#count(waiter.type) < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  };

  /** Resolves once `count` statuses of this type have been reported. */
  reached(type: TcpClientStatus['type'], count = 1): Promise<void> {
    if (this.#count(type) >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ type, count, resolve }));
  }

  types(): string[] {
    return this.seen.map((status) => status.type);
  }

  #count(type: string): number {
    return this.seen.filter((status) => status.type === type).length;
  }
}

async function reconnectingClient(
  port: number,
  reconnect: TcpReconnectOptions,
): Promise<{ client: TcpClient<string>; status: StatusLog }> {
  const status = new StatusLog();
  const client = await connectTcp(
    { host: '127.0.0.1', port },
    { reconnect, onStatus: status.record },
  );
  onCleanup(() => client.close());
  return { client, status };
}

describe('tcp client: per-request timeout', () => {
  it('rejects with TCP_TIMEOUT when no reply comes in time, and drops that reply when it comes late', async () => {
    const server = new RecordingServer();
    const port = await server.listen();
    const client = await connectTcp({ host: '127.0.0.1', port });
    onCleanup(() => client.close());
    const started = Date.now();
    const error = await client.request('late 1', { timeout: 200 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(error).toBeInstanceOf(TcpTimeoutError);
    expect(error).toMatchObject({
      code: 'TCP_TIMEOUT',
      timeoutMs: 200,
      message: `No reply from 127.0.0.1:${port} within 200 ms`,
    });
    // The connection is still good; the next reply is its own, not one meant for another line.
    expect(await client.request('next', { timeout: 30_000 })).toBe('ok next');
  });

  it('takes a reply that reached its socket while this process was late, instead of timing out', async () => {
    // The server answers at once, then this process stays busy past the request's timeout:
    // the client's timer comes due with the reply already in its socket's buffer, unread. A
    // verdict given at once would blame the server for this process's lateness.
    const server = createServer((socket) => {
      socket.once('data', () => {
        socket.write('ANSWERED\n'); // on loopback, in the client's receive buffer at once
        const busyUntil = performance.now() + 300;
        while (performance.now() < busyUntil); // six times the request's timeout
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as { port: number };
    const client = await connectTcp({ host: '127.0.0.1', port });
    onCleanup(() => client.close());
    await expect(client.request('late reader', { timeout: 50 })).resolves.toBe('ANSWERED');
  });

  it('refuses a timeout that is not a positive number with TcpUsageError', async () => {
    const server = new RecordingServer();
    const client = await connectTcp({ host: '127.0.0.1', port: await server.listen() });
    onCleanup(() => client.close());
    await expect(client.request('x', { timeout: 0 })).rejects.toBeInstanceOf(TcpUsageError);
    expect(server.lines).toEqual([]);
  });
});

describe('tcp client: frames that expect no reply', () => {
  it('sends with { reply: false } without waiting for anything; what the server says goes to replies()', async () => {
    const server = new RecordingServer();
    const client = await connectTcp({ host: '127.0.0.1', port: await server.listen() });
    onCleanup(() => client.close());
    client.send('hold quiet', { reply: false });
    client.send('spoken', { reply: false });
    expect(client.pending).toBe(0);
    const iterator = client.replies()[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: 'ok spoken', done: false });
    await client.end();
    // Nothing was owed, so the server's close is a clean end.
    await expect(client.closed()).resolves.toBeUndefined();
  });
});

describe('tcp client: reconnect', () => {
  it('is off by default: a lost connection closes the client', async () => {
    const server = new RecordingServer();
    const port = await server.listen();
    const status = new StatusLog();
    const client = await connectTcp({ host: '127.0.0.1', port }, { onStatus: status.record });
    onCleanup(() => client.close());
    await server.kill();
    await client.closed();
    expect(status.types()).toEqual(['connected']);
    await expect(client.request('late')).rejects.toBeInstanceOf(TcpClosedError);
  });

  it('comes back across a server killed and started again on the same port, replaying nothing', async () => {
    const first = new RecordingServer();
    const port = await first.listen();
    const policy = { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 1_000 };
    const { client, status } = await reconnectingClient(port, policy);
    expect(await client.request('one')).toBe('ok one');

    const inFlight = client.request('hold in flight');
    await first.received('hold in flight');
    await first.kill();
    const lost = await inFlight.catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(TcpConnectionLostError);
    expect(lost).toMatchObject({ code: 'TCP_CONNECTION_LOST', unanswered: 1 });

    // Made while the server is down: waits for the new connection, then goes out once.
    await status.reached(TCP_CLIENT_STATUS.reconnecting, 3);
    expect(client.pending).toBe(0);
    const queued = client.request('two', { timeout: 60_000 });
    expect(client.pending).toBe(1);

    const second = new RecordingServer();
    await second.listen(port);
    expect(await queued).toBe('ok two');
    await status.reached(TCP_CLIENT_STATUS.reconnected);
    expect(await client.request('three')).toBe('ok three');

    expect(first.lines).toEqual(['one', 'hold in flight']);
    expect(second.lines).toEqual(['two', 'three']);
    const types = status.types();
    expect(types[0]).toBe('connected');
    expect(types[1]).toBe('lost');
    expect(types.at(-1)).toBe('reconnected');
    expect(types.slice(2, -1).every((type) => type === 'reconnecting')).toBe(true);
    for (const change of status.seen) {
      if (change.type !== TCP_CLIENT_STATUS.reconnecting) continue;
      expect(change.delayMs).toBeGreaterThanOrEqual(0);
      expect(change.delayMs).toBeLessThanOrEqual(backoffCeiling(change.attempt, policy));
    }
    const reconnected = status.seen.at(-1);
    expect(reconnected).toEqual({ type: 'reconnected', attempt: types.length - 3 });
  });

  it('draws each wait from the random source: 0 waits nothing, 0.5 half the ceiling', async () => {
    const server = new RecordingServer();
    const port = await server.listen();
    const draws = [0, 0.5, 0.999_999];
    const { status } = await reconnectingClient(port, {
      initialDelayMs: 40,
      maxDelayMs: 80,
      maxAttempts: 3,
      random: () => draws.shift() ?? 0,
    });
    await server.kill();
    await status.reached(TCP_CLIENT_STATUS.gaveUp);
    const delays = status.seen.flatMap((change) =>
      change.type === TCP_CLIENT_STATUS.reconnecting ? [[change.attempt, change.delayMs]] : [],
    );
    // Ceilings 40, 80, 80 (the second doubling is capped at maxDelayMs).
    expect(delays).toEqual([
      [1, 0],
      [2, 40],
      [3, 80],
    ]);
  });

  describe('the backoff on a fake clock (setTimeout faked, sockets real)', () => {
    // Only the timers are faked: the connection attempts still go over loopback (and are
    // refused at once), while the test moves the clock by hand.
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

    it('makes no attempt before its wait is over: 1000, 2000, 4000, 4000 ms at the top of each window', async () => {
      const server = new RecordingServer();
      const port = await server.listen();
      const { status } = await reconnectingClient(port, {
        initialDelayMs: 1_000,
        maxDelayMs: 4_000,
        maxAttempts: 4,
        random: () => 1 - Number.EPSILON / 2,
      });
      await server.kill();
      await status.reached(TCP_CLIENT_STATUS.reconnecting, 1);
      for (const [attempt, delay] of [
        [1, 1_000],
        [2, 2_000],
        [3, 4_000],
        [4, 4_000],
      ]) {
        const latest = status.seen.at(-1);
        expect(latest).toMatchObject({ type: 'reconnecting', attempt, delayMs: delay });
        jest.advanceTimersByTime(delay - 1);
        // A refused attempt would report within a few I/O turns; none was made.
        for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
        expect(status.seen.at(-1)).toBe(latest);
        jest.advanceTimersByTime(1);
        await (attempt < 4
          ? status.reached(TCP_CLIENT_STATUS.reconnecting, attempt + 1)
          : status.reached(TCP_CLIENT_STATUS.gaveUp));
      }
      expect(status.seen.at(-1)).toMatchObject({ type: 'gave up', attempts: 4 });
    });
  });

  it('gives up after maxAttempts: reports it, refuses what waited, and closed() gives the last connect error', async () => {
    const server = new RecordingServer();
    const port = await server.listen();
    const { client, status } = await reconnectingClient(port, {
      initialDelayMs: 10,
      maxDelayMs: 20,
      maxAttempts: 2,
    });
    await server.kill();
    await status.reached(TCP_CLIENT_STATUS.reconnecting);
    const waiting = client.request('never sent');
    const ended = await client.closed();
    expect(ended).toBeInstanceOf(TcpConnectError);
    await expect(waiting).rejects.toBeInstanceOf(TcpConnectError);
    expect(status.types()).toEqual([
      'connected',
      'lost',
      'reconnecting',
      'reconnecting',
      'gave up',
    ]);
    expect(status.seen.at(-1)).toMatchObject({ attempts: 2, error: ended });
    expect(server.lines).toEqual([]);
  });

  it('never sends a request that timed out while it waited for the connection', async () => {
    const first = new RecordingServer();
    const port = await first.listen();
    const { client, status } = await reconnectingClient(port, {
      initialDelayMs: 20,
      maxDelayMs: 100,
      maxAttempts: 1_000,
    });
    await first.kill();
    await status.reached(TCP_CLIENT_STATUS.reconnecting);
    await expect(client.request('too late', { timeout: 50 })).rejects.toBeInstanceOf(
      TcpTimeoutError,
    );
    const second = new RecordingServer();
    await second.listen(port);
    expect(await client.request('fresh', { timeout: 60_000 })).toBe('ok fresh');
    expect(second.lines).toEqual(['fresh']);
  });

  it('stops reconnecting on close(): what waited is refused with TcpClosedError, closed() is clean', async () => {
    const server = new RecordingServer();
    const port = await server.listen();
    const { client, status } = await reconnectingClient(port, {
      initialDelayMs: 1_000,
      maxDelayMs: 1_000,
      maxAttempts: 5,
    });
    await server.kill();
    await status.reached(TCP_CLIENT_STATUS.reconnecting);
    const waiting = client.request('never sent');
    await client.close();
    await expect(waiting).rejects.toBeInstanceOf(TcpClosedError);
    await expect(client.closed()).resolves.toBeUndefined();
    expect(status.types()).toEqual(['connected', 'lost', 'reconnecting']);
  });

  it('does not reconnect after end(): the server closing then is what we asked for', async () => {
    const server = new RecordingServer();
    const port = await server.listen();
    const { client, status } = await reconnectingClient(port, {});
    const reply = client.request('last');
    await client.end();
    expect(await reply).toBe('ok last');
    await expect(client.closed()).resolves.toBeUndefined();
    expect(status.types()).toEqual(['connected']);
  });

  it('refuses reconnect options out of range with TcpUsageError naming the option', async () => {
    await expect(
      connectTcp({ host: '127.0.0.1', port: 1 }, { reconnect: { maxAttempts: 0 } }),
    ).rejects.toThrow('reconnect.maxAttempts must be an integer from 1 to');
    await expect(
      connectTcp(
        { host: '127.0.0.1', port: 1 },
        { reconnect: { initialDelayMs: 500, maxDelayMs: 100 } },
      ),
    ).rejects.toBeInstanceOf(TcpUsageError);
  });
});
