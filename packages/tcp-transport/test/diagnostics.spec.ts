import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { LineSocket } from '@netlab-tools/app-harness';
import { createSession, lineCodec } from '@netlab/protocol';
import {
  createTcpServer,
  TCP_CHANNEL,
  TCP_LIMIT,
  type TcpAnsweredInBulkMessage,
  type TcpConnectionAcceptedMessage,
  type TcpConnectionClosedMessage,
} from '../src';
import { handlingStarted } from '../src/diagnostics';
import { onCleanup, runCleanups, startLineServer } from './helpers';

type ChannelName = (typeof TCP_CHANNEL)[keyof typeof TCP_CHANNEL];

/** Every message published on `name` until the test ends. */
function record<M>(name: ChannelName): M[] {
  const messages: M[] = [];
  const onMessage = (message: unknown): void => {
    messages.push(message as M);
  };
  subscribe(name, onMessage);
  onCleanup(() => unsubscribe(name, onMessage));
  return messages;
}

/** Resolves once `messages` holds `count` of them (they arrive as the server works). */
async function waitForCount<M>(messages: M[], count: number): Promise<M[]> {
  while (messages.length < count) await new Promise((resolve) => setImmediate(resolve));
  return messages;
}

afterEach(runCleanups);

describe('tcp-transport diagnostics channels', () => {
  it('publish a connection accepted, its messages, handling, replies and its close with bytes', async () => {
    const accepted = record<TcpConnectionAcceptedMessage>(TCP_CHANNEL.connectionAccepted);
    const received = record<{ bytes: number }>(TCP_CHANNEL.messageReceived);
    const handled = record<{ durationMs: number; ok: boolean }>(TCP_CHANNEL.messageHandled);
    const sent = record<{ replies: number }>(TCP_CHANNEL.repliesSent);
    const closed = record<TcpConnectionClosedMessage>(TCP_CHANNEL.connectionClosed);
    const { port } = await startLineServer();

    const client = await LineSocket.connect({ port });
    const clientPort = client.socket.localPort;
    await client.write('Hi\nTesting Connection\n');
    expect(await client.readLines(2)).toEqual(['Your data was 2 bytes', 'Your data was 18 bytes']);
    await client.write('Exit\n');
    expect(await client.readLine()).toBe('Disconnect');
    await client.closed;

    await waitForCount(closed, 1);
    expect(accepted).toHaveLength(1);
    expect(accepted[0].connection.remote).toEqual({
      address: '127.0.0.1',
      port: clientPort,
    });
    expect(received.map((message) => message.bytes)).toEqual([2, 18, 4]);
    expect(handled).toHaveLength(3);
    for (const message of handled) {
      expect(message.ok).toBe(true);
      expect(message.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(sent.reduce((sum, message) => sum + message.replies, 0)).toBe(3);
    const replyBytes = 'Your data was 2 bytes\nYour data was 18 bytes\nDisconnect\n'.length;
    expect(closed[0]).toMatchObject({
      reason: 'exit',
      bytesRead: 'Hi\nTesting Connection\nExit\n'.length,
      bytesWritten: replyBytes,
    });
    expect(closed[0].connection.id).toBe(accepted[0].connection.id);
  });

  it('publish the limit a connection broke: max-line-bytes and max-connections', async () => {
    const breaches = record<{ kind: string }>(TCP_CHANNEL.limitBreached);
    const { port } = await startLineServer({ limits: { maxLineBytes: 8, maxConnections: 1 } });
    const first = await LineSocket.connect({ port });
    await first.write('Hi\n');
    await first.readLine();
    const refused = await LineSocket.connect({ port });
    expect(await refused.readLine()).toBe('Error: server busy');
    await first.write('far too long a line\n');
    expect(await first.readLine()).toMatch(/^Error: line too long/);
    await Promise.all([first.closed, refused.closed]);
    await waitForCount(breaches, 2);
    expect(breaches.map((message) => message.kind).sort()).toEqual(
      [TCP_LIMIT.maxConnections, TCP_LIMIT.maxLineBytes].sort(),
    );
  });

  it('time an asynchronous answer until it settles, and mark a rejected one', async () => {
    const handled = record<{ durationMs: number; ok: boolean }>(TCP_CHANNEL.messageHandled);
    const server = createTcpServer({
      codec: lineCodec(),
      createSession: () => ({
        handle: async (line: string) => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          if (line === 'fail') throw new Error('boom');
          return { reply: line };
        },
      }),
      errorFrame: (message) => message,
    });
    onCleanup(() => server.close({ graceMs: 0 }));
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    const client = await LineSocket.connect({ port: (address as { port: number }).port });
    await client.write('slow\n');
    expect(await client.readLine()).toBe('slow');
    await client.write('fail\n');
    await waitForCount(handled, 2);
    expect(handled[0].ok).toBe(true);
    // The timer may fire a little early by the performance clock; 30 ms is far from 0.
    expect(handled[0].durationMs).toBeGreaterThanOrEqual(20);
    expect(handled[1].ok).toBe(false);
  });
});

describe('tcp-transport diagnostics without subscribers', () => {
  it('read no clock and publish nothing', () => {
    // The per-message cost when nobody listens: one hasSubscribers read, no performance.now().
    expect(handlingStarted()).toBe(0);
  });
});

describe('tcp-transport diagnostics of lines answered in bulk', () => {
  /** An uppercase line server that logs nothing, so its bulk path may run. */
  async function quietUppercaseServer(): Promise<number> {
    const server = createTcpServer({
      codec: lineCodec(),
      createSession: () => createSession('uppercase'),
      errorFrame: (message) => message,
    });
    onCleanup(() => server.close({ graceMs: 0 }));
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    return (address as { port: number }).port;
  }

  it('gives per-frame subscribers every frame while nobody takes bulk passes', async () => {
    const received = record<{ bytes: number }>(TCP_CHANNEL.messageReceived);
    const client = await LineSocket.connect({ port: await quietUppercaseServer() });
    await client.write('one\ntwo\nthree\n');
    expect(await client.readLines(3)).toEqual(['ONE', 'TWO', 'THREE']);
    await waitForCount(received, 3);
    expect(received.map((message) => message.bytes)).toEqual([3, 3, 5]);
  });

  it('publishes a chunk of lines answered together once, with its counts, to a bulk subscriber', async () => {
    const received = record<{ bytes: number }>(TCP_CHANNEL.messageReceived);
    const bulk = record<TcpAnsweredInBulkMessage>(TCP_CHANNEL.answeredInBulk);
    const client = await LineSocket.connect({ port: await quietUppercaseServer() });
    await client.write('one\ntwo\nthree\n');
    expect(await client.readLines(3)).toEqual(['ONE', 'TWO', 'THREE']);
    // One chunk on loopback: normally one pass of 3; every line is counted once either way.
    await waitForCount(bulk, 1);
    const counted = () =>
      bulk.reduce((sum, message) => sum + message.messages, 0) + received.length;
    while (counted() < 3) await new Promise((resolve) => setImmediate(resolve));
    expect(counted()).toBe(3);
    expect(bulk.reduce((sum, message) => sum + message.replies, 0)).toBe(
      bulk.reduce((sum, message) => sum + message.messages, 0),
    );
    expect(bulk[0].durationMs).toBeGreaterThanOrEqual(0);
  });
});
