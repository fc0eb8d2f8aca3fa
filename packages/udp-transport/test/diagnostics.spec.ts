import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ENVELOPE_HEADER_BYTES, encodeEnvelope } from '@netlab/protocol';
import {
  createUdpServer,
  UDP_CHANNEL,
  UDP_DROP_REASON,
  type UdpDatagramAnsweredMessage,
  type UdpDatagramDroppedMessage,
  type UdpDatagramReceivedMessage,
  type UdpServer,
} from '../src';
import { handlingStarted } from '../src/diagnostics';
import { openRawSocket, type RawSocket } from './support/raw-socket';

type ChannelName = (typeof UDP_CHANNEL)[keyof typeof UDP_CHANNEL];

describe('udp-transport diagnostics channels', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function record<M>(name: ChannelName): M[] {
    const messages: M[] = [];
    const onMessage = (message: unknown): void => {
      messages.push(message as M);
    };
    subscribe(name, onMessage);
    cleanups.push(() => unsubscribe(name, onMessage));
    return messages;
  }

  async function waitForCount<M>(messages: M[], count: number): Promise<void> {
    while (messages.length < count) await new Promise((resolve) => setImmediate(resolve));
  }

  async function start(
    options: Partial<Parameters<typeof createUdpServer>[0]> = {},
  ): Promise<{ server: UdpServer; port: number; client: RawSocket }> {
    const server = createUdpServer({
      handler: (payload) => {
        const text = payload.toString('utf8');
        if (text === 'throw') throw new Error('boom');
        if (text === 'silence') return undefined;
        if (text === 'grow') return Buffer.from('grown far beyond the request');
        return Buffer.from(text.toUpperCase());
      },
      ...options,
    });
    cleanups.push(() => server.close());
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    const client = await openRawSocket();
    cleanups.push(() => client.close());
    return { server, port, client };
  }

  it('publish every datagram received, and each one answered with its bytes and time', async () => {
    const received = record<UdpDatagramReceivedMessage>(UDP_CHANNEL.datagramReceived);
    const answered = record<UdpDatagramAnsweredMessage>(UDP_CHANNEL.datagramAnswered);
    const { port, client } = await start();
    await client.send('hello', port);
    expect((await client.next()).data.toString()).toBe('HELLO');
    await client.send(encodeEnvelope(7, Buffer.from('hi')), port);
    await client.next();
    await waitForCount(answered, 2);
    expect(received.map((message) => message.bytes)).toEqual([5, 2 + ENVELOPE_HEADER_BYTES]);
    expect(received[0].remote).toEqual({ address: '127.0.0.1', port: client.port });
    expect(answered.map(({ bytes, replyBytes }) => [bytes, replyBytes])).toEqual([
      [5, 5],
      [2 + ENVELOPE_HEADER_BYTES, 2 + ENVELOPE_HEADER_BYTES],
    ]);
    expect(answered[0].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('publish why a datagram got no reply: malformed, handler failed, no reply, too large, rate-limited', async () => {
    const dropped = record<UdpDatagramDroppedMessage>(UDP_CHANNEL.datagramDropped);
    const { port, client } = await start({
      rateLimit: { perSecond: 1, burst: 5, maxSources: 10 },
    });
    const malformed = encodeEnvelope(1, Buffer.from('x')).subarray(0, 5);
    for (const datagram of [malformed, 'throw', 'silence', 'grow', 'a', 'b']) {
      await client.send(datagram, port);
    }
    await waitForCount(dropped, 5);
    expect(dropped.slice(0, 5).map((message) => message.reason)).toEqual([
      UDP_DROP_REASON.malformed,
      UDP_DROP_REASON.handlerFailed,
      UDP_DROP_REASON.noReply,
      UDP_DROP_REASON.tooLarge,
      UDP_DROP_REASON.rateLimited,
    ]);
  });

  it('read no clock when nobody listens', () => {
    expect(handlingStarted()).toBe(0);
  });
});
