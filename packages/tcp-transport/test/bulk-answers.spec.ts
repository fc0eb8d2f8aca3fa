// The bulk path of server connections: a chunk of whole plain-ASCII lines answered by the
// session's answerText in one go, when nothing watches single frames. It must answer
// exactly as the frame-by-frame path does, and step aside whenever anything needs that path.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { LineSocket } from '@netlab-tools/app-harness';
import { createSession, lineCodec, type ServiceName, type Session } from '@netlab/protocol';
import { createTcpServer, TCP_CHANNEL } from '../src';
import { MemoryLogger, onCleanup, runCleanups } from './helpers';

afterEach(runCleanups);

/** A logger at `warn`: no `Received message from client` line per message. */
class WarnLogger extends MemoryLogger {
  override isLevelEnabled(): boolean {
    return false;
  }
}

interface Counts {
  bulk: number;
  lines: number;
}

/** A server whose sessions count the chunks answered in bulk and the lines answered one by one. */
async function startCountingServer(
  service: ServiceName,
  options: { bulk?: boolean; logger?: MemoryLogger } = {},
): Promise<{ port: number; counts: Counts }> {
  const counts: Counts = { bulk: 0, lines: 0 };
  const server = createTcpServer({
    codec: lineCodec({ maxLineBytes: 100 }),
    createSession: () => {
      const session = createSession(service);
      const counted: Session = {
        handle: (line) => (counts.lines++, session.handle(line)),
      };
      if (options.bulk !== false) {
        counted.answerText = (text, max) => {
          const replies = session.answerText!(text, max);
          if (replies !== undefined) counts.bulk++;
          return replies;
        };
      }
      return counted;
    },
    errorFrame: (message) => message,
    logger: options.logger ?? new WarnLogger(),
  });
  onCleanup(() => server.close({ graceMs: 0 }));
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  return { port: (address as { port: number }).port, counts };
}

/** What a fresh connection reads, to its end, for `input` sent in one write and a half-close. */
async function exchange(port: number, input: string): Promise<string[]> {
  const client = await LineSocket.connect({ port });
  client.send(input);
  client.end();
  return client.readToEnd(30_000);
}

describe('tcp server: answering a chunk of plain-ASCII lines in bulk', () => {
  it.each<ServiceName>(['task', 'uppercase'])(
    '%s: answers a chunk of lines in one go, as the frame-by-frame path would',
    async (service) => {
      const bulk = await startCountingServer(service);
      const framewise = await startCountingServer(service, { bulk: false });
      const input = Array.from({ length: 40 }, (_, i) => `line ${i} ${'x'.repeat(i)}\n`).join('');
      const client = await LineSocket.connect({ port: bulk.port });
      client.send(input);
      const replies = await client.readLines(40, 30_000);
      // Loopback delivers a 1.7 kB write in one read: one chunk, answered in bulk.
      expect(bulk.counts).toEqual({ bulk: 1, lines: 0 });
      const reference = await LineSocket.connect({ port: framewise.port });
      reference.send(input);
      expect(replies).toEqual(await reference.readLines(40, 30_000));
    },
    60_000,
  );

  it.each<[string, string]>([
    ["'\\r\\n' line ends", 'one\r\ntwo\r\nexit\n'],
    ['bytes that are not ASCII', 'straße\nçava\nexit\n'],
    ['a command among the lines', 'one\nHistory\ntwo\n EXIT \nnever answered\n'],
    ['a line over maxLineBytes', `short\n${'y'.repeat(101)}\n`],
    ['an unfinished last line', 'one\ntwo'],
  ])(
    'gives the same answers as the frame-by-frame path for %s',
    async (_, input) => {
      for (const service of ['task', 'uppercase'] as const) {
        const bulk = await startCountingServer(service);
        const framewise = await startCountingServer(service, { bulk: false });
        expect(await exchange(bulk.port, input)).toEqual(await exchange(framewise.port, input));
      }
    },
    60_000,
  );

  it('steps aside while messages are logged at info: every message is still logged', async () => {
    const logger = new MemoryLogger();
    const { port, counts } = await startCountingServer('task', { logger });
    const client = await LineSocket.connect({ port });
    client.send('a\nb\nc\n');
    expect(await client.readLines(3, 30_000)).toHaveLength(3);
    expect(counts).toEqual({ bulk: 0, lines: 3 });
    expect(logger.find('Received message from client')).toHaveLength(3);
  }, 60_000);

  it('steps aside while anyone subscribes to netlab:tcp:message-received', async () => {
    const seen: unknown[] = [];
    const onMessage = (message: unknown) => seen.push(message);
    subscribe(TCP_CHANNEL.messageReceived, onMessage);
    onCleanup(() => unsubscribe(TCP_CHANNEL.messageReceived, onMessage));
    const { port, counts } = await startCountingServer('uppercase');
    const client = await LineSocket.connect({ port });
    client.send('a\nb\n');
    expect(await client.readLines(2, 30_000)).toEqual(['A', 'B']);
    expect(counts.bulk).toBe(0);
    expect(seen).toHaveLength(2);
  }, 60_000);
});
