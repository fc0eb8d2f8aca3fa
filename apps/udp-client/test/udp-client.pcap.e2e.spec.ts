import { encodeEnvelope, decodeEnvelope } from '@netlab/protocol';
import {
  readCapture,
  runApp,
  runCleanups,
  startServer,
  temporaryPath,
} from '@netlab-tools/app-harness';

jest.setTimeout(60_000);
afterEach(runCleanups);

describe('--pcap on udp-server and udp-client (built apps, read back with tshark)', () => {
  it('both captures hold every datagram, in order, with the real addresses and ports', async () => {
    const serverFile = temporaryPath('server.pcapng');
    const clientFile = temporaryPath('client.pcapng');
    // Bound to every interface: the capture shows the loopback address the datagrams used.
    const server = await startServer('udp-server', ['--host', '0.0.0.0', '--pcap', serverFile]);
    const result = await runApp(
      'udp-client',
      ['--port', String(server.port), '--pcap', clientFile],
      'hello\nwörld\n',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    await server.logs.waitForCount('Received message from client', 2);

    for (const file of [clientFile, serverFile]) {
      const packets = await readCapture(file);
      const clientPort = packets[0].sourcePort;
      expect(
        packets.map((p) => [p.transport, p.source, p.sourcePort, p.destination, p.destinationPort]),
      ).toEqual([
        ['udp', '127.0.0.1', clientPort, '127.0.0.1', server.port],
        ['udp', '127.0.0.1', server.port, '127.0.0.1', clientPort],
        ['udp', '127.0.0.1', clientPort, '127.0.0.1', server.port],
        ['udp', '127.0.0.1', server.port, '127.0.0.1', clientPort],
      ]);
      // Each datagram whole, its request id included: the text, then its reply with the same id.
      const datagrams = packets.map((p) => decodeEnvelope(p.payload));
      expect(datagrams.map((d) => d.payload.toString('utf8'))).toEqual([
        'hello',
        'HELLO',
        'wörld',
        'WÖRLD',
      ]);
      expect(datagrams[1].id).toBe(datagrams[0].id);
      expect(packets[0].payload).toEqual(encodeEnvelope(datagrams[0].id, Buffer.from('hello')));
    }
  });

  it('captures every ping and its reply with --ping', async () => {
    const file = temporaryPath('ping.pcapng');
    const server = await startServer('udp-server', ['--host', '127.0.0.1']);
    const result = await runApp('udp-client', [
      ...['--port', String(server.port), '--ping', '3', '--interval', '20', '--pcap', file],
    ]);
    expect(result.code).toBe(0);
    const packets = await readCapture(file);
    expect(packets.map((p) => (p.destinationPort === server.port ? 'out' : 'in'))).toEqual([
      'out',
      'in',
      'out',
      'in',
      'out',
      'in',
    ]);
    expect(packets.map((p) => decodeEnvelope(p.payload).payload.toString('utf8'))).toEqual([
      expect.stringMatching(/^Ping 1 \d+$/),
      expect.stringMatching(/^PING 1 \d+$/),
      expect.stringMatching(/^Ping 2 \d+$/),
      expect.stringMatching(/^PING 2 \d+$/),
      expect.stringMatching(/^Ping 3 \d+$/),
      expect.stringMatching(/^PING 3 \d+$/),
    ]);
  });
});
