import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { TcpProbe } from './tcp-probe';
import { UdpProbe } from './udp-probe';

// The grader's waits for a reply are judged after it has read what reached its socket: a
// grader late itself (here: holding its own event loop) must not fail a server that answered.

/** Blocks this process, as a busy core or a long pause would: no timer, no read runs. */
function holdBusy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Nothing: the point is that the event loop cannot turn.
  }
}

describe("the grader's waits, in a grader that was late itself", () => {
  it('TcpProbe.read takes a line that waited in its socket past the timeout', async () => {
    const server = createServer();
    const accepted = once(server, 'connection');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const probe = await TcpProbe.connect(
      '127.0.0.1',
      (server.address() as { port: number }).port,
      5_000,
    );
    const [peer] = (await accepted) as [Socket];
    try {
      const reading = probe.read(100);
      peer.write('HELLO\n'); // in the kernel at once, on loopback
      holdBusy(300);
      expect(await reading).toEqual({ kind: 'line', text: 'HELLO' });
      expect(await probe.read(50)).toEqual({ kind: 'timeout' }); // and nothing more came
    } finally {
      probe.destroy();
      peer.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('UdpProbe.receive takes a reply that waited in its socket past the timeout', async () => {
    const server = createSocket('udp4');
    server.bind(0, '127.0.0.1');
    await once(server, 'listening');
    const probe = await UdpProbe.open('127.0.0.1', server.address().port);
    try {
      await probe.send(Buffer.from('hello'));
      const [request, from] = (await once(server, 'message')) as [Buffer, { port: number }];
      const receiving = probe.receive(100);
      server.send(request.toString().toUpperCase(), from.port, '127.0.0.1');
      holdBusy(300);
      expect((await receiving)?.toString()).toBe('HELLO');
      expect(await probe.receive(50)).toBeUndefined();
    } finally {
      probe.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
