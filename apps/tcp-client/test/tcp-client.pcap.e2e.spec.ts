import { statSync } from 'node:fs';
import {
  readCapture,
  runApp,
  runCleanups,
  startServer,
  temporaryPath,
  type CapturedPacket,
} from '@netlab-tools/app-harness';

jest.setTimeout(60_000);
afterEach(runCleanups);

const SYN = '0x0002';
const SYN_ACK = '0x0012';
const ACK = '0x0010';

/** The bytes one side sent, in order, from a capture's data segments. */
function bytesFrom(packets: CapturedPacket[], sourcePort: number): string {
  return Buffer.concat(
    packets
      .filter((p) => p.sourcePort === sourcePort && p.payload.length > 0)
      .map((p) => p.payload),
  ).toString('utf8');
}

/** Each data segment's sequence number is 1 + the bytes its side sent before it. */
function expectSequenceFromByteCounts(packets: CapturedPacket[], sourcePort: number): void {
  let next = 1;
  for (const packet of packets.filter((p) => p.sourcePort === sourcePort && p.payload.length > 0)) {
    expect(packet.seq).toBe(next);
    next += packet.payload.length;
  }
}

describe('--pcap on tcp-server and tcp-client (built apps, read back with tshark)', () => {
  it.each([
    ['IPv4', '127.0.0.1'],
    ['IPv6', '::1'],
  ])(
    'over %s: both captures hold every line and reply, in order, with the real addresses and ports',
    async (_, host) => {
      const serverFile = temporaryPath('server.pcapng');
      const clientFile = temporaryPath('client.pcapng');
      const server = await startServer('tcp-server', ['--host', host, '--pcap', serverFile]);
      const lines = 'Hi\nTesting Connection\nhéllo\nExit\n';
      const replies =
        'Your data was 2 bytes\nYour data was 18 bytes\nYour data was 6 bytes\nDisconnect\n';
      const result = await runApp(
        'tcp-client',
        ['--host', host, '--port', String(server.port), '--pcap', clientFile],
        lines,
      );
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      await server.logs.waitFor('Connection closed', { reason: 'exit' });

      const client = await readCapture(clientFile);
      // A made-up handshake first, so Wireshark follows the stream; then the data.
      const clientPort = client[0].sourcePort;
      expect(client.slice(0, 3).map((p) => [p.flags, p.sourcePort, p.destinationPort])).toEqual([
        [SYN, clientPort, server.port],
        [SYN_ACK, server.port, clientPort],
        [ACK, clientPort, server.port],
      ]);
      for (const packet of client) {
        expect(packet.transport).toBe('tcp');
        expect([packet.source, packet.destination]).toEqual([host, host]);
        expect([packet.sourcePort, packet.destinationPort].sort()).toEqual(
          [clientPort, server.port].sort(),
        );
      }
      expect(bytesFrom(client, clientPort)).toBe(lines);
      expect(bytesFrom(client, server.port)).toBe(replies);
      expectSequenceFromByteCounts(client, clientPort);
      expectSequenceFromByteCounts(client, server.port);

      // The server saw the same conversation from its end: the same ports, the same bytes.
      const seenByServer = await readCapture(serverFile);
      expect(seenByServer[0]).toMatchObject({
        flags: SYN,
        sourcePort: clientPort,
        destinationPort: server.port,
      });
      expect(bytesFrom(seenByServer, clientPort)).toBe(lines);
      expect(bytesFrom(seenByServer, server.port)).toBe(replies);
      expectSequenceFromByteCounts(seenByServer, server.port);
    },
  );

  it('stops at --pcap-max-bytes with one line, and the client goes on', async () => {
    const file = temporaryPath('small.pcapng');
    const server = await startServer('tcp-server', ['--host', '127.0.0.1']);
    const long = 'a'.repeat(3000);
    const result = await runApp(
      'tcp-client',
      ['--port', String(server.port), '--pcap', file, '--pcap-max-bytes', '1024'],
      `Hi\n${long}\n`,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Your data was 3000 bytes');
    expect(result.stderr.trim().split('\n')).toEqual([
      `tcp-client: --pcap ${file}: reached --pcap-max-bytes (1024); later packets are not captured`,
    ]);
    expect(statSync(file).size).toBeLessThanOrEqual(1024);
    // What fitted is a whole capture: the handshake and the first line.
    const packets = await readCapture(file);
    expect(bytesFrom(packets, packets[0].sourcePort)).toBe('Hi\n');
  });

  it('says in one line that it cannot write the capture, and works on without it', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1']);
    const file = `${temporaryPath('missing')}/no/such/dir.pcapng`;
    const result = await runApp(
      'tcp-client',
      ['--port', String(server.port), '--pcap', file],
      'Hi\n',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Received Message from Server: Your data was 2 bytes\n');
    expect(result.stderr).toMatch(
      /^tcp-client: --pcap \S+: could not open: no such directory; nothing is captured\n$/,
    );
  });
});
