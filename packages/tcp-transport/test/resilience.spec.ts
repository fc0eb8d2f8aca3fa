import { LineSocket } from '@netlab-tools/app-harness';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createTaskSession, lineCodec } from '@netlab/protocol';
import { connectTcp, createTcpServer } from '../src';
import { createFaultProxy } from '@netlab-tools/tcp-fault-proxy';
import { MemoryLogger, onCleanup, runCleanups, startLineServer } from './helpers';

afterEach(runCleanups);

const TRANSCRIPT = 'Hi\nTesting Connection\nhéllo\nHistory\n';
const TRANSCRIPT_REPLIES = [
  'Your data was 2 bytes',
  'Your data was 18 bytes',
  'Your data was 6 bytes',
  'History: ["Hi","Testing Connection","héllo"]',
];

describe('tcp server: how bytes arrive does not matter', () => {
  it('answers one line sent a byte at a time, through a proxy that splits every write', async () => {
    const { port } = await startLineServer();
    const proxy = createFaultProxy({
      target: { host: '127.0.0.1', port },
      upstream: { splitBytes: 1 },
      downstream: { splitBytes: 1 },
    });
    onCleanup(() => proxy.close());
    const { port: proxyPort } = await proxy.listen();
    const client = await LineSocket.connect({ port: proxyPort });
    client.send(TRANSCRIPT);
    expect(await client.readLines(4)).toEqual(TRANSCRIPT_REPLIES);
  });

  it('answers lines coalesced into one segment by a proxy that joins writes', async () => {
    const { port } = await startLineServer();
    const proxy = createFaultProxy({
      target: { host: '127.0.0.1', port },
      upstream: { joinMs: 30 },
    });
    onCleanup(() => proxy.close());
    const { port: proxyPort } = await proxy.listen();
    const client = await LineSocket.connect({ port: proxyPort });
    for (const line of TRANSCRIPT.split(/(?<=\n)/)) client.send(line);
    expect(await client.readLines(4)).toEqual(TRANSCRIPT_REPLIES);
  });

  it('gives the same replies for the transcript split at any points', async () => {
    const { port } = await startLineServer();
    const bytes = Buffer.from(TRANSCRIPT);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 8 }),
        async (cuts) => {
          const client = await LineSocket.connect({ port });
          client.socket.setNoDelay(true);
          let from = 0;
          for (const cut of [...cuts].sort((a, b) => a - b)) {
            client.send(bytes.subarray(from, cut));
            from = cut;
            await new Promise((resolve) => setImmediate(resolve));
          }
          client.send(bytes.subarray(from));
          expect(await client.readLines(4)).toEqual(TRANSCRIPT_REPLIES);
          client.socket.destroy();
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('tcp server: awkward peers', () => {
  it('answers invalid UTF-8 with the byte count of its U+FFFD replacement text', async () => {
    const { port } = await startLineServer();
    const client = await LineSocket.connect({ port });
    // 0xff is never valid UTF-8; it decodes as U+FFFD (3 bytes), so "a\xffb" counts 5.
    client.send(Buffer.from([0x61, 0xff, 0x62, 0x0a]));
    expect(await client.readLine()).toBe('Your data was 5 bytes');
    client.send('History\n');
    expect(await client.readLine()).toBe('History: ["a\uFFFDb"]');
  });

  it('answers every line when the client closes its sending side after the last one', async () => {
    const { port, logger } = await startLineServer();
    const client = await LineSocket.connect({ port });
    client.send(TRANSCRIPT);
    client.socket.end();
    expect(await client.readToEnd()).toEqual(TRANSCRIPT_REPLIES);
    expect(await logger.waitFor('Connection closed')).toMatchObject({ reason: 'client closed' });
  });

  it('answers an unfinished last line when the client closes its sending side', async () => {
    const { port } = await startLineServer();
    const client = await LineSocket.connect({ port });
    client.send('Hi\nno newline');
    client.socket.end();
    expect(await client.readToEnd()).toEqual(['Your data was 2 bytes', 'Your data was 10 bytes']);
  });

  it('logs a client reset in the middle of a reply as reason "reset" and serves the next client', async () => {
    const { port, logger } = await startLineServer();
    const client = await LineSocket.connect({ port });
    client.send(`${'m'.repeat(60_000)}\n`.repeat(30));
    await logger.waitFor('Received message from client');
    client.send('History\n'.repeat(50));
    await logger.waitFor('Received message from client', { bytes: 7 });
    client.socket.resetAndDestroy();
    expect(await logger.waitFor('Connection closed', { connection: 1 })).toMatchObject({
      reason: 'reset',
    });
    const next = await LineSocket.connect({ port });
    next.send('Hi\n');
    expect(await next.readLine()).toBe('Your data was 2 bytes');
  });

  it('takes a reset before any data without a crash', async () => {
    const { port, logger } = await startLineServer();
    const socket = connect({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    socket.resetAndDestroy();
    expect(await logger.waitFor('Connection closed')).toMatchObject({ reason: 'reset' });
  });

  it('serves 200 concurrent clients, each with its own history', async () => {
    const { port, server, logger } = await startLineServer();
    const clients = await Promise.all(
      Array.from({ length: 200 }, () => LineSocket.connect({ port })),
    );
    await logger.waitFor('Connection accepted', { connection: 200 });
    expect(server.connections).toBe(200);
    clients.forEach((client, i) => client.send(`client ${i}\nsecond ${i}\nHistory\n`));
    const replies = await Promise.all(clients.map((client) => client.readLines(3)));
    replies.forEach((lines, i) => {
      expect(lines[2]).toBe(`History: ["client ${i}","second ${i}"]`);
    });
  });
});

describe('tcp server: Unix domain sockets', () => {
  it('listens on a socket path and answers a client that connects to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-tcp-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'server.sock');
    const logger = new MemoryLogger();
    const server = createTcpServer({
      codec: lineCodec(),
      createSession: () => createTaskSession(),
      logger,
    });
    onCleanup(() => server.close());
    expect(await server.listen({ path })).toEqual({ path });
    expect(logger.find('Listening at')[0]).toMatchObject({ transport: 'tcp', path });

    const client = await connectTcp({ path });
    onCleanup(() => client.close());
    expect(await client.request('Hi')).toBe('Your data was 2 bytes');
    expect(logger.find('Connection accepted')[0]).toMatchObject({
      local: { path },
      remote: { path: '' },
    });
  });
});
