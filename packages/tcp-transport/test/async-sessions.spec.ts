import { LineSocket } from '@netlab-tools/app-harness';
import { lineCodec } from '@netlab/protocol';
import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTcpServer,
  type CloseReason,
  type ConnectionInfo,
  type SessionConnection,
  type SessionHandler,
  type TcpLimits,
  type TcpServer,
} from '../src';
import { MemoryLogger, onCleanup, runCleanups } from './helpers';

afterEach(runCleanups);

/** Generous for a loaded machine: a reply that is due comes long before this. */
const READ_MS = 30_000;

/** A line server over any session, on 127.0.0.1 port 0, closed after the test. */
async function startServer(
  createSession: (
    info: ConnectionInfo,
    connection: SessionConnection<string>,
  ) => SessionHandler<string>,
  options: { limits?: Partial<TcpLimits>; logger?: MemoryLogger } = {},
): Promise<{ server: TcpServer; port: number; logger: MemoryLogger }> {
  const logger = options.logger ?? new MemoryLogger();
  const server = createTcpServer({
    codec: lineCodec(),
    createSession,
    errorFrame: (message) => message,
    logger,
    limits: options.limits,
  });
  onCleanup(() => server.close({ graceMs: 0 }));
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  if ('path' in address) throw new Error('expected a TCP address');
  return { server, port: address.port, logger };
}

/** A Promise with its resolve and reject at hand, for a handler the test releases. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** `echo:<line>` after the given wait: an asynchronous session with a delay per line. */
function delayedEcho(delayOf: (line: string) => number): SessionHandler<string> {
  return {
    handle: async (line) => {
      await sleep(delayOf(line));
      return { reply: `echo:${line}` };
    },
  };
}

