import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { LineSocket } from './line-socket';
import { onCleanup, runCleanups } from './cleanup';

afterEach(runCleanups);

/** Blocks this process, as a busy core or a long pause would: no timer, no read runs. */
function holdBusy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Nothing: the point is that the event loop cannot turn.
  }
}

async function lineServer(): Promise<{ accepted: Promise<Socket>; port: number }> {
  const server = createServer();
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const accepted = once(server, 'connection').then(([socket]) => {
    onCleanup(() => void (socket as Socket).destroy());
    return socket as Socket;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { accepted, port: (server.address() as { port: number }).port };
}

describe('LineSocket', () => {
  it('takes a reply that waited in its socket while this process was late past the timeout', async () => {
    const { accepted, port } = await lineServer();
    const client = await LineSocket.connect({ port });
    const peer = await accepted;
    const reading = client.readLine(100);
    peer.write('on time\n'); // in the kernel at once, on loopback
    holdBusy(300); // the client's timer is overdue before its socket is read
    await expect(reading).resolves.toBe('on time');
  });

  it('still times out when nothing came', async () => {
    const { accepted, port } = await lineServer();
    const client = await LineSocket.connect({ port });
    await accepted;
    await expect(client.readLine(50)).rejects.toThrow('no reply within 50 ms (0 of 1)');
  });
});
