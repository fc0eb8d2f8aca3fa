/**
 * Captures a learner opens in Wireshark without root or libpcap: pcapng blocks around IP
 * packets synthesised from what an app sent and received (the payload it saw, the real
 * addresses and ports). Pure: bytes in, bytes out; writing the file is the caller's job.
 *
 * pcapng: https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html. The one interface
 * has link type 101 (LINKTYPE_RAW: each packet begins with its IPv4 or IPv6 header), so no
 * Ethernet header has to be made up.
 */

/** One side of a flow: an IPv4 or IPv6 address (an IPv4-mapped IPv6 one counts as IPv4). */
export interface PacketEndpoint {
  address: string;
  port: number;
}

/** What an app saw on one socket: what a capture tap is handed. */
export interface TrafficEvent {
  transport: 'udp' | 'tcp';
  direction: 'in' | 'out';
  /** This app's end of the socket. */
  local: PacketEndpoint;
  /** The other end. */
  remote: PacketEndpoint;
  /** The payload: a whole datagram, or the bytes of one TCP read or write. */
  bytes: Uint8Array;
}

/** A capture's entry point, which the transports call for each datagram or TCP read and write. */
export type TrafficTap = (event: TrafficEvent) => void;

const LINKTYPE_RAW = 101;
const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const SNAP_LENGTH = 0x40000;
/** TCP payload per synthesised segment: an IPv4 packet holds at most 65,535 bytes. */
export const MAX_SEGMENT_BYTES = 65_000;

const TCP_FLAG = { FIN: 0x01, SYN: 0x02, PSH: 0x08, ACK: 0x10 } as const;

function block(type: number, body: Buffer): Buffer {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

/** The Section Header Block and the one Interface Description Block: a capture's first bytes. */
export function pcapngHeader(): Buffer {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  shb.writeUInt16LE(1, 4); // major version
  shb.writeUInt16LE(0, 6); // minor version
  shb.writeBigInt64LE(-1n, 8); // section length: not given
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(LINKTYPE_RAW, 0);
  idb.writeUInt32LE(SNAP_LENGTH, 4);
  return Buffer.concat([block(BLOCK_SHB, shb), block(BLOCK_IDB, idb)]);
}

/** One Enhanced Packet Block: `packet` (an IP packet) at `timestampUs` microseconds since 1970. */
export function pcapngPacket(packet: Uint8Array, timestampUs: bigint): Buffer {
  const body = Buffer.alloc(20 + packet.length);
  body.writeUInt32LE(0, 0); // interface 0
  body.writeUInt32LE(Number(timestampUs >> 32n), 4);
  body.writeUInt32LE(Number(timestampUs & 0xffffffffn), 8);
  body.writeUInt32LE(packet.length, 12);
  body.writeUInt32LE(packet.length, 16);
  Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength).copy(body, 20);
  return block(BLOCK_EPB, body);
}

interface Addresses {
  version: 4 | 6;
  source: Buffer;
  destination: Buffer;
}

const MAPPED_IPV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

function ipv4Bytes(address: string): Buffer | undefined {
  const text = MAPPED_IPV4.exec(address)?.[1] ?? address;
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) < 256)) {
    return undefined;
  }
  return Buffer.from(parts.map(Number));
}