describe('tcp server: asynchronous sessions answer in request order', () => {
  it('writes the replies in request order when the Promises settle in reverse', async () => {
    const { port } = await startServer(() => delayedEcho((line) => 100 - Number(line) * 10));
    const client = await LineSocket.connect({ port });
    client.send('0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
    expect(await client.readLines(10, READ_MS)).toEqual(
      Array.from({ length: 10 }, (_, i) => `echo:${i}`),
    );
  });

  it('keeps a synchronous answer behind an awaited one in line', async () => {
    const { port } = await startServer(() => ({
      handle: (line) =>
        line.startsWith('slow') ? sleep(50).then(() => ({ reply: line })) : { reply: line },
    }));
    const client = await LineSocket.connect({ port });
    client.send('fast1\nslow2\nfast3\nslow4\nfast5\n');
    expect(await client.readLines(5, READ_MS)).toEqual([
      'fast1',
      'slow2',
      'fast3',
      'slow4',
      'fast5',
    ]);
  });

  it('gives every connection its replies in order, each exactly once, whatever the handler delays (property)', async () => {
    // One server for every run; each run opens its own connections and gives each of their
    // lines a random delay, so Promises settle in any order, within and across connections.
    const delays = new Map<string, number>();
    const { port } = await startServer(() => delayedEcho((line) => delays.get(line) ?? 0), {
      limits: { maxInFlight: 8 },
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 30 }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (connections) => {
          run++;
          const clients = await Promise.all(connections.map(() => LineSocket.connect({ port })));
          const expected = connections.map((lineDelays, c) =>
            lineDelays.map((delay, i) => {
              const line = `r${run}c${c}l${i}`;
              delays.set(line, delay);
              return line;
            }),
          );
          clients.forEach((client, c) => client.send(expected[c].map((l) => `${l}\n`).join('')));
          const replies = await Promise.all(
            clients.map((client, c) => client.readLines(expected[c].length, READ_MS)),
          );
          for (const client of clients) client.socket.destroy();
          replies.forEach((got, c) => expect(got).toEqual(expected[c].map((l) => `echo:${l}`)));
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});

describe('tcp server: a slow handler delays no one else', () => {
  it('answers another connection at once while one connection waits 2 s for its handler', async () => {
    let slowDone = false;
    const { port, logger } = await startServer(() => ({
      handle: async (line) => {
        if (line === 'slow') {
          await sleep(2_000);
          slowDone = true;
        }
        return { reply: `done:${line}` };
      },
    }));
    const slow = await LineSocket.connect({ port });
    const fast = await LineSocket.connect({ port });
    slow.send('slow\n');
    await logger.waitFor('Received message from client');
    fast.send('fast\n');
    expect(await fast.readLine(READ_MS)).toBe('done:fast');
    expect(slowDone).toBe(false);
    expect(await slow.readLine(READ_MS)).toBe('done:slow');
  });
});

describe('tcp server limits: maxInFlight', () => {
  it('hands at most maxInFlight frames to the session, stops reading, and answers every one in order once released', async () => {
    const waiting: { line: string; release(): void }[] = [];
    const handed = deferred<void>();
    const { port } = await startServer(
      () => ({
        handle: (line) => {
          const gate = deferred<void>();
          waiting.push({ line, release: () => gate.resolve() });
          if (waiting.length === 4) handed.resolve();
          return gate.promise.then(() => ({ reply: `ok:${line}` }));
        },
      }),
      { limits: { maxInFlight: 4 } },
    );
    const client = await LineSocket.connect({ port });
    const lines = Array.from({ length: 200 }, (_, i) => `line${i}`);
    client.send(lines.map((line) => `${line}\n`).join(''));
    await handed.promise;
    // More bytes arriving must not make the server hand over more frames.
    await client.write('more\n');
    await sleep(100);
    expect(waiting.map((w) => w.line)).toEqual(['line0', 'line1', 'line2', 'line3']);
    // Release in reverse: still answered in order, and the rest follow as slots free up.
    const released = new Set<number>();
    const releaseAll = setInterval(() => {
      for (let i = waiting.length - 1; i >= 0; i--) {
        if (!released.has(i)) {
          released.add(i);
          waiting[i].release();
        }
      }
    }, 5);
    onCleanup(() => clearInterval(releaseAll));
    expect(await client.readLines(201, READ_MS)).toEqual(
      [...lines, 'more'].map((line) => `ok:${line}`),
    );
    expect(waiting).toHaveLength(201);
  });
});

describe('tcp server: a handler that fails', () => {
  it('answers the lines before a rejected one, says "Error: internal server error", closes, logs it, and serves the others', async () => {
    const logger = new MemoryLogger();
    const { port } = await startServer(
      () => ({
        handle: async (line) => {
          await sleep(line === 'a' ? 30 : 0);
          if (line === 'boom') throw new Error('store unavailable');
          return { reply: `ok:${line}` };
        },
      }),
      { logger },
    );
    const failing = await LineSocket.connect({ port });
    const other = await LineSocket.connect({ port });
    failing.send('a\nboom\nnever answered\n');
    expect(await failing.readToEnd(READ_MS)).toEqual(['ok:a', 'Error: internal server error']);
    const failed = await logger.waitFor('Session failed');
    expect((failed.err as Error).message).toBe('store unavailable');
    expect(await logger.waitFor('Connection closed', { reason: 'reset' })).toMatchObject({
      detail: 'session error',
    });
    other.send('still here\n');
    expect(await other.readLine(READ_MS)).toBe('ok:still here');
  });

  it('treats a synchronous throw behind an awaited answer the same way, in its place', async () => {
    const { port } = await startServer(() => ({
      handle: (line) => {
        if (line === 'throw') throw new Error('bug');
        return line === 'wait' ? sleep(30).then(() => ({ reply: 'waited' })) : { reply: line };
      },
    }));
    const client = await LineSocket.connect({ port });
    client.send('wait\nthrow\nlater\n');
    expect(await client.readToEnd(READ_MS)).toEqual(['waited', 'Error: internal server error']);
  });

  it('closes a connection whose createSession throws, and serves the next one', async () => {
    let first = true;
    const logger = new MemoryLogger();
    const { port } = await startServer(
      () => {
        if (first) {
          first = false;
          throw new Error('no session for you');
        }
        return { handle: (line) => ({ reply: line }) };
      },
      { logger },
    );
    const refused = await LineSocket.connect({ port });
    expect(await refused.readToEnd(READ_MS)).toEqual(['Error: internal server error']);
    expect(logger.find('Session failed')).toHaveLength(1);
    const next = await LineSocket.connect({ port });
    next.send('hi\n');
    expect(await next.readLine(READ_MS)).toBe('hi');
  });
});

describe('tcp server: shutdown with handlers in flight', () => {
  it('waits for the answers in flight, writes them, then closes', async () => {
    const logger = new MemoryLogger();
    const { server, port } = await startServer(() => delayedEcho(() => 300), { logger });
    const client = await LineSocket.connect({ port });
    client.send('one\ntwo\n');
    await logger.waitFor('Received message from client');
    await sleep(20);
    const closed = server.close({ graceMs: 10_000 });
    expect(await client.readToEnd(READ_MS)).toEqual(['echo:one', 'echo:two']);
    await closed;
    expect((await logger.waitFor('Connection closed')).reason).toBe('shutdown');
    expect(logger.find('Server closed')).toHaveLength(1);
  });

  it('closes at the end of the grace period an answer that never comes', async () => {
    const logger = new MemoryLogger();
    const { server, port } = await startServer(
      () => ({ handle: () => new Promise<never>(() => undefined) }),
      { logger },
    );
    const client = await LineSocket.connect({ port });
    client.send('forever\n');
    await logger.waitFor('Received message from client');
    await server.close({ graceMs: 200 });
    expect(await client.readToEnd(READ_MS)).toEqual([]);
    expect((await logger.waitFor('Connection closed')).reason).toBe('shutdown');
  });
});

describe('tcp server: a session that speaks by itself (createSession(info, connection))', () => {
  it('pushes frames the client did not ask for, between the replies', async () => {
    const { port } = await startServer((info, connection) => {
      connection.send(`welcome, connection ${info.id}`);
      return {
        handle: (line) => {
          connection.send(`pushed before the reply to ${line}`);
          return { reply: `reply:${line}` };
        },
      };
    });
    const client = await LineSocket.connect({ port });
    expect(await client.readLine(READ_MS)).toMatch(/^welcome, connection \d+$/);
    client.send('x\n');
    expect(await client.readLines(2, READ_MS)).toEqual(['pushed before the reply to x', 'reply:x']);
  });

  it('ends the connection on connection.close(), reports closed, and tells the session why it closed', async () => {
    const reasons: CloseReason[] = [];
    const connections: SessionConnection<string>[] = [];
    const logger = new MemoryLogger();
    const { port } = await startServer(
      (_info, connection) => {
        connections.push(connection);
        return { handle: (line) => ({ reply: line }), closed: (reason) => reasons.push(reason) };
      },
      { logger },
    );
    const client = await LineSocket.connect({ port });
    client.send('hi\n');
    expect(await client.readLine(READ_MS)).toBe('hi');
    expect(connections[0].closed).toBe(false);
    expect(connections[0].send('bye')).toBe(true);
    connections[0].close();
    expect(connections[0].closed).toBe(true);
    expect(connections[0].send('too late')).toBe(false);
    expect(await client.readToEnd(READ_MS)).toEqual(['bye']);
    expect(await logger.waitFor('Connection closed')).toMatchObject({
      reason: 'exit',
      detail: 'session closed',
    });
    expect(reasons).toEqual(['exit']);
  });

  it('cuts off a client that does not read once pushes pass maxPendingWriteBytes, and goes on pushing to the others', async () => {
    const connections = new Map<number, SessionConnection<string>>();
    const logger = new MemoryLogger();
    const { port } = await startServer(
      (info, connection) => {
        connections.set(info.id, connection);
        return { handle: (line) => ({ reply: line }) };
      },
      { logger, limits: { maxPendingWriteBytes: 16_384, stuckWriterTimeoutMs: 60_000 } },
    );
    await LineSocket.connect({ port }, { reading: false });
    const reader = await LineSocket.connect({ port });
    await logger.waitFor('Connection accepted', { connection: 2 });
    const line = 'x'.repeat(1000);
    // Far more than the kernel's buffers hold: the deaf client must be cut off, not buffered for.
    let refused = 0;
    let received = 0;
    for (let i = 0; i < 20_000 && refused === 0; i++) {
      if (!connections.get(1)!.send(line)) refused++;
      connections.get(2)!.send(`${i}`);
      if (i % 100 === 99) {
        // Let the sockets move bytes, and the reader keep up.
        await sleep(1);
        received += (await reader.readLines(100, READ_MS)).length;
      }
    }
    expect(refused).toBe(1);
    expect(connections.get(1)!.closed).toBe(true);
    expect(await logger.waitFor('Connection closed', { connection: 1 })).toMatchObject({
      reason: 'reset',
      detail: 'slow reader',
    });
    expect(received).toBeGreaterThan(0);
    expect(connections.get(2)!.send('after')).toBe(true);
  });
});
