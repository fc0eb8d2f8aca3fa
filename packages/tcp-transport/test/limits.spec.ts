import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { LineSocket } from '@netlab-tools/app-harness';
import {
  TCP_CHANNEL,
  type TcpConnectionAcceptedMessage,
  type TcpMessageReceivedMessage,
} from '../src';
import { onCleanup, runCleanups, startLineServer } from './helpers';

afterEach(runCleanups);

// Small limits, so that every breach happens within a fraction of a second.
const SMALL = {
  maxLineBytes: 1024,
  maxConnections: 3,
  idleTimeoutMs: 300,
  lineDeadlineMs: 500,
  maxPendingWriteBytes: 64 * 1024,
  stuckWriterTimeoutMs: 300,
};

/** A client that keeps talking, to show the others' breaches do not touch it. */
async function wellBehaved(
  port: number,
): Promise<{ check(): Promise<void>; chatter(): () => Promise<void> }> {
  const client = await LineSocket.connect({ port });
  let sent = 0;
  const check = async (): Promise<void> => {
    sent++;
    client.send(`still here ${sent}\n`);
    expect(await client.readLine()).toBe(`Your data was ${`still here ${sent}`.length} bytes`);
  };
  return {
    check,
    /** A line every 100 ms (inside the 300 ms idle limit) until the returned stop() is awaited. */
    chatter() {
      let stopped = false;
      const loop = (async () => {
        while (!stopped) {
          await check();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      return async () => {
        stopped = true;
        await loop;
      };
    },
  };
}

describe('tcp server limits: line length', () => {
  it('answers the lines before an over-long one, then says "Error: line too long (limit 1024 bytes)" and closes', async () => {
    const { port, logger } = await startLineServer({ limits: SMALL });
    const good = await wellBehaved(port);
    const client = await LineSocket.connect({ port });
    client.send(`Hi\n${'x'.repeat(2000)}\nnot answered\n`);
    expect(await client.readToEnd()).toEqual([
      'Your data was 2 bytes',
      'Error: line too long (limit 1024 bytes)',
    ]);
    expect(
      await logger.waitFor('Connection closed', { connection: 2, reason: 'line too long' }),
    ).toMatchObject({ detail: 'PROTOCOL_LINE_TOO_LONG' });
    await good.check();
  });

  it('accepts a line of exactly the limit', async () => {
    const { port } = await startLineServer({ limits: SMALL });
    const client = await LineSocket.connect({ port });
    client.send(`${'x'.repeat(1024)}\r\n`);
    expect(await client.readLine()).toBe('Your data was 1024 bytes');
  });

  it('stops a line that never ends at the limit, without buffering the rest', async () => {
    const { port, logger } = await startLineServer({ limits: SMALL });
    const client = await LineSocket.connect({ port });
    client.send('y'.repeat(600));
    client.send('y'.repeat(600));
    expect(await client.readToEnd()).toEqual(['Error: line too long (limit 1024 bytes)']);
    await logger.waitFor('Connection closed', { reason: 'line too long' });
  });
});

describe('tcp server limits: idle time and the line deadline', () => {
  it('closes a silent connection after the idle time with "Error: idle timeout"', async () => {
    const { port, logger } = await startLineServer({ limits: SMALL });
    const good = await wellBehaved(port);
    const stopChatter = good.chatter();
    const client = await LineSocket.connect({ port });
    const started = Date.now();
    expect(await client.readToEnd()).toEqual(['Error: idle timeout (no data for 300 ms)']);
    await stopChatter();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await logger.waitFor('Connection closed', { connection: 2 })).toMatchObject({
      reason: 'idle timeout',
      detail: 'idle',
    });
    await good.check();
  });

  it('closes a client that trickles a line without a newline (slowloris) at the line deadline', async () => {
    const { port, logger } = await startLineServer({ limits: SMALL });
    const good = await wellBehaved(port);
    const stopChatter = good.chatter();
    const client = await LineSocket.connect({ port });
    // One byte every 50 ms keeps the idle timer from firing; only the deadline can stop it.
    const trickle = setInterval(() => client.send('z'), 50);
    onCleanup(() => clearInterval(trickle));
    const started = Date.now();
    expect(await client.readToEnd()).toEqual(['Error: line not finished within 500 ms']);
    clearInterval(trickle);
    await stopChatter();
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(await logger.waitFor('Connection closed', { connection: 2 })).toMatchObject({
      reason: 'idle timeout',
      detail: 'line deadline',
    });
    await good.check();
  });

  it('restarts the line deadline for each new line', async () => {
    const { port } = await startLineServer({
      limits: { ...SMALL, idleTimeoutMs: 10_000, lineDeadlineMs: 1_000 },
    });
    const client = await LineSocket.connect({ port });
    // Four lines, each in two halves 300 ms apart: 1.2 s in all, each line well within 1 s.
    for (let i = 0; i < 4; i++) {
      client.send('ab');
      await new Promise((resolve) => setTimeout(resolve, 300));
      client.send('cd\n');
      expect(await client.readLine()).toBe('Your data was 4 bytes');
    }
  });

  it('restarts the line deadline when one read ends a line and begins the next', async () => {
    const { port } = await startLineServer({
      limits: { ...SMALL, idleTimeoutMs: 10_000, lineDeadlineMs: 1_000 },
    });
    const client = await LineSocket.connect({ port });
    // Every read ends mid-line, so the server never holds no unfinished line; yet each line
    // takes 100 ms, and 15 of them (1.5 s) are far past one deadline.
    client.send('l0-a');
    for (let i = 0; i < 15; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      client.send(`b\nl${i + 1}-a`);
      expect(await client.readLine()).toBe(`Your data was ${i < 10 ? 5 : 6} bytes`);
    }
  });
});

describe('tcp server limits: connections', () => {
  it('tells the client past maxConnections "Error: server busy" and closes it, serving the others', async () => {
    const { port, logger, server } = await startLineServer({
      limits: { ...SMALL, idleTimeoutMs: 10_000 },
    });
    const held = await Promise.all([1, 2, 3].map(() => wellBehaved(port)));
    const flood = await Promise.all(Array.from({ length: 20 }, () => LineSocket.connect({ port })));
    for (const client of flood) expect(await client.readToEnd()).toEqual(['Error: server busy']);
    for (const client of held) await client.check();
    expect(server.connections).toBe(3);
    expect(logger.find('Connection closed', { reason: 'server busy' })).toHaveLength(20);
  });

  it('lets a new client in once a held connection closes', async () => {
    const { port, logger } = await startLineServer({ limits: { ...SMALL, maxConnections: 1 } });
    const first = await LineSocket.connect({ port });
    first.socket.end();
    await logger.waitFor('Connection closed', { connection: 1 });
    const second = await wellBehaved(port);
    await second.check();
  });
});

describe('tcp server limits: backpressure', () => {
  it('stops reading from a client that never reads, then closes it, serving the others', async () => {
    const { port, logger } = await startLineServer({
      limits: { ...SMALL, idleTimeoutMs: 10_000, maxLineBytes: 65_536 },
    });
    const good = await wellBehaved(port);
    const client = await LineSocket.connect({ port }, { reading: false });
    // 100 messages of 1000 bytes make every History reply ~100 kB: a big debt, fast.
    const message = 'm'.repeat(1000);
    client.send(`${message}\n`.repeat(100));
    const history = Buffer.from('History\n'.repeat(4096));
    // Write until the socket says stop. If the server read on and on, each write would
    // be taken; it pauses, so the kernel buffers fill and write() must return false.
    let writes = 0;
    while (client.socket.write(history)) {
      writes++;
      expect(writes).toBeLessThan(2000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await good.check();
    expect(await logger.waitFor('Connection closed', { connection: 2 })).toMatchObject({
      reason: 'idle timeout',
      detail: 'stuck writer',
    });
    await good.check();
  });

  it('answers no frame more once it has given up on a client that never reads', async () => {
    // The server-side socket of each connection, and the frames taken after it was destroyed.
    const serverSockets = new Map<number, Socket>();
    let framesAfterGivingUp = 0;
    const onAccepted = (message: unknown): void => {
      const { connection, socket } = message as TcpConnectionAcceptedMessage;
      serverSockets.set(connection.id, socket);
    };
    const onReceived = (message: unknown): void => {
      const { connection } = message as TcpMessageReceivedMessage;
      if (serverSockets.get(connection.id)?.destroyed) framesAfterGivingUp++;
    };
    subscribe(TCP_CHANNEL.connectionAccepted, onAccepted);
    subscribe(TCP_CHANNEL.messageReceived, onReceived);
    onCleanup(() => {
      unsubscribe(TCP_CHANNEL.connectionAccepted, onAccepted);
      unsubscribe(TCP_CHANNEL.messageReceived, onReceived);
    });
    const { port, logger } = await startLineServer({
      limits: { ...SMALL, idleTimeoutMs: 10_000, maxLineBytes: 65_536 },
      historyMaxBytes: 100_000,
    });
    const client = await LineSocket.connect({ port }, { reading: false });
    // A 30 kB message makes each History reply 30 kB. The server's first read takes some
    // 4,400 of the 6,000 requests, 130 MB of replies: more than the kernel holds, so most
    // are still queued when the stuck-writer limit closes the connection. (Answered after
    // that, they were written into the void: 2,001 requests of the built app's own test.)
    client.send(`${'m'.repeat(30_000)}\n${'History\n'.repeat(6000)}`);
    expect(await logger.waitFor('Connection closed', { connection: 1 })).toMatchObject({
      reason: 'idle timeout',
      detail: 'stuck writer',
    });
    const answered = logger.find('Received message from client', { connection: 1 });
    expect(answered.length).toBeGreaterThan(1);
    expect(answered.length).toBeLessThan(6001);
    expect(framesAfterGivingUp).toBe(0);
  });

  it('answers every line of a client that reads slowly, however many replies it owes', async () => {
    const { port } = await startLineServer({
      limits: { ...SMALL, maxPendingWriteBytes: 1024, stuckWriterTimeoutMs: 5000 },
    });
    const client = await LineSocket.connect({ port }, { reading: false });
    client.send('a'.repeat(500) + '\n');
    client.send('History\n'.repeat(200));
    client.socket.end();
    // Start reading only now: the server has had to pause on this client's backlog.
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.socket.resume();
    const lines = await client.readToEnd();
    expect(lines).toHaveLength(201);
    expect(lines[200]).toBe(`History: ["${'a'.repeat(500)}"]`);
  });
});

describe('tcp server limits: shutdown', () => {
  it('closes the server cleanly while a client is stuck', async () => {
    const { port, server, logger } = await startLineServer({
      limits: { ...SMALL, idleTimeoutMs: 10_000 },
    });
    const client = await LineSocket.connect({ port }, { reading: false });
    client.send('History\n'.repeat(100));
    await logger.waitFor('Received message from client');
    await server.close({ graceMs: 100 });
    client.socket.resume();
    await client.closed;
    expect(logger.find('Connection closed')[0]).toMatchObject({ reason: 'shutdown' });
  });

  it('answers every line it had read from a client behind on its replies before closing it', async () => {
    const { port, server, logger } = await startLineServer({
      limits: {
        ...SMALL,
        maxLineBytes: 65_536,
        idleTimeoutMs: 10_000,
        stuckWriterTimeoutMs: 10_000,
      },
    });
    const client = await LineSocket.connect({ port }, { reading: false });
    // 200 History replies of 60 kB each: 12 MB, more than the socket buffers take, so most
    // of the requests are still queued (read, not answered) when the stop begins.
    const message = 'a'.repeat(60_000);
    client.send(`${message}\n${'History\n'.repeat(200)}`);
    await logger.waitFor('Received message from client', { bytes: 7 });
    const closed = server.close({ graceMs: 10_000 });
    client.socket.resume();
    const lines = await client.readToEnd();
    await closed;
    expect(lines).toHaveLength(201);
    expect(new Set(lines.slice(1))).toEqual(new Set([`History: ["${message}"]`]));
    expect(logger.find('Connection closed')).toEqual([
      expect.objectContaining({ reason: 'shutdown' }),
    ]);
  });
});