/** The 16 bytes of an IPv6 address (`::1`, `fe80::1%eth0`, `::ffff:1.2.3.4`). */
export function ipv6Bytes(address: string): Buffer {
  const text = address.replace(/%.*$/, '');
  const out = Buffer.alloc(16);
  let words: string[];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let head = text;
  const tail: number[] = [];
  if (v4) {
    const bytes = ipv4Bytes(v4[1]) ?? Buffer.alloc(4);
    tail.push(bytes.readUInt16BE(0), bytes.readUInt16BE(2));
    head = text.slice(0, -v4[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left, right] = head.split('::');
  const leftWords = left ? left.split(':') : [];
  const rightWords = right === undefined ? [] : right ? right.split(':') : [];
  const fill = 8 - tail.length - leftWords.length - rightWords.length;
  words = [
    ...leftWords,
    ...(right === undefined ? [] : Array<string>(Math.max(0, fill)).fill('0')),
    ...rightWords,
  ];
  words = [...words, ...tail.map((word) => word.toString(16))];
  words
    .slice(0, 8)
    .forEach((word, i) => out.writeUInt16BE(parseInt(word || '0', 16) & 0xffff, i * 2));
  return out;
}

function addressesOf(source: string, destination: string): Addresses {
  const s4 = ipv4Bytes(source);
  const d4 = ipv4Bytes(destination);
  if (s4 && d4) return { version: 4, source: s4, destination: d4 };
  return { version: 6, source: ipv6Bytes(source), destination: ipv6Bytes(destination) };
}

/** The ones' complement sum of RFC 1071, folded to 16 bits. */
function checksum(parts: readonly Buffer[]): number {
  let sum = 0;
  for (const part of parts) {
    for (let i = 0; i + 1 < part.length; i += 2) sum += part.readUInt16BE(i);
    if (part.length % 2 === 1) sum += part[part.length - 1] << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipPacket(addresses: Addresses, protocol: number, segment: Buffer): Buffer {
  // The pseudo-header the UDP and TCP checksums cover (RFC 768, RFC 9293, RFC 8200 8.1).
  const pseudo =
    addresses.version === 4
      ? Buffer.concat([
          addresses.source,
          addresses.destination,
          Buffer.from([0, protocol, segment.length >> 8, segment.length & 0xff]),
        ])
      : Buffer.concat([
          addresses.source,
          addresses.destination,
          Buffer.from([0, 0, segment.length >> 8, segment.length & 0xff, 0, 0, 0, protocol]),
        ]);
  const checksumAt = protocol === 17 ? 6 : 16;
  const value = checksum([pseudo, segment]);
  // UDP writes a computed 0 as 0xffff (0 means "no checksum").
  segment.writeUInt16BE(protocol === 17 && value === 0 ? 0xffff : value, checksumAt);
  if (addresses.version === 4) {
    const header = Buffer.alloc(20);
    header[0] = 0x45;
    header.writeUInt16BE(20 + segment.length, 2);
    header.writeUInt16BE(0x4000, 6); // don't fragment
    header[8] = 64;
    header[9] = protocol;
    addresses.source.copy(header, 12);
    addresses.destination.copy(header, 16);
    header.writeUInt16BE(checksum([header]), 10);
    return Buffer.concat([header, segment]);
  }
  const header = Buffer.alloc(40);
  header.writeUInt32BE(0x60000000, 0);
  header.writeUInt16BE(segment.length, 4);
  header[6] = protocol;
  header[7] = 64;
  addresses.source.copy(header, 8);
  addresses.destination.copy(header, 24);
  return Buffer.concat([header, segment]);
}

/** One UDP datagram from `source` to `destination`, as an IPv4 or IPv6 packet. */
export function udpPacket(
  source: PacketEndpoint,
  destination: PacketEndpoint,
  payload: Uint8Array,
): Buffer {
  const segment = Buffer.alloc(8 + payload.length);
  segment.writeUInt16BE(source.port, 0);
  segment.writeUInt16BE(destination.port, 2);
  segment.writeUInt16BE(Math.min(0xffff, segment.length), 4);
  Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).copy(segment, 8);
  return ipPacket(addressesOf(source.address, destination.address), 17, segment);
}

/** One TCP segment; `seq` and `ack` are absolute sequence numbers. */
export function tcpPacket(
  source: PacketEndpoint,
  destination: PacketEndpoint,
  segmentFields: { seq: number; ack: number; flags: number },
  payload: Uint8Array = Buffer.alloc(0),
): Buffer {
  const segment = Buffer.alloc(20 + payload.length);
  segment.writeUInt16BE(source.port, 0);
  segment.writeUInt16BE(destination.port, 2);
  segment.writeUInt32BE(segmentFields.seq >>> 0, 4);
  segment.writeUInt32BE(segmentFields.ack >>> 0, 8);
  segment[12] = 5 << 4; // 20-byte header, no options
  segment[13] = segmentFields.flags;
  segment.writeUInt16BE(0xffff, 14); // window
  Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).copy(segment, 20);
  return ipPacket(addressesOf(source.address, destination.address), 6, segment);
}

interface TcpFlow {
  /** Next sequence number of the client's bytes, and of the server's. */
  clientNext: number;
  serverNext: number;
}

const flowKey = (client: PacketEndpoint, server: PacketEndpoint): string =>
  `${client.address}|${client.port}|${server.address}|${server.port}`;

/**
 * Turns what an app saw into IP packets: a datagram into one UDP packet; TCP bytes into
 * segments whose sequence numbers count the bytes each side has sent, after a three-way
 * handshake made up the first time a connection is seen (so Wireshark follows the stream).
 * `role` says which end the app is: a server's remote end is the client, and the reverse.
 */
export class PacketSynthesizer {
  readonly #role: 'client' | 'server';
  readonly #flows = new Map<string, TcpFlow>();
  /** Connections remembered at most; the oldest is forgotten (it gets a new handshake if seen again). */
  readonly #maxFlows: number;

  constructor(role: 'client' | 'server', maxFlows = 10_000) {
    this.#role = role;
    this.#maxFlows = maxFlows;
  }

  /** The packets that show `event`, in order. */
  packets(event: TrafficEvent): Buffer[] {
    const [source, destination] =
      event.direction === 'out' ? [event.local, event.remote] : [event.remote, event.local];
    if (event.transport === 'udp') return [udpPacket(source, destination, event.bytes)];
    const [client, server] =
      this.#role === 'client' ? [event.local, event.remote] : [event.remote, event.local];
    const out: Buffer[] = [];
    const key = flowKey(client, server);
    let flow = this.#flows.get(key);
    if (!flow) {
      flow = { clientNext: 1, serverNext: 1 };
      this.#remember(key, flow);
      // The handshake: initial sequence numbers 0, so Wireshark's relative numbers are the byte counts.
      out.push(tcpPacket(client, server, { seq: 0, ack: 0, flags: TCP_FLAG.SYN }));
      out.push(tcpPacket(server, client, { seq: 0, ack: 1, flags: TCP_FLAG.SYN | TCP_FLAG.ACK }));
      out.push(tcpPacket(client, server, { seq: 1, ack: 1, flags: TCP_FLAG.ACK }));
    }
    const fromClient = source.port === client.port && source.address === client.address;
    for (let at = 0; at < event.bytes.length; at += MAX_SEGMENT_BYTES) {
      const piece = event.bytes.subarray(at, at + MAX_SEGMENT_BYTES);
      const seq = fromClient ? flow.clientNext : flow.serverNext;
      const ack = fromClient ? flow.serverNext : flow.clientNext;
      out.push(
        tcpPacket(source, destination, { seq, ack, flags: TCP_FLAG.PSH | TCP_FLAG.ACK }, piece),
      );
      if (fromClient) flow.clientNext = (flow.clientNext + piece.length) >>> 0;
      else flow.serverNext = (flow.serverNext + piece.length) >>> 0;
    }
    return out;
  }

  #remember(key: string, flow: TcpFlow): void {
    if (this.#flows.size >= this.#maxFlows) {
      const oldest = this.#flows.keys().next().value;
      if (oldest !== undefined) this.#flows.delete(oldest);
    }
    this.#flows.set(key, flow);
  }
}
