import {
  ipv6Bytes,
  MAX_SEGMENT_BYTES,
  PacketSynthesizer,
  pcapngHeader,
  pcapngPacket,
  tcpPacket,
  udpPacket,
} from './pcapng';

/** RFC 1071: summing a packet's header with its checksum in place gives 0xffff. */
function onesComplementSum(parts: Buffer[]): number {
  let sum = 0;
  for (const part of parts) {
    for (let i = 0; i + 1 < part.length; i += 2) sum += part.readUInt16BE(i);
    if (part.length % 2 === 1) sum += part[part.length - 1] << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

const a = { address: '127.0.0.1', port: 40000 };
const b = { address: '127.0.0.1', port: 12000 };

describe('pcapng blocks', () => {
  it('starts with a Section Header Block and a raw-IP Interface Description Block', () => {
    const header = pcapngHeader();
    expect(header.readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(header.readUInt32LE(8)).toBe(0x1a2b3c4d);
    const shbLength = header.readUInt32LE(4);
    expect(header.readUInt32LE(shbLength - 4)).toBe(shbLength);
    expect(header.readUInt32LE(shbLength)).toBe(1); // IDB
    expect(header.readUInt16LE(shbLength + 8)).toBe(101); // LINKTYPE_RAW
    expect(header.length % 4).toBe(0);
  });

  it('wraps a packet in an Enhanced Packet Block: timestamp, lengths, padding to 4 bytes', () => {
    const packet = Buffer.from([1, 2, 3, 4, 5]);
    const block = pcapngPacket(packet, 0x1_0000_0002n);
    expect(block.readUInt32LE(0)).toBe(6);
    expect(block.length).toBe(12 + 20 + 8);
    expect(block.readUInt32LE(4)).toBe(block.length);
    expect(block.readUInt32LE(block.length - 4)).toBe(block.length);
    expect([block.readUInt32LE(12), block.readUInt32LE(16)]).toEqual([1, 2]);
    expect([block.readUInt32LE(20), block.readUInt32LE(24)]).toEqual([5, 5]);
    expect(block.subarray(28, 33)).toEqual(packet);
  });
});

describe('packets', () => {
  it('makes an IPv4 UDP packet whose header and UDP checksums hold', () => {
    const packet = udpPacket(a, b, Buffer.from('hello'));
    expect(packet[0]).toBe(0x45);
    expect(packet.readUInt16BE(2)).toBe(20 + 8 + 5);
    expect(packet[9]).toBe(17);
    expect(onesComplementSum([packet.subarray(0, 20)])).toBe(0xffff);
    const segment = packet.subarray(20);
    expect([segment.readUInt16BE(0), segment.readUInt16BE(2), segment.readUInt16BE(4)]).toEqual([
      40000, 12000, 13,
    ]);
    const pseudo = Buffer.concat([packet.subarray(12, 20), Buffer.from([0, 17, 0, 13])]);
    expect(onesComplementSum([pseudo, segment])).toBe(0xffff);
    expect(segment.subarray(8).toString()).toBe('hello');
  });

  it('makes an IPv6 packet for IPv6 addresses, and IPv4 for IPv4-mapped ones', () => {
    const v6 = udpPacket(
      { address: '::1', port: 1 },
      { address: '::1', port: 2 },
      Buffer.from('x'),
    );
    expect(v6[0] >> 4).toBe(6);
    expect(v6.readUInt16BE(4)).toBe(9);
    expect(v6[6]).toBe(17);
    const mapped = udpPacket(
      { address: '::ffff:127.0.0.1', port: 1 },
      { address: '127.0.0.1', port: 2 },
      Buffer.alloc(0),
    );
    expect(mapped[0]).toBe(0x45);
  });

  it('reads IPv6 addresses in every written form', () => {
    expect(ipv6Bytes('::1').toString('hex')).toBe('00000000000000000000000000000001');
    expect(ipv6Bytes('fe80::1%eth0').toString('hex')).toBe('fe800000000000000000000000000001');
    expect(ipv6Bytes('2001:db8::8:800:200c:417a').toString('hex')).toBe(
      '20010db80000000000080800200c417a',
    );
    expect(ipv6Bytes('::ffff:192.0.2.1').toString('hex')).toBe('00000000000000000000ffffc0000201');
  });

  it('makes a TCP segment with its sequence numbers, flags and a checksum that holds', () => {
    const packet = tcpPacket(a, b, { seq: 5, ack: 9, flags: 0x18 }, Buffer.from('Hi\n'));
    const segment = packet.subarray(20);
    expect(segment.readUInt32BE(4)).toBe(5);
    expect(segment.readUInt32BE(8)).toBe(9);
    expect(segment[13]).toBe(0x18);
    const pseudo = Buffer.concat([packet.subarray(12, 20), Buffer.from([0, 6, 0, segment.length])]);
    expect(onesComplementSum([pseudo, segment])).toBe(0xffff);
  });
});

describe('PacketSynthesizer', () => {
  const tcpFields = (packet: Buffer) => {
    const segment = packet.subarray(20);
    return {
      from: segment.readUInt16BE(0),
      seq: segment.readUInt32BE(4),
      ack: segment.readUInt32BE(8),
      flags: segment[13],
      length: segment.length - 20,
    };
  };

  it('opens a TCP connection with a handshake once, then numbers each side by its byte count', () => {
    // The client app: local is the client.
    const synth = new PacketSynthesizer('client');
    const first = synth.packets({
      transport: 'tcp',
      direction: 'out',
      local: a,
      remote: b,
      bytes: Buffer.from('Hi\n'),
    });
    expect(first.map(tcpFields)).toEqual([
      { from: 40000, seq: 0, ack: 0, flags: 0x02, length: 0 },
      { from: 12000, seq: 0, ack: 1, flags: 0x12, length: 0 },
      { from: 40000, seq: 1, ack: 1, flags: 0x10, length: 0 },
      { from: 40000, seq: 1, ack: 1, flags: 0x18, length: 3 },
    ]);
    const reply = synth.packets({
      transport: 'tcp',
      direction: 'in',
      local: a,
      remote: b,
      bytes: Buffer.from('Your data was 2 bytes\n'),
    });
    expect(reply.map(tcpFields)).toEqual([
      { from: 12000, seq: 1, ack: 4, flags: 0x18, length: 22 },
    ]);
    const next = synth.packets({
      transport: 'tcp',
      direction: 'out',
      local: a,
      remote: b,
      bytes: Buffer.from('x'),
    });
    expect(tcpFields(next[0])).toMatchObject({ seq: 4, ack: 23 });
  });

  it('takes the remote end for the client when the app is the server', () => {
    const synth = new PacketSynthesizer('server');
    const [syn] = synth.packets({
      transport: 'tcp',
      direction: 'in',
      local: b,
      remote: a,
      bytes: Buffer.from('Hi\n'),
    });
    expect(tcpFields(syn)).toMatchObject({ from: 40000, flags: 0x02 });
  });

  it('cuts a write longer than one IP packet holds into segments', () => {
    const synth = new PacketSynthesizer('client');
    const packets = synth.packets({
      transport: 'tcp',
      direction: 'out',
      local: a,
      remote: b,
      bytes: Buffer.alloc(MAX_SEGMENT_BYTES + 10, 'a'),
    });
    expect(packets.slice(3).map((p) => tcpFields(p))).toEqual([
      { from: 40000, seq: 1, ack: 1, flags: 0x18, length: MAX_SEGMENT_BYTES },
      { from: 40000, seq: 1 + MAX_SEGMENT_BYTES, ack: 1, flags: 0x18, length: 10 },
    ]);
  });

  it('gives a datagram one UDP packet, either way', () => {
    const synth = new PacketSynthesizer('server');
    const [packet] = synth.packets({
      transport: 'udp',
      direction: 'out',
      local: b,
      remote: a,
      bytes: Buffer.from('HI'),
    });
    expect([packet.readUInt16BE(20), packet.readUInt16BE(22)]).toEqual([12000, 40000]);
  });
});
