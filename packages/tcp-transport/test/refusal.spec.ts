import { LineSocket } from '@netlab-tools/app-harness';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { onCleanup, runCleanups, startLineServer, type MemoryLogger } from './helpers';

afterEach(runCleanups);

/** A peer that reads the server's notice and end of stream, then never closes its own side. */
async function stubbornPeer(
  port: number,
  send: string | undefined,
): Promise<{ socket: Socket; received: Promise<string> }> {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.on('error', () => undefined);
  onCleanup(() => socket.destroy());
  await once(socket, 'connect');
  socket.setEncoding('utf8');
  let text = '';
  socket.on('data', (chunk: string) => (text += chunk));
  const received = once(socket, 'end').then(() => text);
  if (send !== undefined) socket.write(send);
  return { socket, received };
}

interface RefusalCase {
  name: string;
  /** A server that will refuse the next connection; `connection` is that connection's id. */
  start(): Promise<{ port: number; logger: MemoryLogger; connection: number }>;
  send: string | undefined;
  notice: string;
  closed: Record<string, unknown>;
}

const cases: RefusalCase[] = [
  {
    name: 'server busy',
    async start() {
      const { port, logger } = await startLineServer({ limits: { maxConnections: 1 } });
      await LineSocket.connect({ port });
      await logger.waitFor('Connection accepted', { connection: 1 });
      return { port, logger, connection: 2 };
    },
    send: undefined,
    notice: 'Error: server busy',
    closed: { reason: 'server busy' },
  },
  {
    name: 'no PROXY header',
    async start() {
      const { port, logger } = await startLineServer({ proxyProtocol: true });
      return { port, logger, connection: 1 };
    },
    send: 'Hi\n',
    notice: 'Error: PROXY protocol header expected',
    closed: { reason: 'reset', detail: 'proxy header' },
  },
];

describe.each(cases)('tcp server refusal ($name)', ({ start, send, notice, closed }) => {
  it('tells the peer one line, ends, and cuts a peer that never closes after the linger', async () => {
    const { port, logger, connection } = await start();
    const peer = await stubbornPeer(port, send);
    expect(await peer.received).toBe(`${notice}\n`);
    expect(await logger.waitFor('Connection closed', { connection })).toMatchObject(closed);
    // The peer never ended its side: the server closed the connection by itself.
    expect(peer.socket.writableEnded).toBe(false);
  }, 30_000);
});
